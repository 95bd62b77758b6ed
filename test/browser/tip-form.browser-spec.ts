// The public tip form in a real browser (Debian chromium via playwright-core) against the real
// app and PostgreSQL: with JavaScript on (XHR + progress bar) and off (a plain form post).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { FIXTURES_DIR, sampleVideo } from '../support/media-samples.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const SCREENSHOTS_DIR = fileURLToPath(new URL('./.screenshots/', import.meta.url));
const SAMPLE_VIDEO = join(FIXTURES_DIR, 'sample.mp4');
const REFERENCE = /^TD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
const MOBILE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const XSS_STORY = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

let t: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const filesDir = mkdtempSync(join(tmpdir(), 'tipdesk-tus-browser-'));

beforeAll(async () => {
  // Started side by side; if one fails, the other is still kept so afterAll can stop it.
  const [app, chromium] = await Promise.allSettled([startTestApp(), launchBrowser()]);
  if (app.status === 'fulfilled') t = app.value;
  if (chromium.status === 'fulfilled') browser = chromium.value;
  for (const result of [chromium, app]) if (result.status === 'rejected') throw result.reason;
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(filesDir, { recursive: true, force: true });
});

/** A fresh context (no shared cookies/cache) and page per test; closed after the test. */
async function openForm(options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  const response = await page.goto(`${t.url}/`);
  expect(response?.status()).toBe(200);
  return page;
}

interface TipInput {
  story: string;
  location?: string;
  name?: string;
  email?: string;
  consents?: boolean;
  files?: string | { name: string; mimeType: string; buffer: Buffer };
}

async function fillForm(page: Page, input: TipInput): Promise<void> {
  await page.getByLabel('Your story').fill(input.story);
  if (input.location !== undefined) await page.getByLabel('Where did it happen?').fill(input.location);
  if (input.name !== undefined) await page.getByLabel('Your name').fill(input.name);
  if (input.email !== undefined) await page.getByLabel('Email').fill(input.email);
  if (input.consents) {
    await page.getByLabel('I accept the terms').check();
    await page.getByLabel('I filmed or photographed this myself').check();
    await page.getByLabel('I am 18 or over').check();
  }
  if (input.files !== undefined) await page.setInputFiles('#files', input.files);
}

/** Clicks "Send my tip" and returns the status of the POST / that answered it. */
async function submit(page: Page): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/'),
    page.getByRole('button', { name: 'Send my tip' }).click(),
  ]);
  return response.status();
}

/** The tip, its media and consent rows, looked up by the reference the page showed. */
async function storedTip(reference: string) {
  const tips = await t.db.query('SELECT id, channel, story FROM tips WHERE reference = $1', [reference]);
  expect(tips.rows).toHaveLength(1);
  const tip = tips.rows[0] as { id: string; channel: string; story: string };
  const media = (await t.db.query('SELECT storage_key, sniffed_type, kind, state FROM media WHERE tip_id = $1', [tip.id])).rows;
  const consents = (await t.db.query('SELECT own_work, over18, channel FROM consents WHERE tip_id = $1', [tip.id])).rows;
  return { tip, media, consents };
}

const mediaBlobs = async () => (await t.blobFiles()).filter((f) => f.startsWith('media/'));

