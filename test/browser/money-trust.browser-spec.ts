// Issue 12 in a real browser: the whole money path as three people. The editor messages the
// contributor from the tip page; the contributor accepts on /status with bank details another
// contributor was already paid to (PAYEE_SHARED); the accountant reads the approval
// confirmation (payee masked, amount, tip reference), is refused until the risk is ticked,
// approves, batches, downloads, marks the batch sent, imports the bank's camt.053 statement on
// /accounts, and the contributor's page says "Paid".
// World set up before the journey (allowed by the brief): staff accounts, the tips posted through
// the public API and the earlier contributor's accepted payout; the editor makes this tip's offer
// on the desk tip page.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { camt053Text } from '../support/camt053.js';
import { createStaff, sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { DESKTOP, expectNoHorizontalScroll, MOBILE, postTip, screenshot, signInThroughPage, appAndBrowserPerFile } from './desk-support.js';

const PAYER_ENV = { PAYER_NAME: 'TIPDESK NEWS', PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911', BACS_SERVICE_USER_NUMBER: '123456' };
const SHARED_ACCOUNT = { sortCode: '60-16-13', accountNumber: '31926819' };

let offerer: SignedInStaff;

const suite = appAndBrowserPerFile(PAYER_ENV);
const { pool } = suite;

beforeAll(async () => {
  offerer = await signedInStaff(suite.t, 'editor', { name: 'Olu Offers' });
});

async function submit(page: Page, button: ReturnType<Page['getByRole']>, landing: (url: URL) => boolean): Promise<void> {
  await Promise.all([page.waitForURL(landing), button.click()]);
}

describe('money you can trust', () => {
  it('editor, contributor and accountant: a shared payee acknowledged, a batch sent, the bank statement imported, the contributor paid', async () => {
    // ---- the world before the journey ------------------------------------------------------
    const earlier = await request(suite.t.url)
      .post('/api/tips')
      .send({ story: 'Earlier tip: the flooded car park', consentTerms: true, consentOwnWork: true, consentOver18: true })
      .expect(201);
    const earlierTip = (await suite.t.db.query<{ id: string }>('SELECT id FROM tips WHERE reference = $1', [earlier.body.reference])).rows[0].id;
    const earlierOffer = (
      await offerer.post(`/api/tips/${earlierTip}/payouts`).send({ amountMinor: 5_000, currency: 'GBP', licence: 'non_exclusive' }).expect(201)
    ).body;
    const earlierSession = await request(suite.t.url)
      .post('/api/contributor/session')
      .send({ reference: earlier.body.reference, secret: earlier.body.secret })
      .expect(200);
    await request(suite.t.url)
      .post(`/api/contributor/payouts/${earlierOffer.id}/accept`)
      .set('Cookie', sessionCookie(earlierSession, 'tipdesk_contributor'))
      .set(CSRF_HEADER, earlierSession.body.csrfToken)
      .send({ confirmLicence: true, method: 'uk_bank', accountName: 'Kim Other', ...SHARED_ACCOUNT })
      .expect(200);

    const receipt = await request(suite.t.url)
      .post('/api/tips')
      .send({ story: 'Video of the bridge collapse on the A38.', name: 'Jo Bloggs', consentTerms: true, consentOwnWork: true, consentOver18: true })
      .expect(201);
    const tip = {
      id: (await suite.t.db.query<{ id: string }>('SELECT id FROM tips WHERE reference = $1', [receipt.body.reference])).rows[0].id,
      reference: receipt.body.reference as string,
    };
    const editorAccount = await createStaff(suite.t, 'editor', { name: 'Priya Editor' });
    const accountantAccount = await createStaff(suite.t, 'accounting', { name: 'Amir Accounts' });
    expect(await postTip(suite.t, { story: 'An unrelated tip in the queue' })).toBeDefined();

    // ---- the editor tells the contributor, from the tip page ---------------------------------
    const editorPage = await pool.page(DESKTOP);
    await signInThroughPage(editorPage, suite.t, editorAccount.user.email, editorAccount.password);
    await editorPage.goto(`${suite.t.url}/desk/tips/${tip.id}`);
    await editorPage.getByLabel('Exclusive: only we may use it').check();
    await editorPage.getByLabel('Amount').fill('250');
    await editorPage.getByLabel('Currency').selectOption('GBP');
    await submit(editorPage, editorPage.getByRole('button', { name: 'Make the offer' }), (url) => url.searchParams.get('notice') === 'offer-made');
    const card = editorPage.locator('#payments .payout-card');
    const offer = { id: (await card.getAttribute('id'))!.replace(/^payout-/, ''), bankReference: (await card.locator('.payout-ref code').textContent())! };
    expect(offer.bankReference).toMatch(/^TIPDESK [0-9A-Z]{8}$/);
    await editorPage.getByLabel('Message to the contributor').fill('Thank you! We have offered £250 for your video: accept it on your status page.');
    await submit(editorPage, editorPage.getByRole('button', { name: 'Send message' }), (url) => url.searchParams.get('notice') === 'message-sent');

    // ---- the contributor accepts, giving an account another contributor is paid to ------------
    const phone = await pool.page({ ...MOBILE, javaScriptEnabled: false });
    await phone.goto(`${suite.t.url}/status?reference=${tip.reference}`);
    await phone.getByLabel('Secret').fill(receipt.body.secret);
    await submit(phone, phone.getByRole('button', { name: 'Check my tip' }), (url) => url.pathname === '/status/tip');
    expect(await phone.locator('#messages .message .body').first().innerText()).toContain('We have offered £250');
    await phone.getByLabel('UK bank account').check();
    await phone.getByLabel('I agree to the exclusive licence described above').check();
    await phone.getByLabel('Account holder’s name').fill('Jo Bloggs');
    await phone.getByLabel('Sort code').fill(SHARED_ACCOUNT.sortCode);
    await phone.getByLabel('Account number').fill(SHARED_ACCOUNT.accountNumber);
    await submit(phone, phone.getByRole('button', { name: 'Accept the offer' }), (url) => url.searchParams.get('notice') === 'offer-accepted');

    // ---- the accountant: the risk on the row, the confirmation, the refusal, the approval ------
    const desk = await pool.page(DESKTOP);
    await signInThroughPage(desk, suite.t, accountantAccount.user.email, accountantAccount.password);
    expect(new URL(desk.url()).pathname).toBe('/accounts');
    const row = desk.locator(`#payout-${offer.id}`);
    expect(await row.locator('.risk-code').allInnerTexts()).toEqual(['PAYEE_SHARED']);
    await submit(desk, desk.getByRole('button', { name: `Approve ${offer.bankReference}` }), (url) => url.pathname === `/accounts/payouts/${offer.id}/approve`);
    expect(await desk.locator(`#approve-${offer.id}-payee`).innerText()).toContain('UK bank ****6819');
    expect(await desk.locator(`#approve-${offer.id}-payee`).innerText()).not.toContain('31926819');
    expect(await desk.locator(`#approve-${offer.id}-amount`).innerText()).toContain('£250');
    expect(await desk.locator(`#approve-${offer.id}-tip`).innerText()).toBe(tip.reference);
    const risk = desk.locator(`#approve-${offer.id}-risks label[data-code="PAYEE_SHARED"]`);
    expect(await risk.innerText()).toContain(earlier.body.reference);
    await screenshot(desk, 'approve-confirmation-desktop');
    // Approve without reading the risk: refused, with the reason, nothing approved.
    await Promise.all([desk.waitForLoadState('domcontentloaded'), desk.getByRole('button', { name: 'Approve', exact: true }).click()]);
    expect(await desk.locator('#form-error').innerText()).toContain('PAYEE_SHARED');
    await risk.locator('input[type="checkbox"]').check();
    await submit(desk, desk.getByRole('button', { name: 'Approve', exact: true }), (url) => url.searchParams.get('notice') === 'approved');
    expect(await desk.locator(`#payout-${offer.id}`).getAttribute('data-state')).toBe('approved');
    const small = await pool.page(MOBILE);
    await signInThroughPage(small, suite.t, accountantAccount.user.email, accountantAccount.password);
    await small.goto(`${suite.t.url}/accounts/payouts/${earlierOffer.id}/approve`);
    await expectNoHorizontalScroll(small);
    await screenshot(small, 'approve-confirmation-mobile');

    // ---- batch, download, sent --------------------------------------------------------------
    await desk.getByRole('link', { name: 'Payment batches' }).click();
    await desk.getByLabel('Format').selectOption('bankline-csv');
    await submit(desk, desk.getByRole('button', { name: 'Create batch' }), (url) => /^\/accounts\/batches\/[0-9a-f-]{36}$/.test(url.pathname));
    const batchUrl = desk.url().split('?')[0];
    expect(await desk.locator(`#settle-waits-${offer.id}`).innerText()).toContain('once its batch is marked sent');
    const [download] = await Promise.all([desk.waitForEvent('download'), desk.getByRole('link', { name: 'Download the file' }).click()]);
    expect((await readFile((await download.path())!)).toString('utf8')).toContain(offer.bankReference);
    await desk.reload();
    expect(await desk.locator('#downloaded-note').innerText()).toContain('Amir Accounts');
    expect(await desk.getByRole('button', { name: 'Void this batch' }).count()).toBe(0);
    await submit(desk, desk.getByRole('button', { name: 'Mark sent to the bank' }), (url) => url.searchParams.get('notice') === 'batch-sent');

    // ---- the bank's statement, uploaded on /accounts ----------------------------------------
    const statementFile = join(suite.t.dataDir, 'camt053-from-the-bank.xml');
    await writeFile(
      statementFile,
      camt053Text({ msgId: 'BANK-STMT-0001', entries: [{ endToEndId: offer.bankReference, amount: '250.00', bankReference: 'FPS-20261208-77' }] }),
    );
    await desk.goto(`${suite.t.url}/accounts`);
    await desk.getByLabel('Statement file (camt.053)').setInputFiles(statementFile);
    await submit(desk, desk.getByRole('button', { name: 'Import the statement' }), (url) => url.pathname.startsWith('/accounts/statements/'));
    expect(await desk.locator('#notice').innerText()).toContain('The bank statement is imported');
    expect(await desk.locator('#statement-counts').innerText()).toContain('Paid 1');
    expect(await desk.locator('#all-applied').count()).toBe(1);
    await screenshot(desk, 'statement-imported-desktop');
    await desk.goto(batchUrl);
    expect(await desk.locator('#batch-state').textContent()).toBe('Closed');
    expect(await desk.locator(`#payout-${offer.id}`).innerText()).toContain('FPS-20261208-77');

    // ---- the contributor's page says paid ---------------------------------------------------
    await phone.reload();
    expect(await phone.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Paid');
  });
});
