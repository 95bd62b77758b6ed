// Issue 14 in a real browser: an editor meets a file the virus scan has not cleared (no player,
// a confirmation, then the download), and the public form refuses a control character inline.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { sampleVideo } from '../support/media-samples.js';
import { freePort } from '../support/net.js';
import { createStaff } from '../support/staff.js';
import { appAndBrowserPerFile, DESKTOP, postTip, screenshot, signInThroughPage, type PostedTip } from './desk-support.js';

// A scanner is configured but no job runs, so the file stays 'pending' as it does while clamd is busy.
const suite = appAndBrowserPerFile(async () => ({ CLAMAV_HOST: '127.0.0.1', CLAMAV_PORT: String(await freePort()) }));
const { pool } = suite;
let editor: { email: string; password: string };
let videoTip: PostedTip;

beforeAll(async () => {
  const { user, password } = await createStaff(suite.t, 'editor', { name: 'Vera Viewer' });
  editor = { email: user.email, password };
  videoTip = await postTip(suite.t, { story: 'The quarry wall collapsed this morning, I filmed it from the lane.' }, { videos: 1 });
});

describe('scan before view', () => {
  it('an editor sees "Waiting for the virus scan", no video plays, confirms on the next page and downloads the file', async () => {
    const page = await pool.page({ ...DESKTOP, acceptDownloads: true });
    await signInThroughPage(page, suite.t, editor.email, editor.password);
    await page.goto(`${suite.t.url}/desk/tips/${videoTip.id}`);
    const figure = page.locator('figure.media-item');
    await expect(figure.textContent()).resolves.toContain('Waiting for the virus scan');
    expect(await page.locator('video, audio, figure.media-item img').count()).toBe(0);
    // Nothing on the page asks for the file's bytes before the editor confirms.
    const mediaRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/content')) mediaRequests.push(r.url());
    });
    await screenshot(page, 'scan-before-view-tip');

    await Promise.all([page.waitForURL(/\/media\/[0-9a-f-]+\/download$/), page.getByRole('link', { name: 'Download without a virus scan…' }).click()]);
    expect(await page.locator('#scan-state').textContent()).toBe('This file is waiting for the virus scan.');
    expect(mediaRequests).toEqual([]);
    await screenshot(page, 'scan-before-view-confirm');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'I understand: download it' }).click()]);
    expect(download.suggestedFilename()).toBe('IMG_2041.MP4');
    const saved = await download.path();
    expect(Buffer.compare(await readFile(saved), sampleVideo())).toBe(0);
  });
});

describe('control characters on the public form', () => {
  it('a NUL in the story and an escape character in the name: inline errors naming both fields, what was typed is kept, nothing stored', async () => {
    const page = await pool.page(DESKTOP);
    await page.goto(`${suite.t.url}/`);
    const tipsBefore = await suite.t.count('tips');
    const story = 'Smoke over the bypass\u0000 since noon';
    await page.getByLabel('Your story').fill(story);
    await page.getByLabel('Your name').fill('Robin\u001b Hood');
    await page.getByLabel('I accept the terms').check();
    await page.getByLabel('I filmed or photographed this myself').check();
    await page.getByLabel('I am 18 or over').check();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/'),
      page.getByRole('button', { name: 'Send my tip' }).click(),
    ]);
    expect(response.status()).toBe(400);
    await page.locator('#error-summary').waitFor();
    expect(await page.locator('#story-error').textContent()).toMatch(/control character/);
    expect(await page.locator('#name-error').textContent()).toMatch(/control character/);
    expect(await page.locator('#story').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Your story').inputValue()).toContain('Smoke over the bypass');
    expect(await page.getByLabel('Your name').inputValue()).toContain('Robin');
    expect(await suite.t.count('tips')).toBe(tipsBefore);
    await screenshot(page, 'form-control-character');
  });
});
