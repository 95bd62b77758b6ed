// An editor's day on the desk in a real browser: the queue with its filters, search and pages,
// "Next tip", watching the contributor's video, the keyboard shortcuts, triage, notes, messages,
// two editors on one tip, and a story full of HTML shown as text.
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createStaff } from '../support/staff.js';
import {
  DESKTOP,
  expectNoHorizontalScroll,
  MOBILE,
  postTip,
  type PostedTip,
  screenshot,
  signInThroughPage,
  appAndBrowserPerFile,
  XSS_STORY,
} from './desk-support.js';

const editors: Record<'eddie' | 'bea', { email: string; password: string; id: string }> = {} as never;
let videoTip: PostedTip;
let xssTip: PostedTip;
let whatsappTip: PostedTip;
const plainTips: PostedTip[] = [];

const suite = appAndBrowserPerFile();
const { pool } = suite;

beforeAll(async () => {
  for (const [key, name] of [
    ['eddie', 'Eddie Editor'],
    ['bea', 'Bea Baker'],
  ] as const) {
    const { user, password } = await createStaff(suite.t, 'editor', { name });
    editors[key] = { email: user.email, password, id: user.id };
  }
  // The oldest tip has the video, so "Next tip" (oldest unclaimed first) opens it.
  videoTip = await postTip(
    suite.t,
    {
      story: 'A lorry shed its load of oranges on the High Street at 8am.\n\nI filmed the whole thing from the bus stop.',
      name: 'Sam Reader',
      email: 'sam@example.com',
      phone: '+44 7700 900123',
      location: 'High Street, Anytown',
      occurredAt: '2026-05-01T08:00:00Z',
    },
    { videos: 1 },
  );
  whatsappTip = await postTip(suite.t, { story: 'Swans blocking the bypass again, traffic backed up to the roundabout.' });
  await suite.t.db.query(`UPDATE tips SET channel = 'whatsapp' WHERE id = $1`, [whatsappTip.id]);
  for (let i = 1; i <= 26; i++) plainTips.push(await postTip(suite.t, { story: `Routine council notice number ${i}: bins collected late on Elm Road.` }));
  xssTip = await postTip(suite.t, { story: XSS_STORY, name: '<b>Mallory</b>', location: '<i>nowhere</i>' });
});

async function signedIn(who: keyof typeof editors, options = DESKTOP): Promise<Page> {
  const page = await pool.page(options);
  await signInThroughPage(page, suite.t, editors[who].email, editors[who].password);
  return page;
}

const rowRefs = (page: Page) => page.locator('[data-tip-row] a.ref').allTextContents();
const statusOf = async (page: Page) => ((await page.locator('#tip-status').textContent()) ?? '').trim();
const dbTip = async (id: string) =>
  (
    await suite.t.db.query<{ status: string; assignee_id: string | null; priority: number; tags: string[]; duplicate_of_id: string | null; version: number }>(
      'SELECT status, assignee_id, priority, tags, duplicate_of_id, version FROM tips WHERE id = $1',
      [id],
    )
  ).rows[0];

/** Applies the filter form (a plain GET form: works without JavaScript). */
async function filter(page: Page, fill: (page: Page) => Promise<void>): Promise<void> {
  await fill(page);
  await Promise.all([page.waitForLoadState('load'), page.waitForURL(/\/desk\?/), page.getByRole('button', { name: 'Apply' }).click()]);
}

