// The money path in a real browser (Debian chromium via playwright-core), every step through the
// pages (issue 11): two admins set up the paper and its paying account on the settings page (the
// second approves the first's change); an editor triages the tip and makes the offer on the tip
// page; the contributor, on a phone, replies, makes a mistake in their bank details and accepts;
// the editor's queue marks the news; an accountant who opens /desk first lands on /accounts,
// opens the tip from the payout's reference, approves, makes a Bacs file with the account set up
// on the settings page, marks it sent and the payout paid; the contributor sees "Paid" with the
// amount, date, method and statement reference; the editor sees "Paid" on the queue and the tip.
// Only the world before the journey is set up directly: the staff accounts and the tip itself.
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { FIXTURES_DIR } from '../support/media-samples.js';
import { createStaff } from '../support/staff.js';
import { DESK_1280, docScreenshots, expectNoHorizontalScroll, PHONE, signInThroughPage, appAndBrowserPerFile } from './desk-support.js';

// No payer in the environment: the paying account is set up on the settings page.
const suite = appAndBrowserPerFile();
const { pool } = suite;

/** Clicks and waits for the page it leads to. */
async function go(page: Page, click: () => Promise<void>, landing: (url: URL) => boolean): Promise<void> {
  await Promise.all([page.waitForURL(landing), click()]);
}

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

