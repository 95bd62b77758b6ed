// Issue 11, problems 4 and 9 over HTTP: a ledger export is named and worded as a record for the
// accounts (never "sent to the bank", no bank date, nothing the contributor is told changes); bank
// formats not set up are listed as such with a link to set them up, in words; editorial screens
// speak the newsroom's words (no event codes, JSON or SHA-256 up front; one date style).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { approvedPayout, contributorWithTip } from '../support/fixtures.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const UK = { confirmLicence: true, method: 'uk_bank', accountName: 'Jo Bloggs', sortCode: '60-16-13', accountNumber: '31926819' };

let t: TestApp;
let editor: SignedInStaff;
let accountant: SignedInStaff;
let admin: SignedInStaff;

beforeAll(async () => {
  t = await startTestApp({ DESK_TIME_ZONE: 'Europe/London' });
  editor = await signedInStaff(t, 'editor', { name: 'Priya Editor' });
  accountant = await signedInStaff(t, 'accounting', { name: 'Amir Accounts' });
  admin = await signedInStaff(t, 'admin', { name: 'Ada Admin' });
});
afterAll(async () => {
  await t?.close();
});

/** A tip with a video, an offer the contributor accepted and accounting approved. */
async function videoTipPaidFor() {
  const contributor = await contributorWithTip(t, { story: 'Flood on the high street' }, { videos: 1 });
  const payout = await approvedPayout(t, editor, accountant, { contributor, payee: UK });
  return { tipId: contributor.id, payoutId: payout.id, contributor };
}

const form = (who: SignedInStaff, path: string, fields: Record<string, string>) =>
  request(t.url)
    .post(path)
    .set('Cookie', who.cookie)
    .type('form')
    .send({ _csrf: who.csrfToken, ...fields });

describe('the ledger export is a record, not a bank file', () => {
  it('made and marked recorded from the pages: worded as a ledger, no bank date, and the contributor is told nothing new', async () => {
    const { payoutId, contributor } = await videoTipPaidFor();
    const before = (await request(t.url).get('/api/contributor/tip').set('Cookie', contributor.cookie).expect(200)).body.payouts[0];
    expect(before).toMatchObject({ state: 'approved', stateText: 'Payment approved' });

    const made = await form(accountant, '/accounts/batches', { format: 'csv', currency: '' });
    expect(made.status).toBe(303);
    expect(made.headers.location).toMatch(/notice=ledger-created$/);
    const page = (await accountant.get(made.headers.location).expect(200)).text;
    expect(page).toContain('<h1>Ledger export TDB-');
    expect(page).toContain('Download the ledger (for your records)');
    expect(page).toContain('Ledger export made: download it for your records. It is not a bank file');
    expect(page).toContain('Mark as recorded');
    expect(page).not.toMatch(/sent to the bank|Bank pays on|send it to the bank/i);
    const after = (await request(t.url).get('/api/contributor/tip').set('Cookie', contributor.cookie).expect(200)).body.payouts[0];
    expect(after).toEqual(expect.objectContaining({ state: 'approved', stateText: 'Payment approved' }));

    const batchId = made.headers.location.split('/').pop()!.split('?')[0];
    const recorded = await form(accountant, `/accounts/batches/${batchId}/sent`, {});
    expect(recorded.headers.location).toBe(`/accounts/batches/${batchId}?notice=ledger-recorded`);
    const recordedPage = (await accountant.get(recorded.headers.location).expect(200)).text;
    expect(recordedPage).toContain('Ledger export marked as recorded');
    expect(recordedPage).not.toMatch(/sent to the bank/i);
    const events = (await accountant.get(`/api/payouts/${payoutId}`).expect(200)).body.events as { reason: string | null }[];
    expect(events.at(-1)!.reason).toMatch(/^ledger TDB-[0-9A-F]+ recorded$/);
    const status = (await request(t.url).get('/status/tip').set('Cookie', contributor.cookie).expect(200)).text;
    expect(status).not.toMatch(/sent to the bank|Payment scheduled<\/span><span class="visually-hidden"> \(now\)/);
    expect(status).toMatch(/aria-current="step"><span class="step-label">Payment approved/);
  });

  it('the batches page lists bank formats that are not set up as such, with a link to set them up, and no environment variable names', async () => {
    const page = (await accountant.get('/accounts/batches').expect(200)).text;
    expect(page).toContain('Bankline CSV (GBP Faster Payments) — not set up</option>');
    expect(page).toMatch(/<option value="bacs-std18"[^>]* disabled>/);
    expect(page).toContain('needs the paying account’s sort code, account number');
    expect(page).toContain('href="/desk/admin/settings#paying-account" id="set-up-formats"');
    expect(page).not.toMatch(/PAYER_|BACS_SERVICE|SEPA_DEBTOR/);
    // The ledger needs no paying account: it is never "not set up".
    expect(page).toContain('Ledger export (CSV, accounts masked, for your records)</option>');
    const refused = await form(accountant, '/accounts/batches', { format: 'bacs-std18', currency: '' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('an admin sets them on the Paper settings page');
    expect(refused.text).not.toMatch(/PAYER_|BACS_SERVICE/);
  });
});

describe('editorial screens in the newsroom’s words', () => {
  it('the tip page: history in words, no SHA-256 up front, every date as "7 Dec 2026, 13:50" in the desk’s time zone', async () => {
    const { tipId } = await videoTipPaidFor();
    const page = (await editor.get(`/desk/tips/${tipId}`).expect(200)).text;
    const history = page.slice(page.indexOf('id="history"'));
    expect(history).toContain('The contributor opened their status page');
    expect(history).toContain('Payment approved (£250)');
    expect(history).not.toMatch(/>(tip|payout|contributor|staff)\.[a-z_]+</);
    // The fingerprint is in each file's details, not up front.
    const media = page.slice(page.indexOf('id="media"'), page.indexOf('id="payments"'));
    expect(media).not.toMatch(/SHA-256 <code/);
    expect(media).toMatch(/<details class="file-details"><summary>File details<\/summary>[^]*SHA-256/);
    const shown = [...page.matchAll(/<time datetime="[^"]+">([^<]+)<\/time>/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(0);
    for (const text of shown) expect(text).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
    expect(page).not.toContain(' UTC');
  });

  it('a date style chosen on the settings page is the style of every desk page', async () => {
    const { tipId } = await videoTipPaidFor();
    const version = (await t.db.query('SELECT version FROM paper_settings')).rows[0].version;
    await form(admin, '/desk/admin/settings', {
      paperName: '',
      contactEmail: '',
      contactPhone: '',
      contactWhatsapp: '',
      privacyNotice: '',
      timeZone: 'Europe/London',
      dateStyle: 'iso',
      version: String(version),
    }).expect(303);
    const page = (await editor.get(`/desk/tips/${tipId}`).expect(200)).text;
    const shown = [...page.matchAll(/<time datetime="[^"]+">([^<]+)<\/time>/g)].map((m) => m[1]);
    for (const text of shown) expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });
});