describe('the queue', () => {
  it('lists the newest tips first, 25 to a page, each row with reference, channel, age, media, snippet, status and assignee', async () => {
    const page = await signedIn('eddie');
    expect(new URL(page.url()).pathname).toBe('/desk');
    const refs = await rowRefs(page);
    expect(refs).toHaveLength(25);
    expect(refs[0]).toBe(xssTip.reference);
    expect(refs).not.toContain(videoTip.reference); // the oldest is on the next page

    const first = page.locator('[data-tip-row]').first();
    expect(await first.locator('.status').textContent()).toBe('New');
    expect(await first.locator('.channel').textContent()).toBe('API');
    expect(await first.locator('.assignee').textContent()).toBe('unassigned');
    const age = first.locator('time');
    expect(await age.textContent()).toMatch(/just now|min ago/);
    expect(await age.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await age.getAttribute('title')).toBeTruthy();
    await screenshot(page, 'desk-queue-desktop');

    // Older → the last four; Newer → back to the first page.
    await Promise.all([page.waitForURL(/cursor=/), page.locator('#older').click()]);
    expect(await rowRefs(page)).toEqual([plainTips[1], plainTips[0], whatsappTip, videoTip].map((tip) => tip.reference));
    expect(await page.locator('#older').count()).toBe(0);
    const videoRow = page.locator('[data-tip-row]', { hasText: videoTip.reference });
    expect(await videoRow.locator('.media-count').textContent()).toMatch(/1 file/);
    expect(await videoRow.locator('.video-icon').count()).toBe(1);
    expect(await page.locator('[data-tip-row]', { hasText: whatsappTip.reference }).locator('.channel').textContent()).toBe('WhatsApp');
    await Promise.all([page.waitForURL((url) => !url.search.includes('cursor=')), page.locator('#newer').click()]);
    expect((await rowRefs(page))[0]).toBe(xssTip.reference);
  });

  it('filters by channel, media, status, assignee, date and order, and searches the stories', async () => {
    const page = await signedIn('eddie');
    await filter(page, async (p) => p.getByLabel('Search').fill('oranges'));
    expect(await rowRefs(page)).toEqual([videoTip.reference]);
    expect(await page.getByLabel('Search').inputValue()).toBe('oranges');

    await page.goto(`${suite.t.url}/desk`);
    await filter(page, async (p) => void (await p.getByLabel('Channel').selectOption('whatsapp')));
    expect(await rowRefs(page)).toEqual([whatsappTip.reference]);

    await page.goto(`${suite.t.url}/desk`);
    await filter(page, async (p) => void (await p.getByLabel('Media').selectOption('true')));
    expect(await rowRefs(page)).toEqual([videoTip.reference]);

    await page.goto(`${suite.t.url}/desk`);
    await filter(page, async (p) => void (await p.getByLabel('Order').selectOption('oldest')));
    expect((await rowRefs(page))[0]).toBe(videoTip.reference);

    await page.goto(`${suite.t.url}/desk`);
    await filter(page, async (p) => {
      await p.getByLabel('Assignee').selectOption('me');
    });
    expect(await page.locator('#queue-empty').textContent()).toContain('No tips match');

    const today = new Date().toISOString().slice(0, 10);
    await page.goto(`${suite.t.url}/desk`);
    await filter(page, async (p) => {
      await p.getByLabel('Received from').fill('2020-01-01');
      await p.getByLabel('to', { exact: true }).fill('2020-01-31');
    });
    expect(await page.locator('#queue-empty').count()).toBe(1);
    await page.goto(`${suite.t.url}/desk?from=${today}&q=swans`);
    expect(await rowRefs(page)).toEqual([whatsappTip.reference]);

    // A bad filter is named and dropped; the rest still applies.
    await page.goto(`${suite.t.url}/desk?from=yesterday&q=swans`);
    expect(await page.locator('#filter-errors').textContent()).toContain('from must be a date');
    expect(await rowRefs(page)).toEqual([whatsappTip.reference]);
    await screenshot(page, 'desk-queue-filter-error');
  });

  it('fits a phone: rows become cards and nothing scrolls sideways', async () => {
    const page = await signedIn('eddie', MOBILE);
    await expectNoHorizontalScroll(page);
    expect(await page.locator('[data-tip-row]').count()).toBe(25);
    await screenshot(page, 'desk-queue-mobile', { fullPage: false });
  });

  it('j/k move the selection and Enter opens the tip; the tip page then knows its neighbours', async () => {
    const page = await signedIn('eddie');
    const refs = await rowRefs(page);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const selected = page.locator('[data-tip-row].selected');
    expect(await selected.count()).toBe(1);
    expect(await selected.locator('a.ref').textContent()).toBe(refs[1]);
    await Promise.all([page.waitForURL(/\/desk\/tips\//), page.keyboard.press('Enter')]);
    expect(await page.locator('#tip-reference').textContent()).toBe(refs[1]);

    await Promise.all([page.waitForURL(/\/desk\/tips\//), page.keyboard.press('j')]);
    await page.waitForLoadState('load');
    expect(await page.locator('#tip-reference').textContent()).toBe(refs[2]);
    await Promise.all([page.waitForURL(/\/desk\/tips\//), page.keyboard.press('k')]);
    await page.waitForLoadState('load');
    expect(await page.locator('#tip-reference').textContent()).toBe(refs[1]);
    expect(await page.locator('#prev-tip').getAttribute('href')).toMatch(/^\/desk\/tips\//);

    // ? shows the help; Escape hides it.
    await page.keyboard.press('?');
    expect(await page.locator('#shortcut-help').isVisible()).toBe(true);
    await screenshot(page, 'desk-tip-shortcut-help');
    await page.keyboard.press('Escape');
    expect(await page.locator('#shortcut-help').isVisible()).toBe(false);
  });
});

describe('claiming and triaging', () => {
  it('"Next tip" claims the oldest new tip; its video plays and seeks in the page', async () => {
    const page = await signedIn('eddie');
    await Promise.all([page.waitForURL(/\/desk\/tips\//), page.getByRole('button', { name: /Next tip/ }).click()]);
    expect(await page.locator('#tip-reference').textContent()).toBe(videoTip.reference);
    expect(await statusOf(page)).toBe('In review');
    expect(await page.locator('#tip-assignee').textContent()).toBe('Eddie Editor');
    expect(await page.locator('#notice').textContent()).toBe('This tip is yours now.');
    expect(await dbTip(videoTip.id)).toMatchObject({ status: 'in_review', assignee_id: editors.eddie.id });

    // Everything the contributor sent, as text.
    expect(await page.locator('#story').textContent()).toBe(
      'A lorry shed its load of oranges on the High Street at 8am.\n\nI filmed the whole thing from the bus stop.',
    );
    expect(await page.locator('#story').evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
    expect(await page.locator('#tip-location').textContent()).toBe('High Street, Anytown');
    expect(await page.locator('#contributor-name').textContent()).toBe('Sam Reader');
    expect(await page.locator('#contributor-email').textContent()).toBe('sam@example.com');
    expect(await page.locator('#contributor-phone').textContent()).toBe('+44 7700 900123');

    const video = page.locator('video');
    expect(await video.count()).toBe(1);
    expect(await video.getAttribute('preload')).toBe('metadata');
    expect(await video.getAttribute('src')).toMatch(/^\/api\/media\/[0-9a-f-]{36}\/content$/);
    const played = await video.evaluate(async (el: HTMLVideoElement) => {
      el.muted = true;
      if (el.readyState < 1)
        await new Promise((resolve, reject) => {
          el.addEventListener('loadedmetadata', resolve, { once: true });
          el.addEventListener('error', () => reject(new Error(`media error ${el.error?.code}: ${el.error?.message}`)), { once: true });
        });
      await el.play();
      const deadline = Date.now() + 5000;
      while (el.currentTime === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      el.pause();
      return { currentTime: el.currentTime, readyState: el.readyState, duration: el.duration };
    });
    expect(played.currentTime > 0 || played.readyState >= 2).toBe(true);
    expect(played.duration).toBeGreaterThan(0.5);
    const seeked = await video.evaluate(async (el: HTMLVideoElement) => {
      const done = new Promise((resolve) => el.addEventListener('seeked', resolve, { once: true }));
      el.currentTime = 0.5;
      await done;
      return el.currentTime;
    });
    expect(seeked).toBeCloseTo(0.5, 1);
    await screenshot(page, 'desk-tip-video-desktop');
  });

  it('v verifies, r rejects and s marks spam (and nothing happens while typing a note)', async () => {
    const page = await signedIn('eddie');
    await page.goto(`${suite.t.url}/desk/tips/${videoTip.id}`);
    // Typing "v" into the note box types a v.
    await page.getByLabel('Add a note for colleagues').fill('');
    await page.getByLabel('Add a note for colleagues').press('v');
    expect(await page.getByLabel('Add a note for colleagues').inputValue()).toBe('v');
    expect(await statusOf(page)).toBe('In review');
    await page.locator('h1').click(); // out of the box

    await Promise.all([page.waitForURL(/notice=status-changed/), page.keyboard.press('v')]);
    expect(await statusOf(page)).toBe('Verified');
    expect(await dbTip(videoTip.id)).toMatchObject({ status: 'verified' });
    expect(await page.locator('#history').textContent()).toContain('In review → Verified');

    await page.goto(`${suite.t.url}/desk/tips/${plainTips[5].id}`);
    // From "new", verify is not a legal move: no button, and the shortcut says so.
    expect(await page.locator('button[data-shortcut="v"]').count()).toBe(0);
    await page.keyboard.press('v');
    expect(await page.locator('#desk-toast').textContent()).toContain('cannot be verified');
    await Promise.all([page.waitForURL(/notice=status-changed/), page.keyboard.press('r')]);
    expect(await statusOf(page)).toBe('Rejected');
    // Only the legal moves are offered: a rejected tip can only be reopened.
    expect(await page.locator('#status-buttons .status-action').allTextContents()).toEqual(['Reopen']);

    await page.goto(`${suite.t.url}/desk/tips/${plainTips[6].id}`);
    await Promise.all([page.waitForURL(/notice=status-changed/), page.keyboard.press('s')]);
    expect(await statusOf(page)).toBe('Spam');
    expect(await dbTip(plainTips[6].id)).toMatchObject({ status: 'spam' });
  });

  it('c claims the open tip, n claims the next one', async () => {
    const page = await signedIn('bea');
    await page.goto(`${suite.t.url}/desk/tips/${plainTips[7].id}`);
    await Promise.all([page.waitForURL(/notice=claimed/), page.keyboard.press('c')]);
    expect(await page.locator('#tip-assignee').textContent()).toBe('Bea Baker');
    expect(await dbTip(plainTips[7].id)).toMatchObject({ assignee_id: editors.bea.id });

    await Promise.all([page.waitForURL((url) => url.pathname !== `/desk/tips/${plainTips[7].id}`), page.keyboard.press('n')]);
    await page.waitForLoadState('load');
    // The oldest unclaimed new tip after the video one.
    expect(await page.locator('#tip-reference').textContent()).toBe(whatsappTip.reference);
    expect(await page.locator('#tip-assignee').textContent()).toBe('Bea Baker');
  });

  it('warns on both tips when the same file (by SHA-256) came with another tip', async () => {
    const copy = await postTip(suite.t, { story: 'The oranges clip again, sent by a friend of Sam.' }, { videos: 1 });
    const page = await signedIn('eddie');
    await page.goto(`${suite.t.url}/desk/tips/${videoTip.id}`);
    const hints = page.locator('#duplicate-hints');
    expect(await hints.textContent()).toContain(copy.reference);
    expect(await hints.textContent()).toContain('1 file in common');
    await Promise.all([page.waitForURL(`**/desk/tips/${copy.id}`), hints.getByRole('link', { name: copy.reference }).click()]);
    expect(await page.locator('#duplicate-hints').textContent()).toContain(videoTip.reference);
  });

  it('the triage form assigns, sets priority and tags, and links a duplicate by its reference', async () => {
    const page = await signedIn('eddie');
    await page.goto(`${suite.t.url}/desk/tips/${plainTips[9].id}`);
    await page.getByLabel('Assigned to').selectOption({ label: 'Bea Baker' });
    await page.getByLabel('Priority').selectOption('2');
    await page.getByLabel('Tags').fill('Bins, council ,  Elm Road');
    await page.getByLabel('Duplicate of').fill('td-nope-nope');
    await page.getByRole('button', { name: 'Save' }).click();
    // An unknown reference comes back next to its field, with everything typed kept.
    await expect(page.locator('#duplicateOf-error').textContent()).resolves.toContain('There is no tip with the reference');
    expect(await page.getByLabel('Tags').inputValue()).toBe('Bins, council ,  Elm Road');
    expect(await page.getByLabel('Priority').inputValue()).toBe('2');

    await page.getByLabel('Duplicate of').fill(plainTips[8].reference.toLowerCase());
    await Promise.all([page.waitForURL(/notice=saved/), page.getByRole('button', { name: 'Save' }).click()]);
    expect(await dbTip(plainTips[9].id)).toMatchObject({
      assignee_id: editors.bea.id,
      priority: 2,
      tags: ['bins', 'council', 'elm road'],
      duplicate_of_id: plainTips[8].id,
    });
    expect(await page.locator('#duplicate-of').textContent()).toContain(plainTips[8].reference);
    expect(await page.getByLabel('Tags').inputValue()).toBe('bins, council, elm road');
    const history = (await page.locator('#history').textContent()) ?? '';
    expect(history).toContain('Assignee changed');
    expect(history).toContain('nobody → Bea Baker');
    expect(history).toContain('Tags changed');

    // The queue finds it by tag.
    await page.goto(`${suite.t.url}/desk?tag=elm+road`);
    expect(await rowRefs(page)).toEqual([plainTips[9].reference]);
    expect(await page.locator('[data-tip-row] .tag').allTextContents()).toEqual(['bins', 'council', 'elm road']);
  });

  it('adds a note and sends a message to the contributor', async () => {
    const page = await signedIn('eddie');
    await page.goto(`${suite.t.url}/desk/tips/${videoTip.id}`);
    await page.getByLabel('Add a note for colleagues').fill('Called Sam: footage is original.\nCheck the bus timetable.');
    await Promise.all([page.waitForURL(/notice=note-added/), page.getByRole('button', { name: 'Add note' }).click()]);
    expect(await page.locator('#notes .thread .body').allTextContents()).toEqual(['Called Sam: footage is original.\nCheck the bus timetable.']);
    expect(await page.locator('#notes .thread .meta').first().textContent()).toContain('Eddie Editor');

    await page.getByLabel('Message to the contributor').fill('Thanks Sam, could you send the original file name?');
    await Promise.all([page.waitForURL(/notice=message-sent/), page.getByRole('button', { name: 'Send message' }).click()]);
    expect(await page.locator('#messages .thread .body').allTextContents()).toEqual(['Thanks Sam, could you send the original file name?']);
    const history = (await page.locator('#history').textContent()) ?? '';
    expect(history).toContain('Note added');
    expect(history).toContain('Message sent to the contributor');
    expect(history).toContain('Claimed');

    // An empty note is refused next to its box.
    await page.getByLabel('Add a note for colleagues').fill('   ');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect(page.locator('#note-error').textContent()).resolves.toContain('Write a note');
    await screenshot(page, 'desk-tip-notes-desktop');
  });

  it('when someone else changed the tip first, the change is refused and the tip is shown as it is now', async () => {
    const mine = await signedIn('eddie');
    const theirs = await signedIn('bea');
    await mine.goto(`${suite.t.url}/desk/tips/${plainTips[10].id}`);
    await theirs.goto(`${suite.t.url}/desk/tips/${plainTips[10].id}`);
    await Promise.all([theirs.waitForURL(/notice=status-changed/), theirs.getByRole('button', { name: 'Start review' }).click()]);

    await mine.getByRole('button', { name: /Spam/ }).click();
    await mine.locator('#conflict').waitFor();
    expect(await mine.locator('#conflict').textContent()).toContain('Someone else changed this tip');
    expect(await statusOf(mine)).toBe('In review'); // the current state, not what this page had
    expect(await dbTip(plainTips[10].id)).toMatchObject({ status: 'in_review' });
    // The page now carries the new version: the same button works.
    await Promise.all([mine.waitForURL(/notice=status-changed/), mine.getByRole('button', { name: /Spam/ }).click()]);
    expect(await statusOf(mine)).toBe('Spam');
    await screenshot(mine, 'desk-tip-after-conflict');
  });
});

describe('pages that cannot be shown', () => {
  it('a tip id that is not a uuid is a 400 page; an unknown one a 404 page', async () => {
    const page = await signedIn('eddie');
    let response = await page.goto(`${suite.t.url}/desk/tips/not-a-uuid`);
    expect(response?.status()).toBe(400);
    expect(await page.locator('#error-message').textContent()).toContain('Not a valid tip id');
    response = await page.goto(`${suite.t.url}/desk/tips/00000000-0000-4000-8000-000000000000`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Not found');
    expect(await page.locator('#signed-in-as').count()).toBe(1); // still inside the desk's frame
  });
});

describe('what contributors write is text', () => {
  // The CSP is bypassed so that a template that failed to escape would really run the script.
  it('a story, name and place full of HTML are shown as typed on the queue and the tip page', async () => {
    const page = await signedIn('eddie', { ...DESKTOP, bypassCSP: true });
    await page.goto(`${suite.t.url}/desk?q=script`);
    await page.waitForLoadState('load');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main img, main script, main b, main i').count()).toBe(0);

    await page.goto(`${suite.t.url}/desk/tips/${xssTip.id}`);
    await page.waitForLoadState('load');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#story').textContent()).toBe(XSS_STORY);
    expect(await page.locator('#contributor-name').textContent()).toBe('<b>Mallory</b>');
    expect(await page.locator('#tip-location').textContent()).toBe('<i>nowhere</i>');
    expect(await page.locator('main script, #story img, main b, main i').count()).toBe(0);
    await screenshot(page, 'desk-tip-xss');
  });
});

describe('the tip page on a phone', () => {
  it('stacks into one column with the video fitting the screen', async () => {
    const page = await signedIn('eddie', MOBILE);
    await page.goto(`${suite.t.url}/desk/tips/${videoTip.id}`);
    await expectNoHorizontalScroll(page);
    const width = await page.locator('video').evaluate((el) => el.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(390);
    await screenshot(page, 'desk-tip-mobile', { fullPage: false });
    await page.locator('#triage-heading').scrollIntoViewIfNeeded();
    await screenshot(page, 'desk-tip-mobile-triage', { fullPage: false });
  });
});

describe('without JavaScript', () => {
  it('the queue filters, "Next tip", the status buttons and the note form all work as plain forms', async () => {
    const page = await signedIn('bea', { ...DESKTOP, javaScriptEnabled: false });
    await filter(page, async (p) => p.getByLabel('Search').fill('council notice number 12'));
    expect(await rowRefs(page)).toContain(plainTips[11].reference);
    // No JavaScript, no shortcut help button.
    expect(await page.locator('[data-help]').isVisible()).toBe(false);

    await Promise.all([page.waitForURL(/\/desk\/tips\//), page.getByRole('button', { name: /Next tip/ }).click()]);
    const claimed = ((await page.locator('#tip-reference').textContent()) ?? '').trim();
    expect(await page.locator('#tip-assignee').textContent()).toBe('Bea Baker');
    await Promise.all([page.waitForURL(/notice=status-changed/), page.getByRole('button', { name: /Reject/ }).click()]);
    expect(await statusOf(page)).toBe('Rejected');
    await page.getByLabel('Add a note for colleagues').fill('Rejected without JavaScript.');
    await Promise.all([page.waitForURL(/notice=note-added/), page.getByRole('button', { name: 'Add note' }).click()]);
    expect(await page.locator('#notes .thread .body').allTextContents()).toEqual(['Rejected without JavaScript.']);
    const { rows } = await suite.t.db.query('SELECT status FROM tips WHERE reference = $1', [claimed]);
    expect(rows[0].status).toBe('rejected');
  });
});

describe('an empty queue', () => {
  it('"Next tip" with nothing new to claim goes back to the queue with a notice', async () => {
    await suite.t.db.query(`UPDATE tips SET status = 'archived' WHERE status = 'new'`);
    const page = await signedIn('eddie');
    await Promise.all([page.waitForURL(/notice=queue-empty/), page.getByRole('button', { name: /Next tip/ }).click()]);
    expect(await page.locator('#notice').textContent()).toBe('No new tips are waiting to be claimed. Check back soon.');
  });
});