describe('every journey through the pages, start to finish', () => {
  it('settings → triage and offer → accept (after a mistake) → news → approve → Bacs file → paid → “Paid” for the contributor and the editor', async () => {
    const ada = await createStaff(suite.t, 'admin', { name: 'Ada Admin' });
    const bea = await createStaff(suite.t, 'admin', { name: 'Bea Second' });
    const priya = await createStaff(suite.t, 'editor', { name: 'Priya Editor' });
    const amir = await createStaff(suite.t, 'accounting', { name: 'Amir Accounts' });
    // The tip, as the public API takes it: the contributor keeps the receipt.
    const tip = (
      await request(suite.t.url)
        .post('/api/tips')
        .send({
          story: 'Video of the bridge collapse on the A38, filmed from the lay-by.',
          name: 'Jo Bloggs',
          location: 'A38, Saltash',
          licence: 'exclusive',
          consentTerms: true,
          consentOwnWork: true,
          consentOver18: true,
        })
        .expect(201)
    ).body as { reference: string; secret: string };

    // ---- An admin sets up the paper, its logo and a paying account; a second admin approves the account.
    const admin = await pool.page(DESK_1280);
    await signInThroughPage(admin, suite.t, ada.user.email, ada.password);
    await go(
      admin,
      () => admin.getByRole('link', { name: 'Settings' }).click(),
      (url) => url.pathname === '/desk/admin/settings',
    );
    await admin.getByLabel('Paper’s name').fill('The Daily Bugle');
    await admin.getByLabel('Public email address for tips').fill('tips@bugle.example');
    await admin.getByLabel('Public phone number for tips').fill('+44 20 7946 0000');
    await admin.getByLabel('Public WhatsApp number').fill('+44 7700 900123');
    await go(
      admin,
      () => admin.getByRole('button', { name: 'Save the paper settings' }).click(),
      (url) => url.searchParams.get('notice') === 'settings-saved',
    );
    await admin.getByLabel('New logo').setInputFiles(`${FIXTURES_DIR}paper-logo.png`);
    await go(
      admin,
      () => admin.getByRole('button', { name: 'Upload the logo' }).click(),
      (url) => url.searchParams.get('notice') === 'logo-saved',
    );
    expect(await admin.locator('#format-readiness').innerText()).toContain('Bacs Standard 18 (GBP): not set up');
    await admin.getByText('Propose a change').click();
    await admin.getByLabel('Payer name (as Bacs has it)').fill('DAILY BUGLE LTD');
    await admin.getByLabel('Sort code', { exact: true }).fill('20-00-00');
    await admin.getByLabel('Account number', { exact: true }).fill('55779911');
    await admin.getByLabel('Bacs service user number').fill('123456');
    await go(
      admin,
      () => admin.getByRole('button', { name: 'Propose the change' }).click(),
      (url) => url.searchParams.get('notice') === 'payer-proposed',
    );
    expect(await admin.locator('#pending-payer-change').innerText()).toContain('Another admin must approve it');
    expect(await admin.getByRole('button', { name: 'Approve the change' }).count()).toBe(0);
    await docScreenshots(admin, 'settings-change-waiting');

    const second = await pool.page(DESK_1280);
    await signInThroughPage(second, suite.t, bea.user.email, bea.password);
    await second.goto(`${suite.t.url}/desk/admin/settings`);
    expect(await second.locator('tr[data-field="sortCode"]').innerText()).toContain('200000');
    await go(
      second,
      () => second.getByRole('button', { name: 'Approve the change' }).click(),
      (url) => url.searchParams.get('notice') === 'payer-approved',
    );
    expect(await second.locator('#format-readiness').innerText()).toContain('Bacs Standard 18 (GBP): set up');
    await docScreenshots(second, 'settings');

    // ---- An editor signs in, triages the tip and makes the offer on the tip page.
    const desk = await pool.page(DESK_1280);
    await desk.goto(`${suite.t.url}/desk/login`);
    await docScreenshots(desk, 'desk-sign-in');
    await signInThroughPage(desk, suite.t, priya.user.email, priya.password);
    expect(new URL(desk.url()).pathname).toBe('/desk');
    await docScreenshots(desk, 'desk-queue');
    await go(
      desk,
      () => desk.getByRole('link', { name: tip.reference }).click(),
      (url) => url.pathname.startsWith('/desk/tips/'),
    );
    const tipUrl = desk.url().split('?')[0];
    const tipId = tipUrl.split('/').pop()!;
    await go(
      desk,
      () => desk.getByRole('button', { name: 'Start review' }).click(),
      (url) => url.searchParams.get('notice') === 'status-changed',
    );
    await go(
      desk,
      () => desk.getByRole('button', { name: /^Claim/ }).click(),
      (url) => url.searchParams.get('notice') === 'claimed',
    );
    await go(
      desk,
      () => desk.getByRole('button', { name: /^Verify/ }).click(),
      (url) => url.searchParams.get('notice') === 'status-changed',
    );
    expect(await desk.locator('#tip-status').textContent()).toBe('Verified');
    await desk.getByLabel('Message to the contributor').fill('Thank you! Did you film this yourself? We would like to use it tonight.');
    await go(
      desk,
      () => desk.getByRole('button', { name: 'Send message' }).click(),
      (url) => url.searchParams.get('notice') === 'message-sent',
    );
    // The offer: the amount as a person types it; the licence the contributor chose is already picked.
    expect(await desk.getByLabel('Exclusive: only we may use it').isChecked()).toBe(true);
    await desk.getByLabel('Amount').fill('250');
    await desk.getByLabel('Currency').selectOption('GBP');
    await go(
      desk,
      () => desk.getByRole('button', { name: 'Make the offer' }).click(),
      (url) => url.searchParams.get('notice') === 'offer-made',
    );
    const card = desk.locator('#payments .payout-card');
    expect(await card.getAttribute('data-state')).toBe('offered');
    expect(await card.locator('.payout-state').textContent()).toBe('Offered: waiting for the contributor');
    expect(await card.locator('.payout-moves').innerText()).toContain('Payment offered — £250, exclusive licence');
    expect(await desk.locator('#history').innerText()).toContain('Payment offered (£250)');
    expect(await desk.locator('#history').innerText()).not.toMatch(/payout\.|tip\.|contributor\./);
    await docScreenshots(desk, 'desk-tip-offer-made');

    // ---- The contributor, on a phone: the paper's page, "Check a tip you sent", the message, a reply and the offer.
    const phone = await pool.page(PHONE);
    await phone.goto(`${suite.t.url}/`);
    expect(await phone.locator('#paper-name').textContent()).toBe('The Daily Bugle');
    await go(
      phone,
      () => phone.getByRole('link', { name: 'Check a tip you sent' }).click(),
      (url) => url.pathname === '/status',
    );
    await phone.getByLabel('Reference').fill(tip.reference);
    await phone.getByLabel('Secret').fill(tip.secret);
    await go(
      phone,
      () => phone.getByRole('button', { name: 'Check my tip' }).click(),
      (url) => url.pathname === '/status/tip',
    );
    expect(await phone.locator('#messages .message .body').first().innerText()).toContain('Did you film this yourself?');
    await phone.getByLabel('Your reply').fill('Yes, from the lay-by, about 7.40am.');
    await go(
      phone,
      () => phone.getByRole('button', { name: 'Send reply' }).click(),
      (url) => url.searchParams.get('notice') === 'reply-sent',
    );
    // "How should we pay you?" first; only the chosen way's fields show.
    expect(await phone.locator('#offer1-text').textContent()).toContain('£250');
    expect(await phone.getByLabel('Sort code').isVisible()).toBe(false);
    expect(await phone.getByLabel('Account holder’s name').isVisible()).toBe(false);
    await docScreenshots(phone, 'status-offer');
    await phone.getByLabel('UK bank account').check();
    expect(await phone.getByLabel('Sort code').isVisible()).toBe(true);
    expect(await phone.getByLabel('IBAN', { exact: true }).isVisible()).toBe(false);
    expect(await phone.getByLabel('PayPal email address').isVisible()).toBe(false);
    await phone.getByLabel('Account holder’s name').fill('Jo Bloggs');
    await phone.getByLabel('Sort code').fill('60-16');
    await phone.getByLabel('Account number').fill('31926819');
    // A mistake: a short sort code and the licence box left unticked.
    await Promise.all([phone.waitForLoadState('load'), phone.getByRole('button', { name: 'Accept the offer' }).click()]);
    await phone.locator('#error-summary').waitFor();
    expect(new URL(phone.url()).pathname).toBe('/status/tip');
    expect(await focusedId(phone)).toBe('error-summary');
    expect(await phone.locator('#error-summary').innerText()).toMatch(/sort code[\s\S]*Tick the box to agree to the licence/);
    expect(await phone.getByLabel('Account holder’s name').inputValue()).toBe('Jo Bloggs');
    await expectNoHorizontalScroll(phone);
    await docScreenshots(phone, 'status-offer-mistake');
    await phone.getByLabel('Sort code').fill('60-16-13');
    await phone.getByLabel('I agree to the exclusive licence described above').check();
    await go(
      phone,
      () => phone.getByRole('button', { name: 'Accept the offer' }).click(),
      (url) => url.searchParams.get('notice') === 'offer-accepted',
    );
    expect(await phone.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Accepted');

    // ---- The editor's queue says what happened since she last looked.
    await desk.goto(`${suite.t.url}/desk`);
    const row = desk.locator('#queue li', { has: desk.getByRole('link', { name: tip.reference }) });
    expect(await row.locator('[data-news]').allTextContents()).toEqual(['Replied', 'Offer accepted']);
    expect(await desk.locator('#news-nav').innerText()).toMatch(/Replied\s*1[\s\S]*Offer accepted\s*1/);
    await docScreenshots(desk, 'desk-queue-news');
    await go(
      desk,
      () =>
        desk
          .locator('#news-nav')
          .getByRole('link', { name: /Offer accepted/ })
          .click(),
      (url) => url.searchParams.get('news') === 'offer_accepted',
    );
    expect(await desk.locator('#queue li').count()).toBe(1);
    await go(
      desk,
      () => desk.getByRole('link', { name: tip.reference }).click(),
      (url) => url.pathname === `/desk/tips/${tipId}`,
    );
    expect(await card.locator('.payout-state').textContent()).toBe('Accepted: waiting for accounts to approve');
    await desk.goto(`${suite.t.url}/desk`);
    expect(await row.locator('[data-news]').count()).toBe(0);

    // ---- Accounting: opens /desk first (a bookmark), signs in and lands on /accounts.
    const accounts = await pool.page(DESK_1280);
    await accounts.goto(`${suite.t.url}/desk`);
    expect(new URL(accounts.url()).pathname).toBe('/desk/login');
    await accounts.getByLabel('Email address').fill(amir.user.email);
    await accounts.getByLabel('Password').fill(amir.password);
    await go(
      accounts,
      () => accounts.getByRole('button', { name: 'Sign in' }).click(),
      (url) => url.pathname !== '/desk/login',
    );
    expect(new URL(accounts.url()).pathname).toBe('/accounts');
    expect(await accounts.locator('h1').textContent()).toBe('Accounts');
    const payoutRow = accounts.locator('#section-accepted tbody tr');
    const bankReference = (await payoutRow.getAttribute('data-reference'))!;
    expect(await payoutRow.locator('td[data-label="Payee"]').innerText()).toContain('****6819');
    await docScreenshots(accounts, 'accounts');
    // The payout's reference opens the tip it pays for, read-only.
    await go(
      accounts,
      () => payoutRow.getByRole('link', { name: bankReference }).click(),
      (url) => url.pathname === `/accounts/tips/${tipId}`,
    );
    expect(await accounts.locator('#read-only').textContent()).toContain('Read-only');
    expect(await accounts.locator('#story').innerText()).toContain('bridge collapse');
    expect(await accounts.locator('form[action^="/desk/tips/"]').count()).toBe(0);
    await docScreenshots(accounts, 'accounts-tip');
    await go(
      accounts,
      () => accounts.getByRole('link', { name: '← Accounts' }).click(),
      (url) => url.pathname === '/accounts',
    );
    // Approve asks for confirmation first: who is paid (masked), how much, for which tip, and any risks.
    await go(
      accounts,
      () => accounts.getByRole('button', { name: `Approve ${bankReference}` }).click(),
      (url) => /^\/accounts\/payouts\/[0-9a-f-]{36}\/approve$/.test(url.pathname),
    );
    const confirmation = await accounts.locator('main').innerText();
    expect(confirmation).toContain('£250');
    expect(confirmation).toContain(tip.reference);
    expect(confirmation).toContain('****6819');
    await docScreenshots(accounts, 'accounts-approve');
    await go(
      accounts,
      () => accounts.getByRole('button', { name: 'Approve', exact: true }).click(),
      (url) => url.searchParams.get('notice') === 'approved',
    );

    // A Bacs file with the paying account set up on the settings page; SEPA is listed as not set up.
    await go(
      accounts,
      () => accounts.getByRole('link', { name: 'Payment batches' }).click(),
      (url) => url.pathname === '/accounts/batches',
    );
    const formats = await accounts.locator('#batch-format option').allTextContents();
    expect(formats).toContain('Bacs Standard 18 (GBP)');
    expect(formats).toContain('SEPA pain.001 (EUR) — not set up');
    expect(await accounts.locator('#formats-not-set-up').innerText()).not.toMatch(/SEPA_|PAYER_/);
    await docScreenshots(accounts, 'accounts-batches');
    await accounts.getByLabel('Format').selectOption('bacs-std18');
    await go(
      accounts,
      () => accounts.getByRole('button', { name: 'Create batch' }).click(),
      (url) => /^\/accounts\/batches\/[0-9a-f-]{36}$/.test(url.pathname),
    );
    const [download] = await Promise.all([accounts.waitForEvent('download'), accounts.getByRole('link', { name: 'Download the file' }).click()]);
    const file = (await readFile((await download.path())!)).toString('latin1');
    expect(file).toContain('31926819');
    expect(file).toContain('55779911'); // the paying account approved on the settings page
    expect(file).toContain('DAILY BUGLE LTD');
    await go(
      accounts,
      () => accounts.getByRole('button', { name: 'Mark sent to the bank' }).click(),
      (url) => url.searchParams.get('notice') === 'batch-sent',
    );
    await accounts.getByLabel(`Bank reference for ${bankReference}`).fill('BACS-20261207-0001');
    await go(
      accounts,
      () => accounts.getByRole('button', { name: `Mark ${bankReference} paid` }).click(),
      (url) => url.searchParams.get('notice') === 'paid',
    );
    expect(await accounts.locator(`tr[data-reference="${bankReference}"]`).getAttribute('data-state')).toBe('paid');
    await docScreenshots(accounts, 'accounts-batch');

    // ---- The contributor sees "Paid", with the amount, the date, how and the words on their statement.
    await phone.reload();
    expect(await phone.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Paid');
    const payment = phone.locator('#payments .payment');
    expect(await payment.locator('.payment-amount').textContent()).toBe('£250');
    expect(await payment.locator('.payment-state').textContent()).toBe('Paid');
    expect(await payment.locator('.payment-date').textContent()).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
    expect(await payment.locator('.payment-method').textContent()).toBe('UK bank account ****6819');
    expect(await payment.locator('.payment-reference').textContent()).toBe(bankReference);
    await expectNoHorizontalScroll(phone);
    await docScreenshots(phone, 'status-paid');

    // ---- The editor: "Paid" on the queue, and every move on the tip in words.
    await desk.goto(`${suite.t.url}/desk`);
    expect(await row.locator('[data-news]').allTextContents()).toEqual(['Paid']);
    await go(
      desk,
      () => desk.getByRole('link', { name: tip.reference }).click(),
      (url) => url.pathname === `/desk/tips/${tipId}`,
    );
    expect(await card.locator('.payout-state').textContent()).toBe('Paid');
    expect(await card.locator('.payout-moves strong').allTextContents()).toEqual([
      'Payment offered',
      'Offer accepted by the contributor',
      'Payment approved',
      'Put in a payment batch for the bank',
      'Batch sent to the bank',
      'Paid',
    ]);
    expect(await card.locator('.payout-moves').innerText()).toContain('Amir Accounts');
    await docScreenshots(desk, 'desk-tip-paid');

    // ---- The admins' audit log: words up front, the codes in each event's details.
    await admin.goto(`${suite.t.url}/desk/audit`);
    const firstRow = admin.locator('#audit-table tbody tr').first();
    expect(await firstRow.locator('td.what').textContent()).not.toMatch(/[._]/);
    expect(await admin.locator('#audit-table td.change').allInnerTexts()).not.toContainEqual(expect.stringMatching(/^\{/));
    await docScreenshots(admin, 'desk-audit');

    // The remaining desk pages, for the README's pictures.
    await admin.goto(`${suite.t.url}/desk/staff`);
    await docScreenshots(admin, 'desk-staff');
    await admin.goto(`${suite.t.url}/desk/account`);
    await docScreenshots(admin, 'desk-account');
    await desk.goto(`${suite.t.url}/desk/phone`);
    expect(await desk.locator('h1').textContent()).toBe('Log a phone tip');
    await docScreenshots(desk, 'desk-phone');
  });
});
