// Legal hold and erasure in a real browser: an admin holds a tip, is refused an erasure while it
// is held, lifts the hold, erases it through the confirmation step and downloads the signed
// certificate; a contributor asks from /status, an admin carries it out on /desk/admin/erasure,
// and the contributor downloads their certificate on /status.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { richTip, runCli, whereTextsRemain } from '../support/erasure.js';
import { signInFromReceipt } from '../support/fixtures.js';
import { createStaff, signedInStaff, type SignedInStaff } from '../support/staff.js';
import type { TestApp } from '../support/test-app.js';
import { contextPool, DESKTOP, MOBILE, screenshot, signInThroughPage, startAppAndBrowser } from './desk-support.js';

let t: TestApp;
let browser: Browser;
const pool = contextPool(() => browser);
let admin: { email: string; password: string };
let editor: SignedInStaff;

beforeAll(async () => {
  ({ t, browser } = await startAppAndBrowser());
  const { user, password } = await createStaff(t, 'admin', { name: 'Ada Admin' });
  admin = { email: user.email, password };
  editor = await signedInStaff(t, 'editor');
});

afterEach(() => pool.closeAll());

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Clicks and waits for the page that answers the form. */
async function submit(page: Page, click: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), click()]);
}

/** Downloads through a link on the page; the file's bytes. */
async function download(page: Page, name: string | RegExp): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
  return readFile((await file.path())!);
}

async function verifies(bytes: Buffer, name: string): Promise<string> {
  const path = `${t.dataDir}/${name}`;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, bytes);
  const result = await runCli(t, ['certificate:verify', path]);
  expect(result.code).toBe(0);
  return result.stdout;
}

describe('an admin: legal hold, erasure with confirmation, certificate', () => {
  it('places a hold (banner: who, when, why), is refused an erasure while held, lifts it, erases after confirming, downloads the certificate', async () => {
    const rich = await richTip(t, editor, { videos: 1 });
    const page = await pool.page({ ...DESKTOP, acceptDownloads: true });
    await signInThroughPage(page, t, admin.email, admin.password);
    await page.goto(`${t.url}/desk/tips/${rich.contributor.id}`);
    expect(await page.locator('#no-legal-hold').innerText()).toContain('Not on legal hold');

    // Hold.
    await page.getByLabel('Reason for a legal hold').fill('Solicitors’ letter from Bloggs LLP, 7 Dec');
    await submit(page, () => page.getByRole('button', { name: 'Place on legal hold' }).click());
    const banner = page.locator('#legal-hold-banner');
    expect(await banner.innerText()).toContain('On legal hold');
    expect(await page.locator('#legal-hold-by').innerText()).toBe('Ada Admin');
    expect(await page.locator('#legal-hold-reason').innerText()).toBe('Solicitors’ letter from Bloggs LLP, 7 Dec');
    await screenshot(page, 'privacy-legal-hold');

    // Erase while held: the confirmation, then the refusal with the reason.
    await page.getByLabel('Reason for erasing').fill('The contributor asked by phone');
    await submit(page, () => page.getByRole('button', { name: 'Erase this tip…' }).click());
    expect(await page.locator('h1').innerText()).toContain(`Erase tip ${rich.contributor.reference}?`);
    expect(await page.locator('#erase-confirm-reason').innerText()).toBe('The contributor asked by phone');
    await submit(page, () => page.getByRole('button', { name: 'Yes, erase it for good' }).click());
    expect(await page.locator('#erase-error').innerText()).toContain('legal hold');
    expect((await t.db.query('SELECT status FROM tips WHERE id = $1', [rich.contributor.id])).rows[0].status).toBe('new');

    // Lift, then erase for real.
    await submit(page, () => page.getByRole('link', { name: `← Back to ${rich.contributor.reference}` }).click());
    await submit(page, () => page.getByRole('button', { name: 'Lift the legal hold' }).click());
    expect(await page.locator('#legal-hold-banner').count()).toBe(0);
    await page.getByLabel('Reason for erasing').fill('The contributor asked by phone');
    await submit(page, () => page.getByRole('button', { name: 'Erase this tip…' }).click());
    await screenshot(page, 'privacy-erase-confirm');
    await submit(page, () => page.getByRole('button', { name: 'Yes, erase it for good' }).click());
    expect(new URL(page.url()).pathname).toBe(`/desk/tips/${rich.contributor.id}`);
    expect(await page.locator('#erased-banner').innerText()).toContain('This tip was erased');
    expect(await page.locator('#tip-status').innerText()).toBe('Erased');
    expect(await page.content()).not.toContain(rich.texts.story);
    await screenshot(page, 'privacy-erased-tip');

    const pdf = await download(page, 'Download the erasure certificate (PDF)');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await verifies(pdf, 'admin-certificate.pdf')).toContain(rich.contributor.reference);
    expect(await whereTextsRemain(t, rich.texts)).toEqual([]);
  });
});

describe('a contributor asks on /status, an admin carries it out, the contributor downloads the certificate', () => {
  it('does every step on the pages', async () => {
    const rich = await richTip(t, editor, { videos: 1 });
    const receipt = { reference: rich.contributor.reference, secret: rich.contributor.secret };

    // The contributor, on a phone.
    const phone = await pool.page({ ...MOBILE, acceptDownloads: true });
    await signInFromReceipt(phone, t, receipt);
    await phone.getByLabel('I understand that this cannot be undone').check();
    await submit(phone, () => phone.getByRole('button', { name: 'Delete my tip and my details' }).click());
    expect(await phone.locator('#erasure-pending').innerText()).toContain('You asked on');
    await screenshot(phone, 'privacy-status-requested');

    // The admin.
    const desk = await pool.page(DESKTOP);
    await signInThroughPage(desk, t, admin.email, admin.password);
    await desk.goto(`${t.url}/desk`);
    await submit(desk, () => desk.getByRole('link', { name: 'Erasure requests' }).click());
    const row = desk.locator(`#erasure-requests tr[data-reference="${receipt.reference}"]`);
    await row.getByLabel('I understand this cannot be undone').check();
    await screenshot(desk, 'privacy-erasure-requests');
    await submit(desk, () => row.getByRole('button', { name: `Carry out the request for ${receipt.reference}` }).click());
    expect(new URL(desk.url()).pathname).toBe(`/desk/tips/${rich.contributor.id}`);
    expect(await desk.locator('#erased-banner').innerText()).toContain('This tip was erased');
    await desk.goto(`${t.url}/desk/admin/erasure`);
    expect(await desk.locator('#no-erasure-requests').innerText()).toContain('No requests are waiting');

    // Back on /status: the certificate.
    await phone.reload();
    expect(await phone.locator('#erasure-done').innerText()).toContain('have been deleted');
    expect(await phone.content()).not.toContain(rich.texts.reply);
    await screenshot(phone, 'privacy-status-certificate');
    const pdf = await download(phone, 'Download the erasure certificate (PDF)');
    expect(await verifies(pdf, 'contributor-certificate.pdf')).toContain(receipt.reference);
  });
});
