// Issue 12: the risks an approver must read and acknowledge, tiered approval over the limit,
// the staff-browser mark, and the separation of duties on phone tips (offer, approve, clear).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const GBP = { amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' };
let accountNumber = 10_000_000;
/** A UK account of its own for each contributor, unless a test shares one on purpose. */
const freshUk = () => ({ confirmLicence: true, method: 'uk_bank', accountName: 'Robin Payee', sortCode: '20-00-00', accountNumber: String(++accountNumber) });
const SHARED_IBAN = { confirmLicence: true, method: 'iban', accountName: 'Ines Sharer', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' };

interface Payout {
  id: string;
  version: number;
  state: string;
  bankReference: string;
  firstApprovedBy: string | null;
  risks: { code: string; message: string; adminOnly: boolean; cleared: unknown }[];
  events: { detail: Record<string, unknown> | null; toState: string }[];
}

describe('payout risks, tiered approval and separation of duties', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  let admin: SignedInStaff;
  let otherAdmin: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp({ PAYOUT_SECOND_APPROVAL_MINOR: 'GBP:100000,EUR:150000', PAYEE_COOLING_HOURS: '24' });
    editor = await signedInStaff(t, 'editor', { name: 'Esther Editor' });
    accountant = await signedInStaff(t, 'accounting', { name: 'Amir Accounts' });
    admin = await signedInStaff(t, 'admin', { name: 'Ada Admin' });
    otherAdmin = await signedInStaff(t, 'admin', { name: 'Bea Admin' });
  });
  afterAll(async () => {
    await t.close();
  });

  async function contributor(reference: string, secret: string, extraCookie?: string) {
    const signIn = await request(t.url).post('/api/contributor/session').send({ reference, secret }).expect(200);
    const cookie = [sessionCookie(signIn, 'tipdesk_contributor'), ...(extraCookie ? [extraCookie] : [])].join('; ');
    return { post: (path: string) => request(t.url).post(path).set('Cookie', cookie).set(CSRF_HEADER, signIn.body.csrfToken) };
  }

  async function webTip() {
    const receipt = (
      await request(t.url)
        .post('/api/tips')
        .send({ story: 'Sinkhole opens on Station Road', ...consent })
        .expect(201)
    ).body;
    const tipId = (await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [receipt.reference])).rows[0].id as string;
    return { tipId, reference: receipt.reference as string, secret: receipt.secret as string };
  }

  async function accepted(options: { offer?: object; payee?: object; by?: SignedInStaff; extraCookie?: string } = {}) {
    const tip = await webTip();
    const offered = (
      await (options.by ?? editor)
        .post(`/api/tips/${tip.tipId}/payouts`)
        .send(options.offer ?? GBP)
        .expect(201)
    ).body;
    const c = await contributor(tip.reference, tip.secret, options.extraCookie);
    await c
      .post(`/api/contributor/payouts/${offered.id}/accept`)
      .send(options.payee ?? freshUk())
      .expect(200);
    return { ...(await read(offered.id)), tip, c };
  }

  const read = async (id: string) => (await accountant.get(`/api/payouts/${id}`).expect(200)).body as Payout;
  const codes = (p: Payout) => p.risks.map((r) => r.code);

  describe('PAYEE_FROM_STAFF_BROWSER', () => {
    let p: Payout;

    beforeAll(async () => {
      // The caller "accepts" in a browser where an editor is signed in to the desk.
      p = await accepted({ extraCookie: editor.cookie });
    });

    it('accept with a staff cookie present: the payout carries PAYEE_FROM_STAFF_BROWSER, and the accept event names whose browser it was', async () => {
      expect(codes(p)).toEqual(['PAYEE_FROM_STAFF_BROWSER']);
      expect(p.risks[0]).toMatchObject({ adminOnly: true, cleared: null, message: expect.stringContaining('signed in to the desk') });
      expect(p.events.find((e) => e.toState === 'accepted')?.detail).toEqual({ payeeFromStaffBrowser: true, staffId: editor.user.id });
    });

    it('approve without acknowledgement: 409 PAYOUT_RISKS_NOT_ACKNOWLEDGED listing the risk, nothing changed', async () => {
      const res = await accountant.post(`/api/payouts/${p.id}/approve`).send({ version: p.version });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'PAYOUT_RISKS_NOT_ACKNOWLEDGED', risks: [{ code: 'PAYEE_FROM_STAFF_BROWSER', message: expect.any(String) }] });
      expect((await read(p.id)).state).toBe('accepted');
    });

    it('approve with the acknowledgement by a non-admin: 403 PAYOUT_RISK_NEEDS_ADMIN', async () => {
      const res = await accountant.post(`/api/payouts/${p.id}/approve`).send({ version: p.version, acknowledgeRisks: ['PAYEE_FROM_STAFF_BROWSER'] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_RISK_NEEDS_ADMIN');
      expect((await read(p.id)).state).toBe('accepted');
    });

    it('clear-risk by an accountant: 403; by an admin without a reason: 400', async () => {
      expect(
        (await accountant.post(`/api/payouts/${p.id}/clear-risk`).send({ version: p.version, code: 'PAYEE_FROM_STAFF_BROWSER', reason: 'x' })).status,
      ).toBe(403);
      const res = await admin.post(`/api/payouts/${p.id}/clear-risk`).send({ version: p.version, code: 'PAYEE_FROM_STAFF_BROWSER' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toHaveProperty('reason');
    });

    it('an admin clears it with a reason (recorded in the payout’s events); an accountant then approves without naming it: 200', async () => {
      const cleared = await admin
        .post(`/api/payouts/${p.id}/clear-risk`)
        .send({ version: p.version, code: 'PAYEE_FROM_STAFF_BROWSER', reason: 'Called the contributor back: their own account' });
      expect(cleared.status).toBe(200);
      expect(cleared.body.risks[0]).toMatchObject({ code: 'PAYEE_FROM_STAFF_BROWSER', cleared: { by: admin.user.id } });
      expect(cleared.body.events.at(-1)).toMatchObject({
        actorId: admin.user.id,
        reason: 'Called the contributor back: their own account',
        detail: { clearedRisks: ['PAYEE_FROM_STAFF_BROWSER'] },
      });
      const approved = await accountant.post(`/api/payouts/${p.id}/approve`).send({ version: cleared.body.version });
      expect(approved.status).toBe(200);
      expect(approved.body.state).toBe('approved');
    });

    it('an admin acknowledging it at approval is the clearing: 200, and the approval event records it', async () => {
      const q = await accepted({ extraCookie: accountant.cookie });
      const res = await admin.post(`/api/payouts/${q.id}/approve`).send({ version: q.version, acknowledgeRisks: ['PAYEE_FROM_STAFF_BROWSER'] });
      expect(res.status).toBe(200);
      expect(res.body.events.at(-1).detail).toMatchObject({ acknowledgedRisks: ['PAYEE_FROM_STAFF_BROWSER'], clearedRisks: ['PAYEE_FROM_STAFF_BROWSER'] });
    });

    it('the staff member whose browser it was may not approve it: 403 PAYOUT_CONFLICT_OF_INTEREST', async () => {
      const q = await accepted({ extraCookie: otherAdmin.cookie });
      const res = await otherAdmin.post(`/api/payouts/${q.id}/approve`).send({ version: q.version, acknowledgeRisks: ['PAYEE_FROM_STAFF_BROWSER'] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_CONFLICT_OF_INTEREST');
    });

    it('accepting on the /status page with a staff cookie marks it too', async () => {
      const tip = await webTip();
      const offered = (await editor.post(`/api/tips/${tip.tipId}/payouts`).send(GBP).expect(201)).body;
      const signIn = await request(t.url).post('/status/sign-in').type('form').send({ reference: tip.reference, secret: tip.secret }).expect(303);
      const cookie = `${sessionCookie(signIn, 'tipdesk_contributor')}; ${editor.cookie}`;
      const page = await request(t.url).get('/status/tip').set('Cookie', cookie).expect(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
      const payee = freshUk();
      await request(t.url)
        .post('/status/tip')
        .set('Cookie', cookie)
        .type('form')
        .send({
          _csrf: csrf,
          payoutId: offered.id,
          confirmLicence: 'true',
          method: 'uk_bank',
          accountName: payee.accountName,
          sortCode: payee.sortCode,
          accountNumber: payee.accountNumber,
        })
        .expect(303);
      expect(codes(await read(offered.id))).toContain('PAYEE_FROM_STAFF_BROWSER');
    });
  });

  describe('PAYEE_SHARED', () => {
    it('two contributors giving the same IBAN: the second payout shows PAYEE_SHARED naming the other tip’s reference (to accounting only); only keyed hashes are compared', async () => {
      const first = await accepted({ payee: SHARED_IBAN });
      const second = await accepted({ payee: SHARED_IBAN });
      const risk = second.risks.find((r) => r.code === 'PAYEE_SHARED');
      expect(risk?.message).toContain(first.tip.reference);
      expect(risk?.message).toContain('IBAN');
      expect(risk?.message).not.toContain('3704');
      // The editors' view of the tip's payouts carries no risks and no other tip's reference.
      const desk = await editor.get(`/api/tips/${second.tip.tipId}/payouts`).expect(200);
      expect(JSON.stringify(desk.body)).not.toContain(first.tip.reference);
      const hashes = (
        await t.db.query(`SELECT DISTINCT account_hash FROM payee_details WHERE id IN (SELECT payee_details_id FROM payouts WHERE id = ANY($1))`, [
          [first.id, second.id],
        ])
      ).rows;
      expect(hashes).toHaveLength(1);
      expect(hashes[0].account_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('the tip page lists a payout’s risks in words to accounting (read-only tip) and admins; an editor sees only how many, never the other tip’s reference', async () => {
      const first = await accepted({ payee: SHARED_IBAN });
      const second = await accepted({ payee: SHARED_IBAN });
      const forAccounts = (await accountant.get(`/accounts/tips/${second.tip.tipId}`).expect(200)).text;
      expect(forAccounts).toContain(`id="payout-${second.id}-risks"`);
      expect(forAccounts).toContain('PAYEE_SHARED');
      expect(forAccounts).toContain(first.tip.reference);
      const forAdmin = (await admin.get(`/desk/tips/${second.tip.tipId}`).expect(200)).text;
      expect(forAdmin).toContain(first.tip.reference);
      const forEditor = (await editor.get(`/desk/tips/${second.tip.tipId}`).expect(200)).text;
      expect(forEditor).not.toContain(`id="payout-${second.id}-risks"`);
      expect(forEditor).not.toContain(first.tip.reference);
      expect(forEditor).toMatch(new RegExp(`id="payout-${second.id}-risk-count">Accounting will check 1 risk before approving`));
    });

    it('a GB IBAN and the same sort code and account number typed as a UK account are one account', async () => {
      const uk = await accepted({
        payee: { confirmLicence: true, method: 'uk_bank', accountName: 'Gil Brit', sortCode: '60-16-13', accountNumber: '31926819' },
      });
      const iban = await accepted({
        payee: { confirmLicence: true, method: 'iban', accountName: 'Gil Brit', iban: 'GB29 NWBK 6016 1331 9268 19', bic: 'NWBKGB2L' },
      });
      expect(codes(iban)).toContain('PAYEE_SHARED');
      expect(iban.risks.find((r) => r.code === 'PAYEE_SHARED')?.message).toContain(uk.tip.reference);
    });

    it('the same contributor paid twice to their own account is no shared payee', async () => {
      const payee = freshUk();
      const p = await accepted({ payee });
      const again = (
        await editor
          .post(`/api/tips/${p.tip.tipId}/payouts`)
          .send({ ...GBP, amountMinor: 500 })
          .expect(201)
      ).body;
      await p.c.post(`/api/contributor/payouts/${again.id}/accept`).send(payee).expect(200);
      expect(codes(await read(again.id))).not.toContain('PAYEE_SHARED');
    });
  });

  // The tier's rule table is on the service tier (test/service/payout-approvals.service-spec.ts);
  // here, one request per error code it answers.
  describe('tiered approval over PAYOUT_SECOND_APPROVAL_MINOR', () => {
    it('the same person approving twice: 409 PAYOUT_ALREADY_APPROVED_BY_YOU', async () => {
      const p = await accepted({ offer: { ...GBP, amountMinor: 100_000 } });
      const first = (
        await accountant
          .post(`/api/payouts/${p.id}/approve`)
          .send({ version: p.version, acknowledgeRisks: ['AMOUNT_OVER_LIMIT'] })
          .expect(200)
      ).body as Payout;
      const res = await accountant.post(`/api/payouts/${p.id}/approve`).send({ version: first.version, acknowledgeRisks: ['AMOUNT_OVER_LIMIT'] });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('PAYOUT_ALREADY_APPROVED_BY_YOU');
      expect((await read(p.id)).state).toBe('accepted');
    });

    it('AMOUNT_OVER_LIMIT cannot be cleared: 409 PAYOUT_RISK_NOT_CLEARABLE', async () => {
      const q = await accepted({ offer: { ...GBP, amountMinor: 250_000 } });
      const res = await admin.post(`/api/payouts/${q.id}/clear-risk`).send({ version: q.version, code: 'AMOUNT_OVER_LIMIT', reason: 'Urgent' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('PAYOUT_RISK_NOT_CLEARABLE');
    });
  });

  describe('PAYEE_CHANGED_RECENTLY', () => {
    it('details changed after acceptance, within PAYEE_COOLING_HOURS: the risk, in words', async () => {
      const p = await accepted();
      expect(codes(p)).toEqual([]);
      await p.c
        .post('/api/contributor/payouts/payee-details')
        .send({ method: 'uk_bank', accountName: 'Robin Payee', sortCode: '20-00-00', accountNumber: '11223344' })
        .expect(200);
      const now = await read(p.id);
      expect(now.risks.find((r) => r.code === 'PAYEE_CHANGED_RECENTLY')?.message).toContain('less than 24 hours');
    });
  });

  describe('phone tips: whoever logged it or saw its secret', () => {
    async function phoneTip(by: SignedInStaff) {
      return (await by.post('/api/tips/phone').send({ callerNumber: '+44 7700 900777', story: 'The caller filmed the fire' }).expect(201)).body as {
        id: string;
        reference: string;
        secret: string;
      };
    }

    it('the phone-tip logger offers: 403 PAYOUT_CONFLICT_OF_INTEREST', async () => {
      const tip = await phoneTip(admin);
      const res = await admin.post(`/api/tips/${tip.id}/payouts`).send(GBP);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_CONFLICT_OF_INTEREST');
    });

    it('the phone-tip logger approves: 403 PAYOUT_CONFLICT_OF_INTEREST', async () => {
      const tip = await phoneTip(admin);
      const offered = (await editor.post(`/api/tips/${tip.id}/payouts`).send(GBP).expect(201)).body;
      await (await contributor(tip.reference, tip.secret)).post(`/api/contributor/payouts/${offered.id}/accept`).send(freshUk()).expect(200);
      const p = await read(offered.id);
      const res = await admin.post(`/api/payouts/${p.id}/approve`).send({ version: p.version, acknowledgeRisks: codes(p) });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_CONFLICT_OF_INTEREST');
    });

    it('the phone-tip logger clears a risk on that tip: 403 PAYOUT_CONFLICT_OF_INTEREST', async () => {
      const tip = await phoneTip(admin);
      const offered = (await editor.post(`/api/tips/${tip.id}/payouts`).send(GBP).expect(201)).body;
      // The "caller" accepts in a browser where the accountant is signed in: a risk to clear.
      await (await contributor(tip.reference, tip.secret, accountant.cookie)).post(`/api/contributor/payouts/${offered.id}/accept`).send(freshUk()).expect(200);
      const p = await read(offered.id);
      const res = await admin.post(`/api/payouts/${p.id}/clear-risk`).send({ version: p.version, code: 'PAYEE_FROM_STAFF_BROWSER', reason: 'fine' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_CONFLICT_OF_INTEREST');
      // Someone who took no part can.
      await otherAdmin
        .post(`/api/payouts/${p.id}/clear-risk`)
        .send({ version: p.version, code: 'PAYEE_FROM_STAFF_BROWSER', reason: 'Checked with the caller' })
        .expect(200);
    });

    it('an admin waives the rule for the editor who took the call: they may offer, the payout carries LOGGED_BY_OFFERER, and the waiver is audited', async () => {
      const tip = await phoneTip(editor);
      // The waiver is not the logger's own to give, nor for someone who holds no secret.
      expect((await admin.post(`/api/tips/${tip.id}/payouts/waivers`).send({ staffId: accountant.user.id, reason: 'x' })).body.code).toBe(
        'PAYOUT_WAIVER_NOT_NEEDED',
      );
      const waived = await admin.post(`/api/tips/${tip.id}/payouts/waivers`).send({ staffId: editor.user.id, reason: 'Only editor on the night shift' });
      expect(waived.status).toBe(201);
      expect((await admin.post(`/api/tips/${tip.id}/payouts/waivers`).send({ staffId: editor.user.id, reason: 'again' })).body.code).toBe(
        'PAYOUT_WAIVER_EXISTS',
      );
      const offered = await editor.post(`/api/tips/${tip.id}/payouts`).send(GBP);
      expect(offered.status).toBe(201);
      expect(offered.body.events[0].detail).toMatchObject({ offeredUnderWaiver: true, secretSeenBy: [editor.user.id], tipLoggedBy: [editor.user.id] });
      await (await contributor(tip.reference, tip.secret)).post(`/api/contributor/payouts/${offered.body.id}/accept`).send(freshUk()).expect(200);
      const p = await read(offered.body.id);
      expect(codes(p)).toEqual(['LOGGED_BY_OFFERER']);
      const audit = (await t.db.query(`SELECT actor_id, after FROM audit_events WHERE entity_id = $1 AND action = 'payout.conflict_waived'`, [tip.id])).rows;
      expect(audit).toEqual([{ actor_id: admin.user.id, after: { staffId: editor.user.id, reason: 'Only editor on the night shift' } }]);
      await accountant
        .post(`/api/payouts/${p.id}/approve`)
        .send({ version: p.version, acknowledgeRisks: ['LOGGED_BY_OFFERER'] })
        .expect(200);
    });

    it('on the tip page an admin sees who took the call and lets them offer (303); an editor sees no such section', async () => {
      const tip = await phoneTip(editor);
      const page = await admin.get(`/desk/tips/${tip.id}`).expect(200);
      expect(page.text).toContain('id="secret-holders"');
      expect(page.text).toContain(`value="${editor.user.id}"`);
      expect((await editor.get(`/desk/tips/${tip.id}`).expect(200)).text).not.toContain('id="secret-holders"');
      const noReason = await request(t.url)
        .post(`/desk/tips/${tip.id}/payout-waivers`)
        .set('Cookie', admin.cookie)
        .type('form')
        .send({ _csrf: admin.csrfToken, staffId: editor.user.id, reason: '' });
      expect(noReason.status).toBe(400);
      expect(noReason.text).toContain('id="waiver-error"');
      const done = await request(t.url)
        .post(`/desk/tips/${tip.id}/payout-waivers`)
        .set('Cookie', admin.cookie)
        .type('form')
        .send({ _csrf: admin.csrfToken, staffId: editor.user.id, reason: 'Only editor on shift' });
      expect(done.status).toBe(303);
      expect((await admin.get(`/desk/tips/${tip.id}`).expect(200)).text).toContain('may offer (waived)');
      await editor.post(`/api/tips/${tip.id}/payouts`).send(GBP).expect(201);
    });

    it('a waiver by an admin who saw the secret themselves: 403', async () => {
      const tip = await phoneTip(admin);
      const res = await admin.post(`/api/tips/${tip.id}/payouts/waivers`).send({ staffId: admin.user.id, reason: 'me' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_CONFLICT_OF_INTEREST');
    });
  });

  describe('the API', () => {
    it('acknowledgeRisks naming an unknown code: 400 naming the field', async () => {
      const p = await accepted();
      const res = await accountant.post(`/api/payouts/${p.id}/approve`).send({ version: p.version, acknowledgeRisks: ['NOT_A_RISK'] });
      expect(res.status).toBe(400);
      expect(res.body.fields).toHaveProperty('acknowledgeRisks');
    });

    it('GET /api/payouts/totals counts the open risks of payouts awaiting approval', async () => {
      await accepted({ extraCookie: editor.cookie });
      const totals = (await accountant.get('/api/payouts/totals').expect(200)).body as { currency: string; state: string; risks: Record<string, number> }[];
      const accepted_ = totals.find((row) => row.currency === 'GBP' && row.state === 'accepted')!;
      expect(accepted_.risks.PAYEE_FROM_STAFF_BROWSER).toBeGreaterThanOrEqual(1);
      expect(totals.find((row) => row.state === 'approved')?.risks).toEqual({});
    });
  });

  describe('on /accounts', () => {
    const form = (who: SignedInStaff, path: string, fields: [string, string][]) =>
      request(t.url)
        .post(path)
        .set('Cookie', who.cookie)
        .type('form')
        .send(new URLSearchParams([['_csrf', who.csrfToken], ...fields]).toString());

    it('approve asks for confirmation showing the payee (masked), amount and tip reference with each risk to tick; unticked: 409 and the reason; ticked: 303 approved', async () => {
      const p = await accepted({
        extraCookie: editor.cookie,
        payee: { confirmLicence: true, method: 'uk_bank', accountName: 'Quinn Payee', sortCode: '20-00-00', accountNumber: '44556677' },
      });
      const page = await admin.get(`/accounts/payouts/${p.id}/approve`).expect(200);
      expect(page.text).toContain(`id="approve-${p.id}-payee">Q*** P***`);
      expect(page.text).toContain('****6677');
      expect(page.text).not.toContain('44556677');
      expect(page.text).toMatch(new RegExp(`id="approve-${p.id}-amount">£250`));
      expect(page.text).toContain(`id="approve-${p.id}-tip">${p.tip.reference}`);
      expect(page.text).toContain('value="PAYEE_FROM_STAFF_BROWSER"');
      const refused = await form(admin, `/accounts/payouts/${p.id}/approve`, [['version', String(p.version)]]);
      expect(refused.status).toBe(409);
      expect(refused.text).toContain(`id="approve-${p.id}-problem"`);
      expect((await read(p.id)).state).toBe('accepted');
      const done = await form(admin, `/accounts/payouts/${p.id}/approve`, [
        ['version', String(p.version)],
        ['acknowledgeRisks', 'PAYEE_FROM_STAFF_BROWSER'],
      ]);
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/accounts?notice=approved');
      expect((await read(p.id)).state).toBe('approved');
    });

    it('bulk approve of selected payouts: each on its own, each risk acknowledged; refusals reported per payout', async () => {
      const plain = await accepted();
      const risky = await accepted({ extraCookie: editor.cookie });
      const own = await accepted({ by: admin });
      const overview = await admin.get('/accounts').expect(200);
      expect(overview.text).toContain('id="bulk-approve"');
      expect(overview.text).toContain(`name="ids" value="${plain.id}" form="bulk-approve"`);
      const confirm = await admin.get(`/accounts/approve?ids=${plain.id}&ids=${risky.id}&ids=${own.id}`).expect(200);
      for (const p of [plain, risky, own]) expect(confirm.text).toContain(`id="approve-${p.id}"`);
      expect(confirm.text).toContain(`name="ack:${risky.id}" value="PAYEE_FROM_STAFF_BROWSER"`);
      const results = await form(admin, '/accounts/approve', [
        ['ids', plain.id],
        [`version:${plain.id}`, String(plain.version)],
        ['ids', risky.id],
        [`version:${risky.id}`, String(risky.version)],
        ['ids', own.id],
        [`version:${own.id}`, String(own.version)],
      ]);
      expect(results.status).toBe(200);
      expect(results.text).toContain('1 of 3 approved');
      expect(results.text).toMatch(new RegExp(`data-payout="${plain.id}" data-outcome="approved"`));
      expect(results.text).toMatch(new RegExp(`data-payout="${risky.id}" data-outcome="refused"`));
      expect(results.text).toContain('PAYEE_FROM_STAFF_BROWSER');
      expect(results.text).toMatch(new RegExp(`data-payout="${own.id}" data-outcome="refused"`));
      expect(results.text).toContain('a different person in accounting must approve it');
      expect((await read(plain.id)).state).toBe('approved');
      expect((await read(risky.id)).state).toBe('accepted');
      const again = await form(admin, '/accounts/approve', [
        ['ids', risky.id],
        [`version:${risky.id}`, String(risky.version)],
        [`ack:${risky.id}`, 'PAYEE_FROM_STAFF_BROWSER'],
      ]);
      expect(again.text).toContain('1 of 1 approved');
      expect((await read(risky.id)).state).toBe('approved');
    });
  });
});
