// Issue 12, the three ways one contributor was paid twice or one editor paid themselves:
// settling a payout whose batch was never marked sent, voiding a batch whose file was already
// downloaded, and offering on a phone tip one logged (and so knows the secret of).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { contributorWithTip } from '../support/fixtures.js';
import { sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const GBP = { amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' };
const UK = { confirmLicence: true, method: 'uk_bank', accountName: 'Morag Payee', sortCode: '60-16-13', accountNumber: '31926819' };
const PAYER_ENV = { PAYER_NAME: 'TIPDESK NEWS', PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911', BACS_SERVICE_USER_NUMBER: '123456' };

interface Batch {
  id: string;
  reference: string;
  state: string;
  count: number;
  version: number;
  firstDownloadedAt?: string | null;
  firstDownloadedBy?: string | null;
}

describe('money guards: nothing paid twice, nobody pays themselves', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  let otherAccountant: SignedInStaff;
  let admin: SignedInStaff;
  let otherAdmin: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp(PAYER_ENV);
    editor = await signedInStaff(t, 'editor', { name: 'Esther Editor' });
    accountant = await signedInStaff(t, 'accounting', { name: 'Amir Accounts' });
    otherAccountant = await signedInStaff(t, 'accounting', { name: 'Olga Accounts' });
    admin = await signedInStaff(t, 'admin', { name: 'Ada Admin' });
    otherAdmin = await signedInStaff(t, 'admin', { name: 'Bea Admin' });
  });
  afterAll(async () => {
    await t.close();
  });

  async function contributorSession(reference: string, secret: string, extraCookie?: string) {
    const signIn = await request(t.url).post('/api/contributor/session').send({ reference, secret }).expect(200);
    const cookie = [sessionCookie(signIn, 'tipdesk_contributor'), ...(extraCookie ? [extraCookie] : [])].join('; ');
    return { post: (path: string) => request(t.url).post(path).set('Cookie', cookie).set(CSRF_HEADER, signIn.body.csrfToken) };
  }

  async function approved(offer: object = GBP) {
    const c = await contributorWithTip(t);
    const offered = (await editor.post(`/api/tips/${c.id}/payouts`).send(offer).expect(201)).body;
    await c.post(`/api/contributor/payouts/${offered.id}/accept`).send(UK).expect(200);
    const { version } = (await accountant.get(`/api/payouts/${offered.id}`).expect(200)).body;
    return (
      await accountant
        .post(`/api/payouts/${offered.id}/approve`)
        .send({ version, acknowledgeRisks: await openRiskCodes(accountant, offered.id) })
        .expect(200)
    ).body as { id: string; bankReference: string; version: number };
  }

  async function createBatch(by: SignedInStaff = accountant): Promise<Batch> {
    const res = await by.post('/api/payout-batches').send({ format: 'bankline-csv' });
    expect(res.status).toBe(201);
    return res.body as Batch;
  }

  const download = (batchId: string, by: SignedInStaff = accountant) => by.get(`/api/payout-batches/${batchId}/file`).buffer(true).expect(200);
  const payout = async (id: string) =>
    (await accountant.get(`/api/payouts/${id}`).expect(200)).body as { id: string; state: string; version: number; batchId: string | null };

  // The settlement rule table (mark-failed, reissue, the database's own refusal) is on the service
  // tier (test/service/batches.service-spec.ts); here, the request for BATCH_NOT_SENT and the void.
  describe('settling a payout whose batch was never marked sent', () => {
    let p: { id: string; bankReference: string };
    let batch: Batch;

    beforeAll(async () => {
      p = await approved();
      batch = await createBatch();
      await download(batch.id);
    });

    it('mark-paid on a payout in a locked batch: 409 BATCH_NOT_SENT, nothing changed', async () => {
      const before = await payout(p.id);
      const res = await accountant.post(`/api/payouts/${p.id}/mark-paid`).send({ version: before.version, reference: 'FP-1' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('BATCH_NOT_SENT');
      expect(await payout(p.id)).toMatchObject({ state: 'batched', version: before.version });
    });

    it('after the batch is voided (by an admin who did not download it), the payout is approved again: mark-paid, mark-failed and reissue are 409, nothing to settle', async () => {
      await otherAdmin
        .post(`/api/payout-batches/${batch.id}/void-undelivered`)
        .send({ reason: 'Bank portal rejected the upload', bankDidNotReceiveFile: true })
        .expect(200);
      const now = await payout(p.id);
      expect(now).toMatchObject({ state: 'approved', batchId: null });
      for (const [action, body] of [
        ['mark-paid', { reference: 'FP-2' }],
        ['mark-failed', { reason: 'R' }],
        ['reissue', {}],
      ] as const) {
        const res = await accountant.post(`/api/payouts/${p.id}/${action}`).send({ version: now.version, ...body });
        expect(res.status).toBe(409);
        expect(['PAYOUT_ILLEGAL_TRANSITION', 'PAYOUT_NOT_FAILED']).toContain(res.body.code);
      }
      expect(await payout(p.id)).toMatchObject({ state: 'approved', version: now.version });
    });

    it('once the batch is marked sent, the payout settles: 200 paid', async () => {
      const q = await approved({ ...GBP, amountMinor: 4_321 });
      const sent = await createBatch();
      await accountant.post(`/api/payout-batches/${sent.id}/sent`).expect(200);
      const now = await payout(q.id);
      const res = await accountant.post(`/api/payouts/${q.id}/mark-paid`).send({ version: now.version, reference: 'FP-OK' });
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('paid');
    });
  });

  describe('voiding a batch whose file was downloaded', () => {
    let p: { id: string };
    let batch: Batch;

    beforeAll(async () => {
      p = await approved({ ...GBP, amountMinor: 12_345 });
      batch = await createBatch();
    });

    it('the first download is recorded on the batch: who and when', async () => {
      expect(batch).toMatchObject({ firstDownloadedAt: null, firstDownloadedBy: null });
      await download(batch.id, admin);
      await download(batch.id, accountant);
      const now = (await accountant.get(`/api/payout-batches/${batch.id}`).expect(200)).body as Batch;
      expect(now.firstDownloadedBy).toBe(admin.user.id);
      expect(Date.parse(now.firstDownloadedAt!)).toBeGreaterThan(0);
    });

    it('void after download by the one who downloaded it: 409 BATCH_DOWNLOADED, the payouts stay in it', async () => {
      const res = await accountant.post(`/api/payout-batches/${batch.id}/void`);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('BATCH_DOWNLOADED');
      expect(await payout(p.id)).toMatchObject({ state: 'batched', batchId: batch.id });
    });

    it('void after download by another accountant: 409 BATCH_DOWNLOADED', async () => {
      const res = await otherAccountant.post(`/api/payout-batches/${batch.id}/void`);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('BATCH_DOWNLOADED');
    });

    it('void after download by an admin without the confirmation (the normal route): 409 BATCH_DOWNLOADED', async () => {
      const res = await otherAdmin.post(`/api/payout-batches/${batch.id}/void`);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('BATCH_DOWNLOADED');
    });

    it('the admin route without the “bank did not receive this file” confirmation: 400 naming it', async () => {
      const res = await otherAdmin.post(`/api/payout-batches/${batch.id}/void-undelivered`).send({ reason: 'Upload failed' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toHaveProperty('bankDidNotReceiveFile');
      expect((await accountant.get(`/api/payout-batches/${batch.id}`).expect(200)).body.state).toBe('locked');
    });

    it('the admin route by an admin who downloaded the file: 403 BATCH_VOID_BY_DOWNLOADER', async () => {
      const res = await admin.post(`/api/payout-batches/${batch.id}/void-undelivered`).send({ reason: 'Upload failed', bankDidNotReceiveFile: true });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('BATCH_VOID_BY_DOWNLOADER');
    });

    it('the admin route by an accountant: 403', async () => {
      const res = await otherAccountant.post(`/api/payout-batches/${batch.id}/void-undelivered`).send({ reason: 'Upload failed', bankDidNotReceiveFile: true });
      expect(res.status).toBe(403);
    });

    it('by a second admin with the confirmation and a reason: 200 voided, the audit names both the downloaders and the voider', async () => {
      const res = await otherAdmin
        .post(`/api/payout-batches/${batch.id}/void-undelivered`)
        .send({ reason: 'The bank portal timed out; nothing arrived', bankDidNotReceiveFile: true });
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('voided');
      expect(await payout(p.id)).toMatchObject({ state: 'approved', batchId: null });
      const [audit] = (await t.db.query(`SELECT actor_id, after FROM audit_events WHERE entity_id = $1 AND action = 'payout_batch.voided'`, [batch.id])).rows;
      expect(audit.actor_id).toBe(otherAdmin.user.id);
      expect(audit.after).toMatchObject({
        state: 'voided',
        bankDidNotReceiveFile: true,
        reason: 'The bank portal timed out; nothing arrived',
        voidedBy: { id: otherAdmin.user.id, name: 'Bea Admin' },
        downloadedBy: expect.arrayContaining([
          { id: admin.user.id, name: 'Ada Admin' },
          { id: accountant.user.id, name: 'Amir Accounts' },
        ]),
      });
    });

    it('a batch never downloaded voids as before: 200', async () => {
      await approved({ ...GBP, amountMinor: 999 });
      const fresh = await createBatch();
      const res = await accountant.post(`/api/payout-batches/${fresh.id}/void`);
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('voided');
    });
  });

  describe('on the pages', () => {
    it('a locked batch’s page says why its payouts have no paid/failed buttons yet; once downloaded, no Void button, and only an admin who did not download it gets the confirmation form', async () => {
      const p = await approved({ ...GBP, amountMinor: 2_222 });
      const batch = await createBatch();
      let html = (await accountant.get(`/accounts/batches/${batch.id}`).expect(200)).text;
      expect(html).toContain(`id="settle-waits-${p.id}"`);
      expect(html).not.toContain(`/accounts/payouts/${p.id}/mark-paid`);
      expect(html).toContain(`/accounts/batches/${batch.id}/void"`);
      await download(batch.id, accountant);
      html = (await accountant.get(`/accounts/batches/${batch.id}`).expect(200)).text;
      expect(html).toContain('id="downloaded-note"');
      expect(html).not.toContain(`/accounts/batches/${batch.id}/void"`);
      expect(html).not.toContain('id="void-undelivered"');
      const page = await otherAdmin.get(`/accounts/batches/${batch.id}`).expect(200);
      expect(page.text).toContain('id="void-undelivered"');
      // The form without the confirmation box ticked: the page again with the reason, nothing voided.
      const refused = await otherAdmin
        .post(`/accounts/batches/${batch.id}/void-undelivered`)
        .type('form')
        .send({ _csrf: otherAdmin.csrfToken, reason: 'Portal down' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('id="void-undelivered-error"');
      const voided = await otherAdmin
        .post(`/accounts/batches/${batch.id}/void-undelivered`)
        .type('form')
        .send({ _csrf: otherAdmin.csrfToken, reason: 'Portal down', bankDidNotReceiveFile: 'true' });
      expect(voided.status).toBe(303);
      expect((await accountant.get(`/api/payout-batches/${batch.id}`).expect(200)).body.state).toBe('voided');
    });

    it('a voided batch’s file is never handed out again: 409 BATCH_VOIDED', async () => {
      await approved({ ...GBP, amountMinor: 3_333 });
      const batch = await createBatch();
      await accountant.post(`/api/payout-batches/${batch.id}/void`).expect(200);
      const res = await accountant.get(`/api/payout-batches/${batch.id}/file`);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('BATCH_VOIDED');
    });
  });

  describe('self-dealing through a phone tip', () => {
    async function phoneTip(by: SignedInStaff) {
      const res = await by.post('/api/tips/phone').send({ callerNumber: '+44 7700 900123', story: 'Caller saw the depot fire start' }).expect(201);
      return res.body as { id: string; reference: string; secret: string };
    }

    it('the editor who logged a phone tip (and was shown its secret) offers on it: 403 PAYOUT_CONFLICT_OF_INTEREST, no payout', async () => {
      const tip = await phoneTip(editor);
      const res = await editor.post(`/api/tips/${tip.id}/payouts`).send(GBP);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_CONFLICT_OF_INTEREST');
      expect((await t.db.query(`SELECT count(*)::int AS n FROM payouts WHERE tip_id = $1`, [tip.id])).rows[0].n).toBe(0);
    });

    it('the admin who logged a phone tip approves a payout on it that another editor offered: 403 PAYOUT_CONFLICT_OF_INTEREST', async () => {
      const tip = await phoneTip(admin);
      const offered = (await editor.post(`/api/tips/${tip.id}/payouts`).send(GBP).expect(201)).body;
      const caller = await contributorSession(tip.reference, tip.secret);
      await caller.post(`/api/contributor/payouts/${offered.id}/accept`).send(UK).expect(200);
      const now = await payout(offered.id);
      const res = await admin.post(`/api/payouts/${offered.id}/approve`).send({ version: now.version, acknowledgeRisks: [] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PAYOUT_CONFLICT_OF_INTEREST');
      expect((await payout(offered.id)).state).toBe('accepted');
    });

    it('the phone tip’s secret is shown once, and who saw it is recorded', async () => {
      const tip = await phoneTip(editor);
      const shown = (await t.db.query(`SELECT actor_id FROM audit_events WHERE entity_id = $1 AND action = 'tip.secret_shown'`, [tip.id])).rows;
      expect(shown).toEqual([{ actor_id: editor.user.id }]);
      const detail = (await editor.get(`/api/tips/${tip.id}`).expect(200)).body;
      expect(JSON.stringify(detail)).not.toContain(tip.secret);
    });
  });
});
