// Issue 15: the proof of work (ALTCHA) in a real browser. With JavaScript on, the form solves the
// challenge by itself (the widget loaded from the app's own assets, its sums in a worker) and the
// tip arrives; with JavaScript off, past the threshold, the page says why it needs JavaScript or a
// later retry, and keeps what was written.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { FIXTURES_DIR } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { appAndBrowserPerFile, DESKTOP } from './desk-support.js';

const REFERENCE = /^TD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
// Cheap challenges (a real paper keeps the defaults: a few seconds of work).
const EASY = { POW_COST: '50', POW_COUNTER_MAX: '400' };

// The file's app asks every post for a proof (POW_ALWAYS); a second one only past one tip an hour.
const suite = appAndBrowserPerFile({ ...EASY, POW_ALWAYS: 'true' });
let threshold: TestApp;
beforeAll(async () => {
  threshold = await startTestApp({ ...EASY, POW_AFTER_TIPS_PER_HOUR: '1' });
});
afterAll(async () => {
  await threshold?.close();
});

interface Watched {
  page: Page;
  /** Console lines about the Content-Security-Policy (a refused script, worker or style). */
  cspViolations: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

async function openForm(app: TestApp, options: BrowserContextOptions = DESKTOP): Promise<Watched> {
  const page = await suite.pool.page(options);
  const context = page.context();
  const watched: Watched = { page, cspViolations: [], requests: [] };
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) watched.cspViolations.push(message.text());
  });
  context.on('request', (request) => watched.requests.push(request.url()));
  expect((await page.goto(`${app.url}/`))?.status()).toBe(200);
  return watched;
}

async function fillForm(page: Page, story: string): Promise<void> {
  await page.getByLabel('Your story').fill(story);
  await page.getByLabel('I accept the terms').check();
  await page.getByLabel('I filmed or photographed this myself').check();
  await page.getByLabel('I am 18 or over').check();
}

/** Clicks "Send my tip" and returns the POST / that answered it. */
async function submit(page: Page) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/', { timeout: 60_000 }),
    page.getByRole('button', { name: 'Send my tip' }).click(),
  ]);
  return response;
}

describe('proof of work on the tip form', () => {
  it('POW_ALWAYS, JavaScript on: a story and a video go through with the challenge solved by the page itself; the tip arrives', async () => {
    const { page, cspViolations, requests } = await openForm(suite.t);
    const tips = await suite.t.count('tips');
    await fillForm(page, 'A tip sent through the proof of work');
    // The video goes up resumably: its tus creation carries a solution too.
    await page.setInputFiles('#files', `${FIXTURES_DIR}sample.mp4`);
    await page.getByText('Uploaded.', { exact: true }).waitFor({ timeout: 60_000 });
    const response = await submit(page);
    expect(response.status()).toBe(201);
    expect(await response.request().headerValue('x-altcha')).toEqual(expect.any(String));
    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    expect(reference).toMatch(REFERENCE);
    const stored = await suite.t.db.query(
      'SELECT t.story, count(m.id)::int AS media FROM tips t LEFT JOIN media m ON m.tip_id = t.id WHERE t.reference = $1 GROUP BY t.story',
      [reference],
    );
    expect(stored.rows).toEqual([{ story: 'A tip sent through the proof of work', media: 1 }]);
    expect(await suite.t.count('tips')).toBe(tips + 1);
    // Two solutions used (the upload's and the post's), each once.
    expect(await suite.t.count('pow_solutions')).toBeGreaterThanOrEqual(2);
    // Everything from the app itself: the widget, its stylesheet, its worker, the challenges.
    const origin = new URL(suite.t.url).origin;
    expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'))).toEqual([]);
    expect(requests.some((url) => /\/assets\/vendor\/altcha-[\d.]+\/pbkdf2\.js$/.test(url))).toBe(true);
    expect(requests.some((url) => url.endsWith('/api/pow/challenge'))).toBe(true);
    expect(cspViolations).toEqual([]);
  });

  it('POW_ALWAYS, JavaScript on: a story without files is solved and posted by the page too', async () => {
    const { page, cspViolations } = await openForm(suite.t);
    await fillForm(page, 'Words only, with the proof of work');
    const response = await submit(page);
    expect(response.status()).toBe(201);
    expect((await page.locator('#reference').textContent())?.trim()).toMatch(REFERENCE);
    expect(cspViolations).toEqual([]);
  });

  it('JavaScript off, past the threshold: the form comes back explaining why it needs JavaScript or a later retry, with the story kept and no tip stored', async () => {
    // The first tip of the hour needs nothing, even without JavaScript.
    const first = await openForm(threshold, { ...DESKTOP, javaScriptEnabled: false });
    await fillForm(first.page, 'The first tip of the hour');
    expect((await submit(first.page)).status()).toBe(201);

    const { page } = await openForm(threshold, { ...DESKTOP, javaScriptEnabled: false });
    const tips = await threshold.count('tips');
    await fillForm(page, 'A second tip, without JavaScript');
    expect((await submit(page)).status()).toBe(403);
    const explanation = page.locator('#pow-explanation');
    await expect(explanation.isVisible()).resolves.toBe(true);
    expect(await explanation.textContent()).toMatch(/needs JavaScript[\s\S]*try again in an hour/);
    expect(await page.getByLabel('Your story').inputValue()).toBe('A second tip, without JavaScript');
    expect(await threshold.count('tips')).toBe(tips);
  });

  it('JavaScript on, past the threshold: the refusal is met by solving the challenge and posting again, transparently', async () => {
    const { page } = await openForm(threshold);
    const tips = await threshold.count('tips');
    await fillForm(page, 'Past the threshold, with JavaScript');
    // The page did not know it would be asked: the browser posts natively, meets the 403 page,
    // and a second Send (now knowing) solves and posts.
    const refused = await submit(page);
    expect(refused.status()).toBe(403);
    await page.locator('#pow-explanation').waitFor();
    const response = await submit(page);
    expect(response.status()).toBe(201);
    expect((await page.locator('#reference').textContent())?.trim()).toMatch(REFERENCE);
    expect(await threshold.count('tips')).toBe(tips + 1);
  });
});
