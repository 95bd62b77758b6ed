// A contributor on a phone, through the public pages only (issue 11): the paper's name, logo and
// contacts; a 20 MB video that is never lost to a mistake in the form (JavaScript on: the upload and
// its progress stay; off: the page names the files to choose again); a resume question that sits
// by the file and by the Send button; a chosen file removed; small files' sizes in KB; the privacy
// notice; a favicon; and declining an offer, which asks first.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { FIXTURES_DIR, onePixelPng, sampleVideo } from '../support/media-samples.js';
import { signedInStaff } from '../support/staff.js';
import { docScreenshots, expectNoHorizontalScroll, PHONE, appAndBrowserPerFile } from './desk-support.js';

const filesDir = mkdtempSync(join(tmpdir(), 'tipdesk-contributor-journey-'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const suite = appAndBrowserPerFile({
  PAPER_NAME: 'The Daily Bugle',
  PAPER_CONTACT_EMAIL: 'tips@bugle.example',
  PAPER_CONTACT_PHONE: '020 7946 0000',
  PAPER_CONTACT_WHATSAPP: '+44 7700 900123',
});
const { pool } = suite;

afterAll(() => rmSync(filesDir, { recursive: true, force: true }));

function tempFile(name: string, bytes: Buffer): string {
  const path = join(filesDir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Waits until the row of `filename` says done (the server answered the last PATCH). */
async function uploadDone(page: Page, filename: string): Promise<void> {
  await page.locator('#upload-list li[data-state="done"]', { has: page.getByText(filename, { exact: true }) }).waitFor({ timeout: 60_000 });
}

const postedTipStatus = (page: Page) =>
  page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/').then((r) => r.status());

describe('a contributor on a phone', () => {
  it('sends a 20 MB video, forgets the consents first, and the video is never lost (JavaScript on)', async () => {
    const video = Buffer.concat([sampleVideo(), randomBytes(20 * 1024 * 1024)]);
    const videoPath = tempFile('IMG_2041.MP4', video);
    const photoPath = tempFile('small-photo.png', Buffer.concat([onePixelPng(), Buffer.alloc(12 * 1024)]));
    const page = await pool.page(PHONE);
    const uploads: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/uploads') && r.method() === 'POST') uploads.push(r.url());
    });
    expect((await page.goto(`${suite.t.url}/`))?.status()).toBe(200);
    expect(await page.locator('#paper-name').textContent()).toBe('The Daily Bugle');
    expect(await page.locator('#contacts').innerText()).toMatch(/Email: tips@bugle\.example[\s\S]*Phone: 020 7946 0000[\s\S]*WhatsApp: \+44 7700 900123/);
    expect(await page.locator('footer').innerText()).not.toContain('see the footer of any story');
    await expectNoHorizontalScroll(page);
    await docScreenshots(page, 'public-form');

    await page.getByLabel('Your story').fill('The bridge on the A38 collapsed at 7.40am; I filmed it from the lay-by.');
    await page.getByLabel('Your name').fill('Jo Bloggs');
    await page.setInputFiles('#files', [videoPath, photoPath]);
    // A small file reads in KB, never "0.0 MB of 0.0 MB".
    await uploadDone(page, 'small-photo.png');
    const photoRow = page.locator('#upload-list li', { has: page.getByText('small-photo.png', { exact: true }) });
    expect(await photoRow.locator('.upload-percent').textContent()).toBe('100 % (12 KB of 12 KB)');
    // Chosen by mistake: removed again.
    await photoRow.getByRole('button', { name: 'Remove small-photo.png' }).click();
    expect(await page.locator('#upload-list li').count()).toBe(1);
    await expect(page.locator('#upload-status').textContent()).resolves.toBe('small-photo.png removed.');

    // The mistake: the consents are not ticked. The form comes back with the errors at the top, focused,
    // and the video's upload (finished or still going) is still there with its progress.
    const status = postedTipStatus(page);
    await page.getByRole('button', { name: 'Send my tip' }).click();
    expect(await status).toBe(400);
    await page.locator('#error-summary').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(await page.locator('#error-summary').innerText()).toContain('accept the terms');
    expect(await page.locator('#upload-list li').count()).toBe(1);
    expect(await page.locator('#upload-list .upload-name').textContent()).toBe('IMG_2041.MP4');
    expect(await page.locator('#upload-list li').getAttribute('data-state')).toMatch(/uploading|done/);
    expect(await page.locator('#files-again').count()).toBe(0);
    expect(await page.getByLabel('Your story').inputValue()).toContain('The bridge on the A38');
    await uploadDone(page, 'IMG_2041.MP4');
    expect(await page.locator('#upload-list .upload-percent').textContent()).toBe('100 % (20.0 MB of 20.0 MB)');
    await expectNoHorizontalScroll(page);
    await docScreenshots(page, 'public-form-mistake');

    await page.getByLabel('I accept the terms').check();
    await page.getByLabel('I filmed or photographed this myself').check();
    await page.getByLabel('I am 18 or over').check();
    const sent = postedTipStatus(page);
    await page.getByRole('button', { name: 'Send my tip' }).click();
    expect(await sent).toBe(201);
    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    expect(reference).toMatch(/^TD-/);
    await docScreenshots(page, 'public-receipt');
    expect(uploads).toHaveLength(2); // the video and the photo, each once: nothing was chosen or sent again
    const {
      rows: [tip],
    } = await suite.t.db.query('SELECT id FROM tips WHERE reference = $1', [reference]);
    const media = (await suite.t.db.query('SELECT sha256, display_filename FROM media WHERE tip_id = $1', [tip.id])).rows;
    expect(media).toEqual([{ sha256: sha256(video), display_filename: 'IMG_2041.MP4' }]);
  });

  it('with JavaScript off, a mistake says plainly which files must be chosen again (and keeps none)', async () => {
    const page = await pool.page({ ...PHONE, javaScriptEnabled: false });
    await page.goto(`${suite.t.url}/`);
    await page.getByLabel('Your story').fill('Smoke over the retail park.');
    await page.setInputFiles('#files', [join(FIXTURES_DIR, 'sample.mp4')]);
    const tipsBefore = await suite.t.count('tips');
    const mediaBlobs = async () => (await suite.t.blobFiles()).filter((f) => f.startsWith('media/') || f.startsWith('tmp/'));
    const blobsBefore = await mediaBlobs();
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Send my tip' }).click()]);
    await page.locator('#files-again').waitFor();
    expect(await page.locator('#files-again').innerText()).toMatch(/Please choose this file again[\s\S]*sample\.mp4/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(await suite.t.count('tips')).toBe(tipsBefore);
    expect(await mediaBlobs()).toEqual(blobsBefore);
  });

  it('asks to resume an interrupted upload beside the file and beside the Send button, then sends', async () => {
    const big = Buffer.concat([sampleVideo(), randomBytes(6 * 1024 * 1024)]);
    const path = tempFile('tunnel-clip.mp4', big);
    const CHUNK = 1024 * 1024;
    const context = await suite.browser.newContext(PHONE);
    await context.addInitScript((chunk) => ((window as unknown as { tipdeskUploadChunkSize: number }).tipdeskUploadChunkSize = chunk), CHUNK);
    try {
      // A tunnel: two chunks get through, the third never comes back, the tab is closed.
      const first = await context.newPage();
      let patches = 0;
      const hung = new Promise<void>((resolve) => {
        void first.route('**/api/uploads**', async (route) => {
          if (route.request().method() === 'PATCH' && ++patches > 2) return resolve();
          await route.fulfill({ response: await route.fetch() });
        });
      });
      await first.goto(`${suite.t.url}/`);
      await first.setInputFiles('#files', path);
      await hung;
      await first.close();

      const page = await context.newPage();
      await page.goto(`${suite.t.url}/`);
      await page.getByLabel('Your story').fill('Flooding in the tunnel, filmed from the train.');
      await page.getByLabel('I accept the terms').check();
      await page.getByLabel('I filmed or photographed this myself').check();
      await page.getByLabel('I am 18 or over').check();
      await page.setInputFiles('#files', path);
      const row = page.locator('#upload-list li');
      await page.waitForFunction(() => document.querySelector('#upload-list li')?.getAttribute('data-state') === 'asking');
      expect(await row.locator('.upload-message').textContent()).toMatch(/^Resume your upload of tunnel-clip\.mp4\? \d+ % of it is already with us\.$/);
      expect(await row.locator('.upload-percent').textContent()).toMatch(/^\d+ % \(\d+\.\d MB of 6\.0 MB\)$/);
      // Pressing Send without answering: the question is right by the Send button, not far above it.
      await page.getByRole('button', { name: 'Send my tip' }).click();
      const prompt = page.locator('#send-prompt');
      expect(await prompt.isVisible()).toBe(true);
      expect(await prompt.innerText()).toContain('resume your upload of tunnel-clip.mp4?');
      expect(await page.evaluate(() => document.querySelector('#send-prompt')?.nextElementSibling?.textContent)).toBe('Send my tip');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Carry on uploading tunnel-clip.mp4');
      await docScreenshots(page, 'public-form-resume');
      const sent = postedTipStatus(page);
      await prompt.getByRole('button', { name: 'Carry on uploading tunnel-clip.mp4' }).click();
      expect(await sent).toBe(201); // the tip goes as soon as the file is up
      expect(await page.locator('#reference').textContent()).toMatch(/TD-/);
    } finally {
      await context.close();
    }
  });

  it('the privacy notice, the "Check a tip you sent" link and the favicon', async () => {
    const page = await pool.page(PHONE);
    await page.goto(`${suite.t.url}/`);
    await Promise.all([page.waitForURL((url) => url.pathname === '/privacy'), page.getByRole('link', { name: /Privacy notice/ }).click()]);
    expect(await page.locator('h1').textContent()).toBe('Privacy notice');
    expect(await page.locator('#privacy-text').innerText()).toContain('The Daily Bugle uses what you send');
    await docScreenshots(page, 'public-privacy');
    await Promise.all([page.waitForURL((url) => url.pathname === '/status'), page.getByRole('link', { name: 'Check a tip you sent' }).first().click()]);
    await docScreenshots(page, 'status-sign-in');
    const icon = await fetch(`${suite.t.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/x-icon');
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/favicon.ico');
  });

  it('declining an offer asks to confirm on a page of its own (JavaScript off); “No” keeps it, “Yes” declines', async () => {
    const editor = await signedInStaff(suite.t, 'editor');
    const receipt = (
      await request(suite.t.url)
        .post('/api/tips')
        .send({ story: 'A fox in the newsroom.', consentTerms: true, consentOwnWork: true, consentOver18: true })
        .expect(201)
    ).body;
    const {
      rows: [tip],
    } = await suite.t.db.query('SELECT id FROM tips WHERE reference = $1', [receipt.reference]);
    const offer = (await editor.post(`/api/tips/${tip.id}/payouts`).send({ amountMinor: 5_000, currency: 'GBP', licence: 'non_exclusive' }).expect(201)).body;
    const page = await pool.page({ ...PHONE, javaScriptEnabled: false });
    await page.goto(`${suite.t.url}/status?reference=${receipt.reference}`);
    await page.getByLabel('Secret').fill(receipt.secret);
    await Promise.all([page.waitForURL((url) => url.pathname === '/status/tip'), page.getByRole('button', { name: 'Check my tip' }).click()]);
    await Promise.all([page.waitForURL((url) => url.pathname.endsWith('/decline')), page.getByRole('link', { name: 'No thanks, decline this offer' }).click()]);
    expect(await page.locator('h1').textContent()).toBe('Decline this offer?');
    expect(await page.locator('#decline-confirm').innerText()).toContain('Declining is final');
    await docScreenshots(page, 'status-decline-confirm');
    await Promise.all([page.waitForURL((url) => url.pathname === '/status/tip'), page.getByRole('link', { name: 'No, go back to the offer' }).click()]);
    expect((await suite.t.db.query('SELECT state FROM payouts WHERE id = $1', [offer.id])).rows[0].state).toBe('offered');
    await Promise.all([page.waitForURL((url) => url.pathname.endsWith('/decline')), page.getByRole('link', { name: 'No thanks, decline this offer' }).click()]);
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('notice') === 'offer-declined'),
      page.getByRole('button', { name: 'Yes, decline the offer' }).click(),
    ]);
    expect((await suite.t.db.query('SELECT state FROM payouts WHERE id = $1', [offer.id])).rows[0].state).toBe('declined');
    expect(await page.locator('#payments').innerText()).toContain('You declined this offer');
  });
});
