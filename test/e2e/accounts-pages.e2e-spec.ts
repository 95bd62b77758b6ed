import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const GBP = { amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' };
const UK = { confirmLicence: true, method: 'uk_bank', accountName: 'Zoë Ørsted', sortCode: '60-16-13', accountNumber: '31926819' };
const PAYER_ENV = { PAYER_NAME: 'TIPDESK NEWS', PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911', BACS_SERVICE_USER_NUMBER: '123456' };
const XSS_NAME = '<script>window.__xss=1</script>Casey';

describe('accounting’s /accounts pages', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  let admin: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp(PAYER_ENV);
    editor = await signedInStaff(t, 'editor', { name: 'Esther Editor' });
    accountant = await signedInStaff(t, 'accounting', { name: 'Amir Accounts' });
    admin = await signedInStaff(t, 'admin', { name: 'Ada Admin' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** A tip whose payout `by` offered and the contributor accepted with UK bank details. */
  async function accepted(by: SignedInStaff = editor, offer: object = GBP) {
    const receipt = (
      await request(t.url)
        .post('/api/tips')
        .send({ story: 'Burst water main on the high street', name: XSS_NAME, ...consent })
        .expect(201)
    ).body;
    const signIn = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret }).expect(200);
    const tipId = (await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [receipt.reference])).rows[0].id as string;
    const offered = (await by.post(`/api/tips/${tipId}/payouts`).send(offer).expect(201)).body;
    await request(t.url)
      .post(`/api/contributor/payouts/${offered.id}/accept`)
      .set('Cookie', sessionCookie(signIn, 'tipdesk_contributor'))
      .set(CSRF_HEADER, signIn.body.csrfToken)
      .send(UK)
      .expect(200);
    return {
      id: offered.id as string,
      tipId,
      bankReference: offered.bankReference as string,
      version: (await payout(offered.id)).version,
      tipReference: receipt.reference as string,
    };
  }

  const payout = async (id: string) =>
    (await t.db.query(`SELECT state, version, batch_id, paid_reference FROM payouts WHERE id = $1`, [id])).rows[0] as {
      state: string;
      version: number;
      batch_id: string | null;
      paid_reference: string | null;
    };

  /** A browser form post: urlencoded, the session cookie, `_csrf` in the body (unless left out). */
  const form = (who: SignedInStaff, path: string, fields: Record<string, string | number | string[]>, csrf = true) => {
    // As a browser encodes it: a repeated name for each ticked checkbox.
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...(csrf ? { _csrf: who.csrfToken } : {}), ...fields })) {
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, String(one));
    }
    return request(t.url).post(path).set('Cookie', who.cookie).type('form').send(body.toString());
  };

  // Issue 11 (each role lands on its own home): an editor opening /accounts is led to the queue, not shown "Not allowed".
  it('an editor opening /accounts goes to their own start page (303 to the queue with a notice), never the accounts', async () => {
    const res = await request(t.url).get('/accounts').set('Cookie', editor.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk?notice=not-for-your-role');
    const posted = await form(editor, '/accounts/batches', { format: 'csv' });
    expect(posted.status).toBe(403);
  });

  it('anonymous: 303 to the sign-in page, which brings them back to /accounts', async () => {
    const res = await request(t.url).get('/accounts/batches');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/desk/login?next=${encodeURIComponent('/accounts/batches')}`);
  });

  it('an accountant signing in lands on /accounts; an editor on /desk', async () => {
    const res = await request(t.url).post('/desk/login').type('form').send({ email: accountant.user.email, password: accountant.password });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/accounts');
  });

  it('lists an accepted payout (escaped, payee masked, no-store, strict CSP) with the totals and an Accounts nav link', async () => {
    const p = await accepted();
    const res = await request(t.url).get('/accounts').set('Cookie', accountant.cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.text).toContain('<a href="/accounts" aria-current="page">Accounts</a>');
    expect(res.text).toContain('<a class="brand" href="/accounts">tipdesk</a>');
    expect(res.text).toContain(`data-reference="${p.bankReference}"`);
    expect(res.text).toContain(p.tipReference);
    expect(res.text).toContain('£250');
    expect(res.text).toContain('****6819');
    expect(res.text).not.toContain('31926819');
    expect(res.text).not.toContain('<script>window.__xss');
    expect(res.text).toContain('&lt;script&gt;window.__xss&#x3D;1&lt;/script&gt;Casey');
    expect(res.text).toContain('id="totals"');
    expect(res.text).toContain('Esther Editor');
  });

  it('approve your own offer: 403 and the service’s refusal on the page; the payout stays accepted', async () => {
    const p = await accepted(admin);
    const res = await form(admin, `/accounts/payouts/${p.id}/approve`, { version: p.version });
    expect(res.status).toBe(403);
    expect(res.text).toContain('a different person in accounting must approve it');
    expect((await payout(p.id)).state).toBe('accepted');
  });

  it('a form without _csrf: 403, nothing changes', async () => {
    const p = await accepted();
    const res = await form(accountant, `/accounts/payouts/${p.id}/approve`, { version: p.version }, false);
    expect(res.status).toBe(403);
    expect((await payout(p.id)).state).toBe('accepted');
  });

  it('a stale version: 409 and the conflict message, the row shown as it is now', async () => {
    const p = await accepted();
    await form(accountant, `/accounts/payouts/${p.id}/hold`, { version: p.version, reason: 'Checking the licence' }).expect(303);
    const res = await form(accountant, `/accounts/payouts/${p.id}/approve`, { version: p.version });
    expect(res.status).toBe(409);
    expect(res.text).toContain('Someone changed this payout since you opened it');
    // The confirmation again, with the reason and the payout as it is now.
    expect(res.text).toContain(`id="approve-${p.id}-problem"`);
    expect((await payout(p.id)).state).toBe('held');
  });

  it('hold without a reason: 400 naming it; release, approve (303 back with a notice)', async () => {
    const p = await accepted();
    const missing = await form(accountant, `/accounts/payouts/${p.id}/hold`, { version: p.version, reason: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Say why (reason)');
    await form(accountant, `/accounts/payouts/${p.id}/hold`, { version: p.version, reason: 'Wait' }).expect(303);
    await form(accountant, `/accounts/payouts/${p.id}/release`, { version: p.version + 1 }).expect(303);
    const approved = await form(accountant, `/accounts/payouts/${p.id}/approve`, {
      version: p.version + 2,
      acknowledgeRisks: await openRiskCodes(admin, p.id),
    });
    expect(approved.status).toBe(303);
    expect(approved.headers.location).toBe('/accounts?notice=approved');
    expect((await payout(p.id)).state).toBe('approved');
  });

  it('legal sign-off is an admin’s form: accounting gets 403', async () => {
    const p = await accepted();
    expect((await form(accountant, `/accounts/payouts/${p.id}/legal-sign-off`, { version: p.version })).status).toBe(403);
  });

  it('a payout flagged under clause 15: approval refused (409) until an admin records sign-off on the page; its reference opens the tip (read-only) for accounting and admins', async () => {
    const p = await accepted(editor, { ...GBP, legalFlags: { witness: true, crime: false } });
    const page = await request(t.url).get('/accounts').set('Cookie', admin.cookie);
    expect(page.text).toContain('Needs admin sign-off');
    expect(page.text).toContain(`href="/accounts/tips/${p.tipId}"`);
    const accounts = (await request(t.url).get('/accounts').set('Cookie', accountant.cookie)).text;
    expect(accounts).toContain(`href="/accounts/tips/${p.tipId}"`);
    expect(accounts).not.toContain(`href="/desk/tips/${p.tipId}"`);
    const tipPage = await request(t.url).get(`/accounts/tips/${p.tipId}`).set('Cookie', accountant.cookie).expect(200);
    expect(tipPage.text).toContain('Read-only, for accounting');
    expect(tipPage.text).toContain(`payout-${p.id}`);
    expect(tipPage.text).not.toMatch(/action="\/desk\/tips\//);
    const refused = await form(accountant, `/accounts/payouts/${p.id}/approve`, { version: p.version });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('an admin must record legal sign-off');
    await form(admin, `/accounts/payouts/${p.id}/legal-sign-off`, { version: p.version }).expect(303);
    const current = await payout(p.id);
    await form(accountant, `/accounts/payouts/${p.id}/approve`, { version: current.version, acknowledgeRisks: await openRiskCodes(admin, p.id) }).expect(303);
    expect((await payout(p.id)).state).toBe('approved');
    // Leave nothing approved behind for the batch test below to pick up unexpectedly.
    await form(accountant, `/accounts/payouts/${p.id}/cancel`, { version: (await payout(p.id)).version, reason: 'Test over' }).expect(303);
  });

  it('void a locked batch (payouts approved again); mark failed with an ARUCS code; reissue makes a new payout to approve', async () => {
    const p = await accepted();
    await form(accountant, `/accounts/payouts/${p.id}/approve`, { version: p.version, acknowledgeRisks: await openRiskCodes(admin, p.id) }).expect(303);
    const first = (await form(accountant, '/accounts/batches', { format: 'bacs-std18', currency: 'GBP' }).expect(303)).headers.location.split('?')[0];
    const voided = await form(accountant, `${first}/void`, {});
    expect(voided.status).toBe(303);
    expect((await payout(p.id)).state).toBe('approved');
    expect((await request(t.url).get(first).set('Cookie', accountant.cookie)).text).not.toContain('Void this batch');
    expect((await form(accountant, `${first}/void`, {})).status).toBe(409);

    const second = (await form(accountant, '/accounts/batches', { format: 'bacs-std18', currency: 'GBP' }).expect(303)).headers.location.split('?')[0];
    await form(accountant, `${second}/sent`, {}).expect(303);
    const failed = await form(accountant, `/accounts/payouts/${p.id}/mark-failed`, {
      version: (await payout(p.id)).version,
      reason: 'ARUCS 0 REFER TO PAYER',
      from: second,
    });
    expect(failed.status).toBe(303);
    expect(failed.headers.location).toBe(`${second}?notice=failed`);
    expect((await payout(p.id)).state).toBe('failed');
    const reissued = await form(accountant, `/accounts/payouts/${p.id}/reissue`, { version: (await payout(p.id)).version });
    expect(reissued.status).toBe(303);
    const { rows } = await t.db.query(`SELECT state FROM payouts WHERE replaces_payout_id = $1`, [p.id]);
    expect(rows.map((r) => r.state)).toEqual(['accepted']);
    const twice = await form(accountant, `/accounts/payouts/${p.id}/reissue`, { version: (await payout(p.id)).version });
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('already been reissued');
  });

  it('batch → sent → reconcile (pasted CSV) → paid; a bad row applies nothing and names the row', async () => {
    // Earlier tests left approved payouts: this batch takes them all.
    const p = await accepted();
    await form(accountant, `/accounts/payouts/${p.id}/approve`, { version: p.version, acknowledgeRisks: await openRiskCodes(admin, p.id) }).expect(303);
    const created = await form(accountant, '/accounts/batches', { format: 'bankline-csv', currency: '' });
    expect(created.status).toBe(303);
    const batchPath = created.headers.location.split('?')[0];
    expect(batchPath).toMatch(/^\/accounts\/batches\/[0-9a-f-]{36}$/);
    const batchId = batchPath.split('/').pop()!;
    const page = await request(t.url).get(created.headers.location).set('Cookie', accountant.cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="/api/payout-batches/${batchId}/file"`);
    expect(page.text).toContain(p.bankReference);
    expect((await payout(p.id)).state).toBe('batched');

    const early = await form(accountant, `${batchPath}/reconcile`, { csv: `${p.bankReference},paid,FP-1\r\n` });
    expect(early.status).toBe(409);
    expect(early.text).toContain('only a batch marked sent can be reconciled');

    await form(accountant, `${batchPath}/sent`, {}).expect(303);
    const bad = await form(accountant, `${batchPath}/reconcile`, { csv: `${p.bankReference},paid,FP-1\r\nTIPDESK NOPE,paid,FP-2\r\n` });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Nothing was applied');
    expect((await payout(p.id)).state).toBe('batched');

    const ok = await form(accountant, `${batchPath}/reconcile`, { csv: `${p.bankReference},paid,FP-20261125-0001\r\n` });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`${batchPath}?notice=reconciled`);
    const after = await request(t.url).get(ok.headers.location).set('Cookie', accountant.cookie);
    expect(after.text).toContain('The bank’s results have been applied.');
    expect(after.text).toContain('Bank reference FP-20261125-0001');
    expect(await payout(p.id)).toMatchObject({ state: 'paid', paid_reference: 'FP-20261125-0001' });
    const list = await request(t.url).get('/accounts/batches').set('Cookie', accountant.cookie);
    expect(list.text).toContain(`href="${batchPath}"`);
  });

  it('a batch with nothing to pay: 400 with the message, and no batch made', async () => {
    const before = (await t.db.query(`SELECT count(*)::int AS n FROM payout_batches`)).rows[0].n as number;
    const res = await form(accountant, '/accounts/batches', { format: 'bacs-std18', currency: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="form-error"');
    expect(res.text).toMatch(/nothing|no approved/i);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM payout_batches`)).rows[0].n).toBe(before);
  });
});
