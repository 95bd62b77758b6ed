import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { PayoutsService } from '../../src/payouts/payouts.service.js';
import type { PayoutState } from '../../src/payouts/payouts.entities.js';
import type { StaffPrincipal } from '../../src/staff/access.js';
import { contributorWithTip, type SignedInContributor as Contributor } from '../support/fixtures.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const offer = { amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' };
// Distinctive values, so the plaintext scan cannot match them by chance.
const UK = { confirmLicence: true, method: 'uk_bank', accountName: 'Quentin Payee-Holder', sortCode: '60-16-13', accountNumber: '31926819' };
const IBAN = { confirmLicence: true, method: 'iban', accountName: 'Ingrid Ibanholder', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' };

describe('payouts API', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let otherEditor: SignedInStaff;
  let accountant: SignedInStaff;
  let otherAccountant: SignedInStaff;
  let admin: SignedInStaff;
  let service: PayoutsService;
  let dataSource: DataSource;
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    editor = await signedInStaff(t, 'editor', { name: 'Esther Editor' });
    otherEditor = await signedInStaff(t, 'editor');
    accountant = await signedInStaff(t, 'accounting', { name: 'Amir Accounts' });
    otherAccountant = await signedInStaff(t, 'accounting');
    admin = await signedInStaff(t, 'admin');
    service = t.app.get(PayoutsService);
    dataSource = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t.close();
  });

  const principal = (s: SignedInStaff): StaffPrincipal => ({ id: s.user.id, email: s.user.email, name: s.user.name, role: s.user.role, totpEnabled: false });

  /** A tip sent through the public API, its contributor signed in; its secret is kept for the check that no log holds one. */
  async function newContributor(): Promise<Contributor> {
    const c = await contributorWithTip(t);
    secrets.push(c.secret);
    return c;
  }

  async function offered(c: Contributor, body: object = offer, by: SignedInStaff = editor) {
    const res = await by.post(`/api/tips/${c.id}/payouts`).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; version: number; state: PayoutState };
  }

  async function accepted(c: Contributor, body: object = offer, payee: object = UK) {
    const p = await offered(c, body);
    await c.post(`/api/contributor/payouts/${p.id}/accept`).send(payee).expect(200);
    return (await accountant.get(`/api/payouts/${p.id}`).expect(200)).body as { id: string; version: number; state: PayoutState; payee: { id: string } };
  }

  async function approved(c: Contributor, body: object = offer, payee: object = UK) {
    const p = await accepted(c, body, payee);
    return (
      await accountant
        .post(`/api/payouts/${p.id}/approve`)
        .send({ version: p.version, acknowledgeRisks: await openRiskCodes(admin, p.id) })
        .expect(200)
    ).body as { id: string; version: number; state: PayoutState };
  }

  /** A batch row (marked sent) and approved → batched through the service (the batches work owns creating them over HTTP). */
  async function batched(payoutIds: string[]): Promise<string> {
    return dataSource.transaction(async (manager) => {
      const [batch] = await manager.query(
        `INSERT INTO payout_batches (format, currency, created_by, count, total_minor) VALUES ('bankline-csv', 'GBP', $1, 0, 0) RETURNING id`,
        [accountant.user.id],
      );
      const { count } = await service.batchApproved(
        manager,
        principal(accountant),
        batch.id,
        { currency: 'GBP', methods: ['uk_bank', 'iban', 'paypal'], payoutIds },
        payoutIds.length,
      );
      expect(count).toBe(payoutIds.length);
      // Marked sent, as accounting would once the file went to the bank: only then can it settle.
      await manager.query(`UPDATE payout_batches SET state = 'sent' WHERE id = $1`, [batch.id]);
      return batch.id as string;
    });
  }

  const contributorPayout = async (c: Contributor, id: string) =>
    ((await c.get('/api/contributor/tip').expect(200)).body.payouts as { id: string; state: string; stateText: string; payeeMasked: string | null }[]).find(
      (p) => p.id === id,
    )!;

  describe('the money path', () => {
    let c: Contributor;
    let payoutId: string;
    let version: number;

    beforeAll(async () => {
      c = await newContributor();
    });

    it('an editor offers £250: 201, offered, with a bank-safe reference', async () => {
      const res = await editor.post(`/api/tips/${c.id}/payouts`).send({ ...offer, legalFlags: { witness: false, crime: false } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        tipId: c.id,
        amountMinor: 25_000,
        currency: 'GBP',
        licence: 'exclusive',
        state: 'offered',
        offeredBy: editor.user.id,
        allowedStates: ['accepted', 'declined', 'cancelled'],
        payee: null,
        version: 1,
      });
      expect(res.body.bankReference).toMatch(/^TIPDESK [0-9A-HJKMNP-TV-Z]{8}$/);
      expect(res.body.bankReference.length).toBeLessThanOrEqual(18);
      payoutId = res.body.id;
    });

    it('the contributor reads the offer in plain words', async () => {
      expect(await contributorPayout(c, payoutId)).toEqual({
        id: payoutId,
        amountMinor: 25_000,
        currency: 'GBP',
        licence: 'exclusive',
        state: 'offered',
        stateText: 'We’d like to pay you £250 for exclusive use of your story',
        payeeMasked: null,
        // Issue 11: the payment card's how, when and statement reference.
        payeeMethod: null,
        bankReference: expect.stringMatching(/^TIPDESK [0-9A-Z]{8}$/),
        changedAt: expect.any(String),
      });
    });

    it('the contributor accepts with UK bank details: 200, accepted, masked payee', async () => {
      const res = await c.post(`/api/contributor/payouts/${payoutId}/accept`).send(UK);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: payoutId,
        state: 'accepted',
        payeeMasked: '****6819',
        stateText: 'Offer accepted: the payment is waiting for approval',
      });
    });

    it('staff see the payee masked only', async () => {
      const res = await accountant.get(`/api/payouts/${payoutId}`).expect(200);
      expect(res.body.payee).toMatchObject({ version: 1, method: 'uk_bank', masked: '****6819', accountNameMasked: 'Q*** P***' });
      expect(JSON.stringify(res.body)).not.toMatch(/31926819|601613|Quentin/);
      version = res.body.version;
    });

    it('a different accountant approves: 200, approved', async () => {
      const res = await accountant.post(`/api/payouts/${payoutId}/approve`).send({ version, acknowledgeRisks: await openRiskCodes(admin, payoutId) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ state: 'approved', approvedBy: accountant.user.id });
      expect((await contributorPayout(c, payoutId)).stateText).toBe('Payment approved');
    });

    it('a batch takes it (batched): the contributor reads "Payment scheduled"', async () => {
      await batched([payoutId]);
      expect((await contributorPayout(c, payoutId)).stateText).toBe('Payment scheduled');
      version = (await accountant.get(`/api/payouts/${payoutId}`)).body.version;
    });

    it('accounting marks it paid with the bank reference: the contributor reads "Paid"', async () => {
      const res = await accountant.post(`/api/payouts/${payoutId}/mark-paid`).send({ version, reference: 'FP-20261125-0001' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ state: 'paid', paidReference: 'FP-20261125-0001', allowedStates: [] });
      expect((await contributorPayout(c, payoutId)).stateText).toBe('Paid');
    });

    it('every move is a payout event (actor, role, from, to) and an audit event', async () => {
      const res = await accountant.get(`/api/payouts/${payoutId}`).expect(200);
      expect(
        res.body.events.map((e: { fromState: string | null; toState: string; role: string; actorId: string | null }) => [
          e.fromState,
          e.toState,
          e.role,
          e.actorId,
        ]),
      ).toEqual([
        [null, 'offered', 'editor', editor.user.id],
        ['offered', 'accepted', 'contributor', null],
        ['accepted', 'approved', 'accounting', accountant.user.id],
        ['approved', 'batched', 'accounting', accountant.user.id],
        ['batched', 'paid', 'accounting', accountant.user.id],
      ]);
      const audit = (await t.db.query(`SELECT action FROM audit_events WHERE entity_type = 'payout' AND entity_id = $1 ORDER BY at, id`, [payoutId])).rows;
      expect(audit.map((a) => a.action)).toEqual(['payout.offered', 'payout.accepted', 'payout.approved', 'payout.batched', 'payout.paid']);
    });

    it('payout events are append-only in the database', async () => {
      await expect(t.db.query(`UPDATE payout_events SET reason = 'x' WHERE payout_id = $1`, [payoutId])).rejects.toThrow(/append-only/);
      await expect(t.db.query(`DELETE FROM payout_events WHERE payout_id = $1`, [payoutId])).rejects.toThrow(/append-only/);
      await expect(t.db.query(`UPDATE payee_details SET masked = 'x'`)).rejects.toThrow(/append-only/);
    });

    it('the editor sees the tip’s payouts; accounting lists and totals them', async () => {
      const forTip = await editor.get(`/api/tips/${c.id}/payouts`).expect(200);
      expect(forTip.body.map((p: { id: string }) => p.id)).toEqual([payoutId]);
      const list = await accountant.get('/api/payouts?state=paid').expect(200);
      expect(list.body.items.map((p: { id: string }) => p.id)).toContain(payoutId);
      const totals = await accountant.get('/api/payouts/totals').expect(200);
      expect(totals.body).toEqual(expect.arrayContaining([expect.objectContaining({ currency: 'GBP', state: 'paid', count: 1, totalMinor: 25_000 })]));
    });
  });

  describe('offers: bad amounts and currencies (400 naming the field)', () => {
    let c: Contributor;
    beforeAll(async () => {
      c = await newContributor();
    });
    const bad = async (body: object, field: string) => {
      const res = await editor.post(`/api/tips/${c.id}/payouts`).send({ ...offer, ...body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.fields)).toEqual([field]);
    };
    it('amountMinor -1: 400', () => bad({ amountMinor: -1 }, 'amountMinor'));
    it('amountMinor 0: 400', () => bad({ amountMinor: 0 }, 'amountMinor'));
    it('amountMinor 1.5: 400', () => bad({ amountMinor: 1.5 }, 'amountMinor'));
    it('amountMinor 10^12: 400', () => bad({ amountMinor: 10 ** 12 }, 'amountMinor'));
    it('amountMinor "250" (a string): 400', () => bad({ amountMinor: '250' }, 'amountMinor'));
    it('currency XXX: 400', () => bad({ currency: 'XXX' }, 'currency'));
    it('licence "forever": 400', () => bad({ licence: 'forever' }, 'licence'));
    it('legalFlags.witness "yes": 400', () => bad({ legalFlags: { witness: 'yes', crime: false } }, 'legalFlags.witness'));
    it('an offer on an unknown tip: 404 TIP_NOT_FOUND', async () => {
      const res = await editor.post(`/api/tips/00000000-0000-4000-8000-000000000000/payouts`).send(offer);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('TIP_NOT_FOUND');
    });
    it('the database refuses a zero amount even past the API', async () => {
      await expect(
        t.db.query(
          `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, bank_reference, offered_by, offered_at)
         SELECT id, contributor_id, 0, 'GBP', 'exclusive', 'TIPDESK ZERO0000', $2, now() FROM tips WHERE id = $1`,
          [c.id, editor.user.id],
        ),
      ).rejects.toThrow(/ck_payouts_amount_minor/);
    });
  });

  describe('accept: bad payee details (400 naming the field)', () => {
    let c: Contributor;
    let payoutId: string;
    beforeAll(async () => {
      c = await newContributor();
      payoutId = (await offered(c)).id;
    });
    const bad = async (body: object, field: string) => {
      const res = await c.post(`/api/contributor/payouts/${payoutId}/accept`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.fields)).toEqual([field]);
      expect((await contributorPayout(c, payoutId)).state).toBe('offered');
    };
    it('an IBAN with wrong check digits: 400 iban', () => bad({ ...IBAN, iban: 'DE88370400440532013000' }, 'iban'));
    it('a BIC of 5 characters: 400 bic', () => bad({ ...IBAN, bic: 'COBAD' }, 'bic'));
    it('a sort code of 5 digits: 400 sortCode', () => bad({ ...UK, sortCode: '60-16-1' }, 'sortCode'));
    it('an account number of 10 digits: 400 accountNumber', () => bad({ ...UK, accountNumber: '3192681912' }, 'accountNumber'));
    it('an account number with letters: 400 accountNumber', () => bad({ ...UK, accountNumber: '3192681X' }, 'accountNumber'));
    it('a PayPal email without @: 400 paypalEmail', () =>
      bad({ confirmLicence: true, method: 'paypal', accountName: 'P Pal', paypalEmail: 'nobody.example.com' }, 'paypalEmail'));
    it('confirmLicence missing: 400 confirmLicence', () => bad({ ...UK, confirmLicence: undefined }, 'confirmLicence'));
    it('confirmLicence false: 400 confirmLicence', () => bad({ ...UK, confirmLicence: false }, 'confirmLicence'));
    it('method "cash": 400 method', () => bad({ ...UK, method: 'cash' }, 'method'));
    it('a valid IBAN and BIC: 200, masked DE** **** 3000', async () => {
      const res = await c.post(`/api/contributor/payouts/${payoutId}/accept`).send(IBAN).expect(200);
      expect(res.body.payeeMasked).toBe('DE** **** 3000');
      const snapshot = await service.payeeSnapshot(payoutId);
      expect(snapshot).toMatchObject({
        method: 'iban',
        accountName: 'Ingrid Ibanholder',
        account: { method: 'iban', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
        payeeVersion: 1,
      });
    });
  });

  describe('refusals', () => {
    it('accepting a cancelled offer: 409', async () => {
      const c = await newContributor();
      const p = await offered(c);
      await editor.post(`/api/payouts/${p.id}/cancel`).send({ version: p.version, reason: 'Story spiked' }).expect(200);
      const res = await c.post(`/api/contributor/payouts/${p.id}/accept`).send(UK);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'PAYOUT_ILLEGAL_TRANSITION', from: 'cancelled', to: 'accepted' });
      expect((await contributorPayout(c, p.id)).stateText).toBe('This offer was withdrawn');
    });

    it('accepting a declined offer: 409', async () => {
      const c = await newContributor();
      const p = await offered(c);
      await c.post(`/api/contributor/payouts/${p.id}/decline`).send({}).expect(200);
      const res = await c.post(`/api/contributor/payouts/${p.id}/accept`).send(UK);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'PAYOUT_ILLEGAL_TRANSITION', from: 'declined' });
      expect(await t.count("payee_details WHERE contributor_id = (SELECT contributor_id FROM tips WHERE id = '" + c.id + "')")).toBe(0);
    });

    it('approving your own offer: 403 PAYOUT_OWN_OFFER (admin offered, admin approves)', async () => {
      const c = await newContributor();
      const p = await offered(c, offer, admin);
      await c.post(`/api/contributor/payouts/${p.id}/accept`).send(UK).expect(200);
      const res = await admin.post(`/api/payouts/${p.id}/approve`).send({ version: 2, acknowledgeRisks: await openRiskCodes(admin, p.id) });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_OWN_OFFER');
    });

    it('approving twice: 409', async () => {
      const c = await newContributor();
      const p = await approved(c);
      const again = await otherAccountant.post(`/api/payouts/${p.id}/approve`).send({ version: p.version, acknowledgeRisks: await openRiskCodes(admin, p.id) });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'PAYOUT_ILLEGAL_TRANSITION', from: 'approved', to: 'approved' });
      const stale = await otherAccountant
        .post(`/api/payouts/${p.id}/approve`)
        .send({ version: p.version - 1, acknowledgeRisks: await openRiskCodes(admin, p.id) });
      expect(stale.status).toBe(409);
      expect(stale.body.code).toBe('PAYOUT_STALE_VERSION');
      expect(stale.body.current).toMatchObject({ id: p.id, state: 'approved', version: p.version });
    });

    it('approving a payout flagged under clause 15 without sign-off: 409; after an admin signs off: 200', async () => {
      const c = await newContributor();
      const p = await accepted(c, { ...offer, legalFlags: { witness: true, crime: false } });
      const refused = await accountant.post(`/api/payouts/${p.id}/approve`).send({ version: p.version, acknowledgeRisks: await openRiskCodes(admin, p.id) });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('PAYOUT_LEGAL_SIGN_OFF_REQUIRED');
      expect((await accountant.post(`/api/payouts/${p.id}/legal-sign-off`).send({ version: p.version })).status).toBe(403);
      const signed = await admin.post(`/api/payouts/${p.id}/legal-sign-off`).send({ version: p.version, reason: 'Lawyer cleared it' }).expect(200);
      expect(signed.body).toMatchObject({ state: 'accepted', legalSignedOffBy: admin.user.id });
      await accountant
        .post(`/api/payouts/${p.id}/approve`)
        .send({ version: signed.body.version, acknowledgeRisks: await openRiskCodes(admin, p.id) })
        .expect(200);
    });

    it('an editor cancelling another editor’s offer: 403 PAYOUT_NOT_YOUR_OFFER', async () => {
      const c = await newContributor();
      const p = await offered(c);
      const res = await otherEditor.post(`/api/payouts/${p.id}/cancel`).send({ version: p.version, reason: 'Not mine' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_NOT_YOUR_OFFER');
    });

    it('cancelling a batched payout: 409', async () => {
      const c = await newContributor();
      const p = await approved(c);
      await batched([p.id]);
      const res = await accountant.post(`/api/payouts/${p.id}/cancel`).send({ version: p.version + 1, reason: 'Too late' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'PAYOUT_ILLEGAL_TRANSITION', from: 'batched', to: 'cancelled' });
    });

    it('a contributor session reaching another tip’s payout: 404', async () => {
      const mine = await newContributor();
      const theirs = await newContributor();
      const p = await offered(theirs);
      const accept = await mine.post(`/api/contributor/payouts/${p.id}/accept`).send(UK);
      expect(accept.status).toBe(404);
      expect(accept.body.code).toBe('PAYOUT_NOT_FOUND');
      expect((await mine.post(`/api/contributor/payouts/${p.id}/decline`).send({})).status).toBe(404);
      expect((await contributorPayout(theirs, p.id)).state).toBe('offered');
    });

    it('a contributor session calling staff payout routes: 401 AUTH_REQUIRED (no staff sign-in), nothing changed', async () => {
      const c = await newContributor();
      const p = await offered(c);
      const payoutsBefore = await t.count('payouts');
      for (const res of [
        await c.get('/api/payouts'),
        await c.get(`/api/payouts/${p.id}`),
        await c.post(`/api/payouts/${p.id}/approve`).send({ version: 1, acknowledgeRisks: await openRiskCodes(admin, p.id) }),
        await c.post(`/api/tips/${c.id}/payouts`).send(offer),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('AUTH_REQUIRED');
      }
      expect(await t.count('payouts')).toBe(payoutsBefore);
      expect((await contributorPayout(c, p.id)).state).toBe('offered');
    });
  });

  describe('payee changes, holds, failures and reissue', () => {
    it('new payee details put an approved payout using the old ones on hold', async () => {
      const c = await newContributor();
      const first = await approved(c);
      const second = await offered(c, { ...offer, amountMinor: 5_000 });
      await c
        .post(`/api/contributor/payouts/${second.id}/accept`)
        .send({ ...UK, accountNumber: '12345678' })
        .expect(200);
      const held = (await accountant.get(`/api/payouts/${first.id}`).expect(200)).body;
      expect(held).toMatchObject({ state: 'held', payee: { version: 2, masked: '****5678' } });
      expect(held.events.at(-1)).toMatchObject({ fromState: 'approved', toState: 'held', reason: 'payee details changed', actorType: 'contributor' });
      const released = await accountant.post(`/api/payouts/${first.id}/release`).send({ version: held.version }).expect(200);
      expect(released.body).toMatchObject({ state: 'accepted', approvedBy: null });
    });

    it('the same payee details again make no new version and hold nothing', async () => {
      const c = await newContributor();
      const first = await approved(c);
      const second = await offered(c, { ...offer, amountMinor: 5_000 });
      await c
        .post(`/api/contributor/payouts/${second.id}/accept`)
        .send({ ...UK, sortCode: '601613' })
        .expect(200);
      const after = (await accountant.get(`/api/payouts/${first.id}`).expect(200)).body;
      expect(after).toMatchObject({ state: 'approved', payee: { version: 1 } });
    });

    it('hold needs a reason: 400 reason', async () => {
      const c = await newContributor();
      const p = await accepted(c);
      const res = await accountant.post(`/api/payouts/${p.id}/hold`).send({ version: p.version });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['reason']);
    });

    it('a failed payout is reissued as a new accepted payout pointing to it, approved again by someone else', async () => {
      const c = await newContributor();
      const p = await approved(c);
      await batched([p.id]);
      const failed = await accountant
        .post(`/api/payouts/${p.id}/mark-failed`)
        .send({ version: p.version + 1, reason: 'ARUCS 0: refer to payer' })
        .expect(200);
      expect(failed.body).toMatchObject({ state: 'failed', failureReason: 'ARUCS 0: refer to payer' });
      expect((await contributorPayout(c, p.id)).stateText).toBe('Payment failed – please update your details');

      const reissued = await otherAccountant.post(`/api/payouts/${p.id}/reissue`).send({ version: failed.body.version });
      expect(reissued.status).toBe(201);
      expect(reissued.body).toMatchObject({ state: 'accepted', replacesPayoutId: p.id, amountMinor: 25_000, approvedBy: null });
      expect(reissued.body.bankReference).not.toBe(failed.body.bankReference);
      const twice = await otherAccountant.post(`/api/payouts/${p.id}/reissue`).send({ version: failed.body.version });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('PAYOUT_ALREADY_REISSUED');

      const byReissuer = await otherAccountant
        .post(`/api/payouts/${reissued.body.id}/approve`)
        .send({ version: reissued.body.version, acknowledgeRisks: await openRiskCodes(admin, reissued.body.id) });
      expect(byReissuer.status).toBe(403);
      expect(byReissuer.body.code).toBe('PAYOUT_OWN_OFFER');
      await accountant
        .post(`/api/payouts/${reissued.body.id}/approve`)
        .send({ version: reissued.body.version, acknowledgeRisks: await openRiskCodes(admin, reissued.body.id) })
        .expect(200);
    });

    it('after a failed payment the contributor updates their details: the reissue pays the new account', async () => {
      const c = await newContributor();
      const p = await approved(c);
      await batched([p.id]);
      const failed = await accountant
        .post(`/api/payouts/${p.id}/mark-failed`)
        .send({ version: p.version + 1, reason: 'ARUCS B: account closed' })
        .expect(200);
      const changed = await c
        .post('/api/contributor/payouts/payee-details')
        .send({ method: 'paypal', accountName: 'Quentin Payee-Holder', paypalEmail: 'quentin@example.org' });
      expect(changed.status).toBe(200);
      expect(changed.body.find((x: { id: string }) => x.id === p.id)).toMatchObject({ state: 'failed', payeeMasked: '****6819' });
      const reissued = await accountant.post(`/api/payouts/${p.id}/reissue`).send({ version: failed.body.version }).expect(201);
      expect(reissued.body.payee).toMatchObject({ version: 2, method: 'paypal', masked: 'q***@example.org' });
    });

    it('changing payee details before accepting any offer: 409 PAYOUT_NO_PAYEE_YET', async () => {
      const c = await newContributor();
      await offered(c);
      const res = await c
        .post('/api/contributor/payouts/payee-details')
        .send({ method: 'uk_bank', accountName: 'A Person', sortCode: '601613', accountNumber: '31926819' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('PAYOUT_NO_PAYEE_YET');
    });

    it('changing payee details to a bad sort code: 400 sortCode', async () => {
      const c = await newContributor();
      await accepted(c);
      const res = await c
        .post('/api/contributor/payouts/payee-details')
        .send({ method: 'uk_bank', accountName: 'A Person', sortCode: '6016', accountNumber: '31926819' });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['sortCode']);
    });

    it('two accountants approving the same version at once: one 200, one 409', async () => {
      const c = await newContributor();
      const p = await accepted(c);
      const results = await Promise.all(
        [accountant, otherAccountant].map(async (who) =>
          who.post(`/api/payouts/${p.id}/approve`).send({ version: p.version, acknowledgeRisks: await openRiskCodes(admin, p.id) }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const events = (await t.db.query(`SELECT count(*)::int AS n FROM payout_events WHERE payout_id = $1 AND to_state = 'approved'`, [p.id])).rows[0].n;
      expect(events).toBe(1);
    });

    it('reissuing a payout that has not failed: 409 PAYOUT_NOT_FAILED', async () => {
      const c = await newContributor();
      const p = await approved(c);
      const res = await accountant.post(`/api/payouts/${p.id}/reissue`).send({ version: p.version });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('PAYOUT_NOT_FAILED');
    });
  });

  it('no table holds a plaintext account number, IBAN, account holder name or contributor secret; no log line either', async () => {
    const { rows: tables } = await t.db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    const needles = [
      '31926819',
      '12345678',
      '3192681912',
      '3192681X',
      'DE88370400440532013000',
      'quentin@example.org',
      'DE89370400440532013000',
      '370400440532013000',
      'Quentin Payee-Holder',
      'Ingrid Ibanholder',
      'COBADEFFXXX',
    ];
    for (const secret of secrets) needles.push(secret, secret.replace(/-/g, ''));
    expect(tables.length).toBeGreaterThan(10);
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM payee_details`)).rows[0].n)).toBeGreaterThan(3);
    for (const { tablename } of tables) {
      const { rows } = await t.db.query(`SELECT t::text AS row FROM "${tablename}" t`);
      for (const { row } of rows) for (const needle of needles) expect(`${tablename}: ${row}`).not.toContain(needle);
    }
    const logs = t.logs.join('\n');
    for (const needle of needles) expect(logs).not.toContain(needle);
  });
});
