// The money path of issue 4 in a real browser (Debian chromium via playwright-core): a
// contributor accepts an offer with bank details on /status, a different person in accounting
// approves it on /accounts, makes a Bankline batch, downloads it, marks it sent and paid, and
// the contributor's page says "Paid".
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { createStaff, signedInStaff, type SignedInStaff } from '../support/staff.js';
import type { TestApp } from '../support/test-app.js';
import { contextPool, DESKTOP, expectNoHorizontalScroll, MOBILE, screenshot, signInThroughPage, startAppAndBrowser } from './desk-support.js';

const PAYER_ENV = { PAYER_NAME: 'TIPDESK NEWS', PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911', BACS_SERVICE_USER_NUMBER: '123456' };

let t: TestApp;
let browser: Browser;
let editor: SignedInStaff;
const pool = contextPool(() => browser);

beforeAll(async () => {
  ({ t, browser } = await startAppAndBrowser(PAYER_ENV));
  editor = await signedInStaff(t, 'editor', { name: 'Priya Editor' });
});

afterEach(() => pool.closeAll());

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Follows the receipt's link to /status, types the secret and signs in. */
async function signInFromReceipt(page: Page, receipt: { reference: string; secret: string }): Promise<void> {
  await page.goto(`${t.url}/status?reference=${receipt.reference}`);
  await page.getByLabel('Secret').fill(receipt.secret);
  await Promise.all([page.waitForURL((url) => url.pathname === '/status/tip'), page.getByRole('button', { name: 'Check my tip' }).click()]);
}

/** Submits the form of `button` and waits for the page it lands on. */
async function submit(page: Page, button: ReturnType<Page['getByRole']>, landing: (url: URL) => boolean): Promise<void> {
  await Promise.all([page.waitForURL(landing), button.click()]);
}

describe('the money path', () => {
  it('contributor accepts with UK bank details → another person in accounting approves → Bankline batch → download → sent → paid → the contributor sees “Paid”', async () => {
    // The contributor sends a tip; an editor offers £250 and sends a message.
    const tip = await request(t.url).post('/api/tips')
      .send({ story: 'Video of the bridge collapse on the A38.', name: 'Jo Bloggs', consentTerms: true, consentOwnWork: true, consentOver18: true })
      .expect(201);
    const receipt = { reference: tip.body.reference as string, secret: tip.body.secret as string };
    const tipId = (await t.db.query<{ id: string }>('SELECT id FROM tips WHERE reference = $1', [receipt.reference])).rows[0].id;
    const offer = (await editor.post(`/api/tips/${tipId}/payouts`).send({ amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' }).expect(201)).body as { id: string; bankReference: string };
    await editor.post(`/api/tips/${tipId}/messages`).send({ body: 'Thank you! We would like to use your video tonight.' }).expect(201);

    // The contributor signs in with the receipt, reads the message and accepts with bank details.
    const phone = await pool.page({ ...MOBILE, javaScriptEnabled: false });
    await signInFromReceipt(phone, receipt);
    expect(await phone.locator('#messages .message .body').first().innerText()).toBe('Thank you! We would like to use your video tonight.');
    expect(await phone.locator('#offer1-text').textContent()).toContain('£250');
    await phone.getByLabel('I agree to the exclusive licence described above').check();
    await phone.getByLabel('Account holder’s name').fill('Jo Bloggs');
    await phone.getByLabel('Sort code').fill('60-16-13');
    await phone.getByLabel('Account number').fill('31926819');
    await submit(phone, phone.getByRole('button', { name: 'Accept the offer' }), (url) => url.searchParams.get('notice') === 'offer-accepted');
    expect(await phone.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Accepted');

    // A different person, in accounting, signs in and lands on /accounts.
    const { user, password } = await createStaff(t, 'accounting', { name: 'Amir Accounts' });
    const desk = await pool.page(DESKTOP);
    await signInThroughPage(desk, t, user.email, password);
    expect(new URL(desk.url()).pathname).toBe('/accounts');
    expect(await desk.locator('nav a[aria-current="page"]').textContent()).toBe('Accounts');
    const row = desk.locator(`#payout-${offer.id}`);
    expect(await row.getAttribute('data-state')).toBe('accepted');
    expect(await row.locator('td[data-label="Payee"]').innerText()).toContain('****6819');
    expect(await row.locator('td[data-label="Amount"]').innerText()).toContain('£250');
    expect(await row.locator('td[data-label="Offered by"]').innerText()).toContain('Priya Editor');
    expect(await desk.locator('#totals').innerText()).toContain('£250');
    await screenshot(desk, 'accounts-desktop');
    // The same page on a phone, the same person signed in there too.
    const small = await pool.page(MOBILE);
    await signInThroughPage(small, t, user.email, password);
    await expectNoHorizontalScroll(small);
    await screenshot(small, 'accounts-mobile');

    // Approve asks for confirmation first (issue 12): who is paid, how much, for which tip, and any risks.
    await submit(desk, desk.getByRole('button', { name: `Approve ${offer.bankReference}` }), (url) => url.pathname === `/accounts/payouts/${offer.id}/approve`);
    expect(await desk.locator(`#approve-${offer.id}-no-risks`).count()).toBe(1);
    await submit(desk, desk.getByRole('button', { name: 'Approve', exact: true }), (url) => url.searchParams.get('notice') === 'approved');
    expect(await desk.locator('#notice').textContent()).toContain('Payout approved');
    expect(await desk.locator(`#payout-${offer.id}`).getAttribute('data-state')).toBe('approved');

    // A Bankline batch.
    await desk.getByRole('link', { name: 'Payment batches' }).click();
    await desk.getByLabel('Format').selectOption('bankline-csv');
    await submit(desk, desk.getByRole('button', { name: 'Create batch' }), (url) => /^\/accounts\/batches\/[0-9a-f-]{36}$/.test(url.pathname));
    expect(await desk.locator('#notice').textContent()).toContain('Batch created');
    expect(await desk.locator('#batch-state').textContent()).toBe('Locked');
    expect(await desk.locator(`#payout-${offer.id}`).getAttribute('data-state')).toBe('batched');

    // The download: the bank file with the payee's account and the payout's bank reference.
    const [download] = await Promise.all([desk.waitForEvent('download'), desk.getByRole('link', { name: 'Download the file' }).click()]);
    const bytes = await readFile((await download.path())!);
    const text = bytes.toString('utf8');
    expect(text).toContain('31926819');
    expect(text).toContain('601613');
    expect(text).toContain(offer.bankReference);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    await screenshot(desk, 'accounts-batch-desktop');
    await small.goto(desk.url());
    await expectNoHorizontalScroll(small);
    await screenshot(small, 'accounts-batch-mobile');

    await submit(desk, desk.getByRole('button', { name: 'Mark sent to the bank' }), (url) => url.searchParams.get('notice') === 'batch-sent');
    expect(await desk.locator('#batch-state').textContent()).toBe('Sent');

    // The bank's report, pasted: the payout is paid.
    await desk.getByLabel('Results (CSV)').fill(`${offer.bankReference},paid,FP-20261125-0001\n`);
    await submit(desk, desk.getByRole('button', { name: 'Apply results' }), (url) => url.searchParams.get('notice') === 'reconciled');
    expect(await desk.locator('#notice').textContent()).toBe('The bank’s results have been applied.');
    expect(await desk.locator('#batch-state').textContent()).toBe('Closed');
    expect(await desk.locator(`#payout-${offer.id}`).getAttribute('data-state')).toBe('paid');
    expect(await desk.locator(`#payout-${offer.id}`).innerText()).toContain('FP-20261125-0001');
    await screenshot(desk, 'accounts-batch-reconciled-desktop');

    await small.goto(desk.url());
    await expectNoHorizontalScroll(small);
    await screenshot(small, 'accounts-batch-reconciled-mobile');
    await desk.goto(`${t.url}/accounts/batches`);
    expect(await desk.locator('#batch-table tbody tr').count()).toBe(1);
    expect(await desk.locator('#batch-table tbody tr').innerText()).toContain('Closed');
    await screenshot(desk, 'accounts-batches-desktop');

    // The contributor's page says paid.
    await phone.reload();
    expect(await phone.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Paid');
    expect(await phone.locator('#payments').innerText()).toContain('Paid');
    await screenshot(phone, 'status-paid-mobile');
  });
});