describe('the public tip form in a browser', () => {
  it('with JavaScript on, sends a story and a video (XHR with progress) and shows the reference and secret', async () => {
    const page = await openForm(MOBILE);
    const blobsBefore = await t.blobFiles();
    const postTypes: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' || r.method() === 'PATCH') postTypes.push(r.resourceType());
    });
    await fillForm(page, {
      story: 'A lorry shed its load of oranges on the High Street at 8am. I filmed it.',
      location: 'High Street, Anytown',
      name: 'Sam Reader',
      email: 'sam@example.com',
      consents: true,
      files: SAMPLE_VIDEO,
    });
    expect(await submit(page)).toBe(201);

    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    expect(reference).toMatch(REFERENCE);
    const secret = page.locator('#secret');
    expect(await secret.isVisible()).toBe(true);
    expect((await secret.textContent())?.trim().length).toBeGreaterThanOrEqual(20);
    await expect(page.locator('main').textContent()).resolves.toMatch(/Keep both somewhere safe/);
    expect(await page.title()).toMatch(/Tip received/);
    // The JavaScript path really ran: the file went up by tus, then the form by XHR (no navigation).
    expect(postTypes.every((type) => type === 'xhr')).toBe(true);
    expect(postTypes.length).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'confirmation-mobile.png'), fullPage: true });

    const { tip, media, consents } = await storedTip(reference);
    expect(tip.channel).toBe('web');
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({ sniffed_type: 'video/mp4', kind: 'video' });
    expect(consents).toHaveLength(1);
    expect(consents[0]).toMatchObject({ own_work: true, over18: true, channel: 'web' });
    const newBlobs = (await t.blobFiles()).filter((f) => !blobsBefore.includes(f));
    expect(newBlobs).toEqual([media[0].storage_key]);
    expect(newBlobs[0]).toMatch(/^media\//);
  });

  it('with JavaScript off, the plain form post with a video works and shows the reference', async () => {
    const page = await openForm({ javaScriptEnabled: false });
    const mediaBefore = await mediaBlobs();
    await fillForm(page, { story: 'Flooding under the railway bridge, cars stuck.', email: 'nojs@example.com', consents: true, files: SAMPLE_VIDEO });
    expect(await submit(page)).toBe(201);

    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    expect(reference).toMatch(REFERENCE);
    expect(await page.locator('#secret').isVisible()).toBe(true);
    const { tip, media } = await storedTip(reference);
    expect(tip.channel).toBe('web');
    expect(media).toHaveLength(1);
    expect(media[0].sniffed_type).toBe('video/mp4');
    expect((await mediaBlobs()).length).toBe(mediaBefore.length + 1);
  });

  it('reloading the receipt page replays the first answer: one tip, same reference and secret', async () => {
    const page = await openForm({ javaScriptEnabled: false });
    await fillForm(page, { story: 'Reload me: a swan on the motorway.', consents: true, files: SAMPLE_VIDEO });
    expect(await submit(page)).toBe(201);
    const reference = (await page.locator('#reference').textContent())?.trim();
    const secret = (await page.locator('#secret').textContent())?.trim();
    const tipsBefore = await t.count('tips');
    const mediaBefore = await mediaBlobs();

    await page.reload(); // the browser sends the same POST again
    expect((await page.locator('#reference').textContent())?.trim()).toBe(reference);
    expect((await page.locator('#secret').textContent())?.trim()).toBe(secret);
    expect(await t.count('tips')).toBe(tipsBefore);
    expect(await mediaBlobs()).toEqual(mediaBefore);

    await page.getByRole('link', { name: "Check your tip's status" }).click();
    expect(new URL(page.url()).pathname).toBe('/status');
    expect(await page.locator('main').textContent()).toContain(reference);
  });

  it('with JavaScript off, errors come back next to the fields with what was typed kept, and nothing is stored', async () => {
    const page = await openForm({ javaScriptEnabled: false });
    const [tipsBefore, blobsBefore] = [await t.count('tips'), await t.blobFiles()];
    const story = 'Smoke coming from the old mill.\nSecond line, with "quotes" & an ampersand.';
    await fillForm(page, { story, name: "Ann O'Nymous", email: 'not-an-email', consents: false });
    expect(await submit(page)).toBe(400);

    const summary = page.locator('#error-summary');
    expect(await summary.isVisible()).toBe(true);
    expect(await summary.textContent()).toMatch(/email address/);
    expect(await page.locator('#email-error').textContent()).toMatch(/does not look like an email address/);
    // Screen readers hear the error with the field.
    expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#email').getAttribute('aria-describedby')).toBe('email-error');
    expect(await page.locator('#consentTerms-error').textContent()).toMatch(/accept the terms/);
    expect(await page.locator('#consentOwnWork-error').textContent()).toMatch(/own work/);
    expect(await page.locator('#consentOver18-error').textContent()).toMatch(/18 or over/);
    expect(await page.locator('#story-error').count()).toBe(0);
    // Each message sits in the same field block as its input.
    for (const field of ['email', 'consentTerms', 'consentOwnWork', 'consentOver18']) {
      expect(await page.locator(`.field.has-error:has(#${field}-error) #${field}`).count()).toBe(1);
    }
    // The summary links jump to the fields.
    expect(await summary.locator('a[href="#email"]').count()).toBe(1);

    expect(await page.getByLabel('Your story').inputValue()).toBe(story);
    expect(await page.getByLabel('Email').inputValue()).toBe('not-an-email');
    expect(await page.getByLabel('Your name').inputValue()).toBe("Ann O'Nymous");

    expect(await t.count('tips')).toBe(tipsBefore);
    expect(await t.blobFiles()).toEqual(blobsBefore);
  });

  it('refuses a Windows program renamed to clip.mp4, keeps the story, and stores nothing', async () => {
    const page = await openForm({ javaScriptEnabled: false });
    const [tipsBefore, blobsBefore] = [await t.count('tips'), await t.blobFiles()];
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(5 * 1024 - 2, 0x41)]);
    const story = 'Here is my video of the fire.';
    await fillForm(page, { story, email: 'exe@example.com', consents: true, files: { name: 'clip.mp4', mimeType: 'video/mp4', buffer: exe } });
    expect(await submit(page)).toBe(415);

    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toMatch(/"clip\.mp4" is not a video, photo or audio file/);
    expect(await page.locator('#files-error').textContent()).toMatch(/not a video, photo or audio file/);
    expect(await page.getByLabel('Your story').inputValue()).toBe(story);

    expect(await t.count('tips')).toBe(tipsBefore);
    expect(await t.blobFiles()).toEqual(blobsBefore);
  });

  it('fits a phone screen without sideways scrolling and labels every input', async () => {
    const page = await openForm(MOBILE);
    const scroll = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    expect(scroll.scrollWidth).toBeLessThanOrEqual(scroll.clientWidth);
    // The progress bar appears only once a post with files is under way.
    expect(await page.locator('#upload-progress').isVisible()).toBe(false);

    for (const label of [
      'Your story',
      'Videos, photos or audio',
      'Where did it happen?',
      'When did it happen?',
      'Your name',
      'Email',
      'Phone or WhatsApp',
      'Credit me as',
      'I accept the terms',
      'I am 18 or over',
    ]) {
      expect(await page.getByLabel(label).count()).toBe(1);
    }
    // Every form control a person can reach has a label (the honeypot is hidden from people).
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('input, textarea, select'))
        .filter((el) => el.type !== 'hidden' && !el.closest('[aria-hidden="true"]'))
        .filter((el) => (el.labels?.length ?? 0) === 0)
        .map((el) => el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    // The honeypot is there, but out of sight and out of the tab order.
    const honeypot = page.locator('#website');
    expect(await honeypot.getAttribute('tabindex')).toBe('-1');
    expect(await honeypot.evaluate((el) => el.closest('[aria-hidden="true"]') !== null)).toBe(true);

    await fillForm(page, {
      story: 'Burst water main outside the school; the road is a river.',
      location: 'Station Road',
      name: 'Sam Reader',
      email: 'sam@example.com',
      consents: true,
      files: SAMPLE_VIDEO,
    });
    const filled = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    expect(filled).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'form-filled-mobile.png'), fullPage: true });
  });

  // Escaping is tested with JavaScript on and the page's Content-Security-Policy bypassed, so a
  // template that failed to escape would really run the script: the CSP is a second line of
  // defence, not the one under test.
  it('echoes a story full of HTML back as text, never as markup (plain post)', async () => {
    const page = await openForm({ bypassCSP: true });
    await fillForm(page, { story: XSS_STORY, email: 'bad email', consents: true });
    expect(await submit(page)).toBe(400); // no files chosen: tip-form.js lets the browser post it
    await page.locator('#error-summary').waitFor();
    await page.waitForLoadState('load');

    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.getByLabel('Your story').inputValue()).toBe(XSS_STORY);
    expect(await page.locator('main img, main script').count()).toBe(0);
  });

  it('echoes a story full of HTML back as text when the XHR response is written into the page', async () => {
    const page = await openForm({ bypassCSP: true });
    await fillForm(page, { story: XSS_STORY, email: 'bad email', consents: true, files: SAMPLE_VIDEO });
    expect(await submit(page)).toBe(400);
    await page.locator('#error-summary').waitFor();
    await page.waitForLoadState('load');

    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.getByLabel('Your story').inputValue()).toBe(XSS_STORY);
    expect(await page.locator('main img, main script').count()).toBe(0);
  });

  it('shows the reference on /status, and anything else in it only as text', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();

    let response = await page.goto(`${t.url}/status?reference=TD-ABCD-EFGH`);
    expect(response?.status()).toBe(200);
    expect(await page.locator('main strong').textContent()).toBe('TD-ABCD-EFGH');
    expect(await page.locator('h1').textContent()).toBe('Check your tip');

    const hostile = '<script>window.__xss=1</script>';
    response = await page.goto(`${t.url}/status?reference=${encodeURIComponent(hostile)}`);
    expect(response?.status()).toBe(200);
    await page.waitForLoadState('load');
    const shown = (await page.locator('main strong').textContent()) ?? '';
    expect(hostile.startsWith(shown)).toBe(true); // shown as typed (the page trims long input)
    expect(shown).toContain('<script>');
    expect(await page.locator('main script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Writes bytes to a real file in the test's temp directory (what a phone's file picker gives). */
function tempFile(name: string, bytes: Buffer): string {
  const path = join(filesDir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Waits until the file's progress bar (labelled with its name) says 100. */
async function uploaded(page: Page, filename: string): Promise<void> {
  const bar = page.getByRole('progressbar', { name: filename });
  await bar.waitFor();
  await page.waitForFunction((el) => (el as HTMLProgressElement).value === 100, await bar.elementHandle(), { timeout: 20_000 });
  // 100 % comes with the last byte sent; the upload is done when the server has answered it (sniffed, hashed).
  await page.locator('#upload-list li[data-state="done"]').filter({ has: bar }).waitFor({ timeout: 20_000 });
}

const uploadOffset = async (id: string) => {
  const response = await fetch(`${t.url}/api/uploads/${id}`, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
  expect(response.status).toBe(200);
  return Number(response.headers.get('upload-offset'));
};

describe('resumable uploads in the public form (tus-js-client, JavaScript on)', () => {
  it('uploads a chosen video with tus (progress to 100 %), then sends the tip with the upload id', async () => {
    const video = sampleVideo();
    const path = tempFile('train-clip.mp4', video);
    const page = await openForm(MOBILE);
    const tusRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/uploads')) tusRequests.push(r.method());
    });
    await fillForm(page, { story: 'Signal failure at the junction; I filmed the queue.', email: 'tus@example.com', consents: true, files: path });
    await uploaded(page, 'train-clip.mp4');
    expect(await page.locator('#upload-list .upload-percent').textContent()).toMatch(/^100 %/);
    expect(await page.locator('#upload-status').getAttribute('aria-live')).toBe('polite');
    await expect(page.locator('#upload-status').textContent()).resolves.toMatch(/uploaded/);
    expect(tusRequests).toContain('POST');
    expect(tusRequests).toContain('PATCH');

    // The tip itself goes without the bytes: only the upload id.
    const [tipRequest] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/'),
      submit(page).then((status) => expect(status).toBe(201)),
    ]);
    expect(tipRequest.postDataBuffer()!.length).toBeLessThan(video.length + 4000);
    expect(tipRequest.postData()).toMatch(/name="uploads"/);
    expect(tipRequest.postData()).not.toMatch(/name="files"/);

    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    expect(reference).toMatch(REFERENCE);
    expect(await page.locator('#secret').isVisible()).toBe(true);
    const { tip } = await storedTip(reference);
    const media = (await t.db.query('SELECT sha256, sniffed_type FROM media WHERE tip_id = $1', [tip.id])).rows;
    expect(media).toEqual([{ sha256: sha256(video), sniffed_type: 'video/mp4' }]);
    const uploads = (await t.db.query('SELECT id FROM uploads WHERE attached_tip_id = $1', [tip.id])).rows;
    expect(uploads).toHaveLength(1);
  });

  it('after the page is closed mid-upload, choosing the same file offers to resume and carries on from where it stopped', async () => {
    const big = Buffer.concat([sampleVideo(), randomBytes(12 * 1024 * 1024)]);
    const path = tempFile('long-clip.mp4', big);
    const CHUNK = 1024 * 1024;
    const context = await browser.newContext();
    contexts.push(context);
    await context.addInitScript((chunk) => ((window as unknown as { tipdeskUploadChunkSize: number }).tipdeskUploadChunkSize = chunk), CHUNK);

    // First visit: three chunks get through, the fourth hangs (the train enters a tunnel), the page is closed.
    const first = await context.newPage();
    let patches = 0;
    let uploadUrl = '';
    const hung = new Promise<void>((resolve) => {
      void first.route('**/api/uploads**', async (route) => {
        const request = route.request();
        if (request.method() === 'PATCH' && ++patches > 3) return resolve(); // never answered
        const response = await route.fetch();
        if (request.method() === 'POST') uploadUrl = response.headers()['location'] ?? '';
        await route.fulfill({ response });
      });
    });
    expect((await first.goto(`${t.url}/`))?.status()).toBe(200);
    await fillForm(first, { story: 'A long video of the flood, filmed from the train.', consents: true, files: path });
    await hung;
    await first.close();
    const id = uploadUrl.split('/').pop() ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const offset = await uploadOffset(id);
    expect(offset).toBeGreaterThanOrEqual(3 * CHUNK);
    expect(offset).toBeLessThan(big.length);

    // Second visit in the same browser (localStorage kept): the same file is chosen again.
    const page = await context.newPage();
    const creations: string[] = [];
    const patchOffsets: number[] = [];
    const headOffsets: number[] = [];
    page.on('request', (r) => {
      if (!new URL(r.url()).pathname.startsWith('/api/uploads')) return;
      if (r.method() === 'POST') creations.push(r.url());
      if (r.method() === 'PATCH') patchOffsets.push(Number(r.headers()['upload-offset']));
    });
    page.on('response', (r) => {
      // The HEADs before the first PATCH: where the server said the upload stands.
      if (patchOffsets.length === 0 && r.request().method() === 'HEAD' && new URL(r.url()).pathname.startsWith('/api/uploads')) {
        headOffsets.push(Number(r.headers()['upload-offset']));
      }
    });
    expect((await page.goto(`${t.url}/`))?.status()).toBe(200);
    await fillForm(page, { story: 'A long video of the flood, filmed from the train.', email: 'resume@example.com', consents: true, files: path });
    const row = page.locator('#upload-list li');
    await expect(row.locator('.upload-message').textContent()).resolves.toMatch(/./);
    await page.getByText('Resume your upload of long-clip.mp4?').first().waitFor();
    expect(await page.locator('#upload-status').textContent()).toBe('Resume your upload of long-clip.mp4?');
    await page.getByRole('button', { name: 'Yes, resume' }).click();
    await uploaded(page, 'long-clip.mp4');

    expect(creations).toEqual([]); // no new upload
    // Carried on from the server's offset, not from 0. Chromium may still deliver part of the hung
    // fourth chunk after the first page closed, so the server's offset is read when resuming.
    const serverOffset = headOffsets.at(-1) ?? -1;
    expect(serverOffset).toBeGreaterThanOrEqual(offset);
    expect(patchOffsets[0]).toBe(serverOffset);
    expect(patchOffsets.length).toBeLessThanOrEqual(Math.ceil((big.length - serverOffset) / CHUNK));

    expect(await submit(page)).toBe(201);
    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    const { tip } = await storedTip(reference);
    const media = (await t.db.query('SELECT sha256 FROM media WHERE tip_id = $1', [tip.id])).rows;
    expect(media).toEqual([{ sha256: sha256(big) }]);
    const attached = (await t.db.query('SELECT id FROM uploads WHERE attached_tip_id = $1', [tip.id])).rows;
    expect(attached).toEqual([{ id }]);
  });

  it('pauses with the Pause button (no more bytes sent) and carries on with Resume', async () => {
    const clip = Buffer.concat([sampleVideo(), randomBytes(4 * 1024 * 1024)]);
    const path = tempFile('pause-clip.mp4', clip);
    const CHUNK = 256 * 1024;
    const context = await browser.newContext();
    contexts.push(context);
    await context.addInitScript((chunk) => ((window as unknown as { tipdeskUploadChunkSize: number }).tipdeskUploadChunkSize = chunk), CHUNK);
    const page = await context.newPage();
    const patchOffsets: number[] = [];
    // A slow line: each chunk takes a moment, so there is time to press Pause.
    await page.route('**/api/uploads/**', async (route) => {
      if (route.request().method() === 'PATCH') {
        patchOffsets.push(Number(route.request().headers()['upload-offset']));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await route.continue().catch(() => undefined); // a paused (aborted) request may be gone
    });
    expect((await page.goto(`${t.url}/`))?.status()).toBe(200);
    await fillForm(page, { story: 'Pausing on a slow line.', consents: true, files: path });
    const toggle = page.locator('#upload-list .upload-toggle');
    await eventually(() => expect(patchOffsets.length).toBeGreaterThanOrEqual(3), 20_000);
    expect(await toggle.textContent()).toBe('Pause');
    await toggle.click();
    expect(await toggle.textContent()).toBe('Resume');
    await expect(page.locator('#upload-status').textContent()).resolves.toMatch(/paused/);
    await page.waitForTimeout(300);
    const whilePaused = patchOffsets.length;
    await page.waitForTimeout(700);
    expect(patchOffsets.length).toBe(whilePaused); // nothing sent while paused

    await toggle.click();
    await uploaded(page, 'pause-clip.mp4');
    expect(patchOffsets[whilePaused]).toBeGreaterThan(0); // resumed from the server's offset
    // The bar reaches 100 % with the last PATCH sent; the button goes when the server has answered it.
    await toggle.waitFor({ state: 'hidden', timeout: 10_000 });
  });

  it('four files chosen at once: at most three go up at a time, the fourth waits its turn, then all four go with the tip', async () => {
    const CHUNK = 256 * 1024;
    const context = await browser.newContext();
    contexts.push(context);
    await context.addInitScript((chunk) => ((window as unknown as { tipdeskUploadChunkSize: number }).tipdeskUploadChunkSize = chunk), CHUNK);
    const page = await context.newPage();
    let inFlight = 0;
    let most = 0;
    // A slow line, so the uploads overlap.
    await page.route('**/api/uploads**', async (route) => {
      inFlight++;
      most = Math.max(most, inFlight);
      if (route.request().method() === 'PATCH') await new Promise((resolve) => setTimeout(resolve, 150));
      await route.continue().catch(() => undefined);
      inFlight--;
    });
    expect((await page.goto(`${t.url}/`))?.status()).toBe(200);
    const clips = [1, 2, 3, 4].map((n) => ({ name: `clip-${n}.mp4`, bytes: Buffer.concat([sampleVideo(), randomBytes(CHUNK * 3)]) }));
    await fillForm(page, { story: 'Four clips of the same flood from the bridge.', consents: true });
    await page.setInputFiles(
      '#files',
      clips.map((c) => tempFile(c.name, c.bytes)),
    );
    await page.locator('#upload-list li[data-state="queued"]').first().waitFor();
    await expect(page.locator('#upload-list li[data-state="queued"] .upload-message').first().textContent()).resolves.toBe(
      'Waiting for the other files to go up…',
    );
    for (const clip of clips) await uploaded(page, clip.name);
    expect(most).toBeLessThanOrEqual(3);

    expect(await submit(page)).toBe(201);
    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    const { tip } = await storedTip(reference);
    const media = (await t.db.query('SELECT sha256 FROM media WHERE tip_id = $1 ORDER BY sha256', [tip.id])).rows;
    expect(media).toEqual(clips.map((c) => ({ sha256: sha256(c.bytes) })).sort((a, b) => a.sha256.localeCompare(b.sha256)));
  });

  it('serves tus-js-client from the app with long caching, under the same strict CSP', async () => {
    const page = await openForm();
    const src = await page.locator('script[src*="tus-js-client"]').getAttribute('src');
    expect(src).toMatch(/^\/assets\/vendor\/tus-js-client-\d+\.\d+\.\d+\.min\.js$/);
    const response = await fetch(`${t.url}${src}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await response.text()).length).toBeGreaterThan(10_000);
    expect(await page.evaluate(() => typeof (window as unknown as { tus?: { Upload?: unknown } }).tus?.Upload)).toBe('function');
    const csp = (await fetch(`${t.url}/`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect((await fetch(`${t.url}/assets/vendor/browser-test-bundle.js`)).status).toBe(404);
  });

  it('explains a 413 (too large) and a 429 (too many uploads) next to the file', async () => {
    for (const [status, words] of [
      [413, /too large: each file can be up to \S+/],
      [429, /Too many uploads/],
    ] as const) {
      const page = await openForm();
      await page.route('**/api/uploads', (route) =>
        route.request().method() === 'POST'
          ? route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ statusCode: status, error: 'x', code: 'X', message: 'x' }) })
          : route.continue(),
      );
      await fillForm(page, { story: 'Refused upload.', consents: true, files: tempFile(`refused-${status}.mp4`, sampleVideo()) });
      const message = page.locator('#upload-list .upload-message');
      await page.waitForFunction(() => /failed|stopped/.test(document.querySelector('#upload-list li')?.getAttribute('data-state') ?? ''), undefined, {
        timeout: 20_000,
      });
      expect(await message.textContent()).toMatch(words);
    }
  });

  it('says in plain words next to the file when it is refused (415), and sends no tip', async () => {
    const page = await openForm();
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64 * 1024, 0x41)]);
    await fillForm(page, { story: 'Not really a video.', consents: true, files: { name: 'clip.mp4', mimeType: 'video/mp4', buffer: exe } });
    const message = page.locator('#upload-list .upload-message');
    await page.waitForFunction(() => document.querySelector('#upload-list li')?.getAttribute('data-state') === 'failed', undefined, { timeout: 20_000 });
    expect(await message.textContent()).toMatch(/not a video, photo or audio file/);
    const tipsBefore = await t.count('tips');
    await page.getByRole('button', { name: 'Send my tip' }).click();
    await expect(page.locator('#upload-status').textContent()).resolves.toMatch(/could not be uploaded/);
    expect(await t.count('tips')).toBe(tipsBefore);
  });
});
