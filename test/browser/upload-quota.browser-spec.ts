// Issue 15: the daily upload quota (UPLOAD_BYTES_PER_DAY) as the public meets it on the form:
// with JavaScript on, the refused upload says why beside the file and the first one still goes
// through; with JavaScript off, the form comes back with the reason inline.
import { describe, expect, it } from '@jest/globals';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { FIXTURES_DIR, sampleVideo } from '../support/media-samples.js';
import { appAndBrowserPerFile, DESKTOP } from './desk-support.js';

const SAMPLE_VIDEO = `${FIXTURES_DIR}sample.mp4`; // 6,042 bytes: one fits in the day's 10,000, two do not
const REFERENCE = /^TD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

const suite = appAndBrowserPerFile({ UPLOAD_BYTES_PER_DAY: '10000' });

async function openForm(options: BrowserContextOptions = DESKTOP): Promise<Page> {
  const page = await suite.pool.page(options);
  expect((await page.goto(`${suite.t.url}/`))?.status()).toBe(200);
  return page;
}

async function fillForm(page: Page, story: string): Promise<void> {
  await page.getByLabel('Your story').fill(story);
  await page.getByLabel('I accept the terms').check();
  await page.getByLabel('I filmed or photographed this myself').check();
  await page.getByLabel('I am 18 or over').check();
}

describe('the daily upload quota on the tip form', () => {
  // Both tests come from 127.0.0.1, one address group: the first uses the day up.
  it('JavaScript on: the second video is refused beside it with the reason; the first is uploaded and sent with the tip', async () => {
    const page = await openForm();
    await fillForm(page, 'Two videos, one too many for the day');
    await page.setInputFiles('#files', SAMPLE_VIDEO);
    await page.getByText('Uploaded.', { exact: true }).waitFor();
    await page.setInputFiles('#files', { name: 'second.mp4', mimeType: 'video/mp4', buffer: sampleVideo() });
    await page.getByText('as much as we can take in one day').waitFor();
    expect(await suite.t.count('uploads')).toBe(1);
    // The refused file is taken off the list, and the tip goes with the one that arrived.
    await page.getByRole('button', { name: 'Remove second.mp4' }).click();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/'),
      page.getByRole('button', { name: 'Send my tip' }).click(),
    ]);
    expect(response.status()).toBe(201);
    expect((await page.locator('#reference').textContent())?.trim()).toMatch(REFERENCE);
  });

  it('JavaScript off: a video past the day brings the form back with the reason inline, the story kept, nothing stored', async () => {
    const page = await openForm({ ...DESKTOP, javaScriptEnabled: false });
    const [tips, blobs] = [await suite.t.count('tips'), (await suite.t.blobFiles()).length];
    await fillForm(page, 'A video after the day is used up');
    await page.setInputFiles('#files', SAMPLE_VIDEO);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/'),
      page.getByRole('button', { name: 'Send my tip' }).click(),
    ]);
    expect(response.status()).toBe(429);
    expect(await page.locator('#form-error').textContent()).toContain('as much as we can take in one day');
    expect(await page.getByLabel('Your story').inputValue()).toBe('A video after the day is used up');
    expect(await suite.t.count('tips')).toBe(tips);
    expect((await suite.t.blobFiles()).length).toBe(blobs);
  });
});
