// Issue 15: a tip page showed every message ever exchanged: a contributor (or a flood of mail)
// could make it megabytes long. Now the conversation is paged, newest page first, with an
// "Older messages" link (keyset on created_at, id), TIP_PAGE_MESSAGES a page.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { TIP_PAGE_MESSAGES } from '../../src/desk/desk.service.js';
import { contributorWithTip } from '../support/fixtures.js';
import { createStaff } from '../support/staff.js';
import type { TestApp } from '../support/test-app.js';
import { contextPool, postTip, signInThroughPage, startAppAndBrowser, type PostedTip } from './desk-support.js';

const TOTAL = 120;

let t: TestApp;
let browser: Browser;
const pool = contextPool(() => browser);
let editor: { email: string; password: string };
let tip: PostedTip;
let chatty: { id: string };
const REPLIES = 60;

beforeAll(async () => {
  ({ t, browser } = await startAppAndBrowser({ CONTRIBUTOR_MESSAGES_PER_HOUR: '1000' }));
  const { user, password } = await createStaff(t, 'editor', { name: 'Eddie Editor' });
  editor = { email: user.email, password };
  tip = await postTip(t, { story: 'The council is selling the park.' });
  // 120 replies a minute apart; messages 60 and 61 at the same instant (the id breaks the tie).
  await t.db.query(
    `INSERT INTO messages (tip_id, direction, channel, body, created_at)
     SELECT $1, 'from_contributor', 'web', 'Reply number ' || g || '.', now() - interval '1 day' + LEAST(g, 60) * interval '1 minute' + GREATEST(g - 61, 0) * interval '1 minute'
       FROM generate_series(1, ${TOTAL}) g`,
    [tip.id],
  );
  // A contributor who replies 60 times through the API: 60 messages and 60 history events.
  const contributor = await contributorWithTip(t, { story: 'The pier is closing.' });
  for (let i = 1; i <= REPLIES; i++)
    await contributor
      .post('/api/contributor/messages')
      .send({ body: `Chatty reply ${i}.` })
      .expect(201);
  chatty = (await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [contributor.reference])).rows[0];
}, 120_000);

afterEach(() => pool.closeAll());
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("the desk's tip page with a long conversation", () => {
  it(`shows the newest ${TIP_PAGE_MESSAGES} messages first, oldest at the top; "Older messages" pages back to the first, each message exactly once`, async () => {
    const page = await pool.page();
    await signInThroughPage(page, t, editor.email, editor.password);
    await page.goto(`${t.url}/desk/tips/${tip.id}`);
    const thread = page.locator('#messages ol.thread > li .body');

    const seen: string[] = [];
    const pages: number[] = [];
    for (;;) {
      const bodies = (await thread.allTextContents()).map((b) => b.trim());
      pages.push(bodies.length);
      seen.unshift(...bodies);
      const older = page.getByRole('link', { name: 'Older messages' });
      if ((await older.count()) === 0) break;
      await Promise.all([page.waitForURL(/messagesBefore=/), older.click()]);
      // An older page links back to the newest.
      await expect(page.getByRole('link', { name: 'Newest messages' }).count()).resolves.toBe(1);
    }

    expect(pages).toEqual([TIP_PAGE_MESSAGES, TIP_PAGE_MESSAGES, TOTAL - 2 * TIP_PAGE_MESSAGES]);
    // Oldest first, every message once: the pages join without a gap or a repeat, ties included.
    const numbers = seen.map((b) => Number(/Reply number (\d+)\./.exec(b)?.[1]));
    expect([...numbers.slice(0, 59), ...numbers.slice(61)]).toEqual([
      ...Array.from({ length: 59 }, (_, i) => i + 1),
      ...Array.from({ length: 59 }, (_, i) => i + 62),
    ]);
    expect(numbers.slice(59, 61).sort((a, b) => a - b)).toEqual([60, 61]);

    // Back to the newest page: it ends with the latest reply.
    await page.getByRole('link', { name: 'Newest messages' }).click();
    await page.waitForURL((url) => !url.search.includes('messagesBefore'));
    expect((await thread.allTextContents()).at(-1)?.trim()).toBe(`Reply number ${TOTAL}.`);
  }, 60_000);

  it('the history pages the same way: the newest events first, "Earlier history" for the rest, each event once', async () => {
    const page = await pool.page();
    await signInThroughPage(page, t, editor.email, editor.password);
    await page.goto(`${t.url}/desk/tips/${chatty.id}`);
    const events = page.locator('#history ol.history > li');
    const total = Number((await t.db.query(`SELECT count(*) AS n FROM audit_events WHERE entity_type = 'tip' AND entity_id = $1`, [chatty.id])).rows[0].n);
    expect(total).toBeGreaterThan(REPLIES);
    expect(await events.count()).toBe(TIP_PAGE_MESSAGES);
    await Promise.all([page.waitForURL(/historyBefore=/), page.getByRole('link', { name: 'Earlier history' }).click()]);
    expect(await events.count()).toBe(total - TIP_PAGE_MESSAGES);
    await expect(page.getByRole('link', { name: 'Earlier history' }).count()).resolves.toBe(0);
    // The oldest event of all (the tip arriving) is on the last page.
    await expect(page.locator('#history').textContent()).resolves.toMatch(/Tip (received|created|arrived)/i);
    await page.getByRole('link', { name: 'Latest history' }).click();
    await page.waitForURL((url) => !url.search.includes('historyBefore'));
    expect(await events.count()).toBe(TIP_PAGE_MESSAGES);
  }, 60_000);

  it('a forged page link (messagesBefore=garbage) → 400 in words on the desk page, not 500', async () => {
    const page = await pool.page();
    await signInThroughPage(page, t, editor.email, editor.password);
    const res = await page.goto(`${t.url}/desk/tips/${tip.id}?messagesBefore=not-a-cursor`);
    expect(res?.status()).toBe(400);
    await expect(page.getByText('Not a cursor this server gave out').count()).resolves.toBeGreaterThan(0);
  }, 60_000);
});
