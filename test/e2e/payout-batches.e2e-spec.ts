import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import type request from 'supertest';
import { generateBankReference } from '../../src/payouts/payout-words.js';
import { contributorWithTip } from '../support/fixtures.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const GBP = { amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' };
const EUR = { amountMinor: 40_050, currency: 'EUR', licence: 'non_exclusive' };
const UK = { confirmLicence: true, method: 'uk_bank', accountName: 'Zoë Ørsted-Łukasz', sortCode: '60-16-13', accountNumber: '31926819' };
const UK_LATER = { confirmLicence: true, method: 'uk_bank', accountName: 'Someone Else Entirely', sortCode: '40-47-84', accountNumber: '70872490' };
const IBAN = { confirmLicence: true, method: 'iban', accountName: 'Ingrid Ibanholder', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' };
const PAYPAL = { confirmLicence: true, method: 'paypal', accountName: 'Pat Paypal', paypalEmail: 'pat.paypal@example.com' };

/** The paying account for every bank format (names from src/config/app-config.ts). */
const PAYER_ENV = {
  PAYER_NAME: 'TIPDESK NEWS',
  PAYER_SORT_CODE: '200000',
  PAYER_ACCOUNT_NUMBER: '55779911',
  BACS_SERVICE_USER_NUMBER: '123456',
  SEPA_DEBTOR_NAME: 'Tipdesk News Ltd',
  SEPA_DEBTOR_IBAN: 'GB33BUKB20201555555555',
  SEPA_DEBTOR_BIC: 'BUKBGB22',
};

interface Batch {
  id: string;
  reference: string;
  format: string;
  currency: string;
  state: string;
  count: number;
  totals: { currency: string; totalMinor: number }[];
  fileSha256: string;
  processingDate: string;
  version: number;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The response body as raw bytes, whatever its content type. */
const rawBody = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('payout batches API', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  let otherAccountant: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp(PAYER_ENV);
    editor = await signedInStaff(t, 'editor', { name: 'Esther Editor' });
    accountant = await signedInStaff(t, 'accounting', { name: 'Amir Accounts' });
    otherAccountant = await signedInStaff(t, 'accounting', { name: 'Olga Accounts' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** offered by an editor → accepted by the contributor with `payee` → approved by accounting. */
  async function approved(offer: object = GBP, payee: object = UK) {
    const c = await contributorWithTip(t, { name: 'Casey Contributor' });
    const offered = (await editor.post(`/api/tips/${c.id}/payouts`).send(offer).expect(201)).body;
    await c.post(`/api/contributor/payouts/${offered.id}/accept`).send(payee).expect(200);
    const { version } = (await accountant.get(`/api/payouts/${offered.id}`).expect(200)).body;
    const res = await accountant
      .post(`/api/payouts/${offered.id}/approve`)
      .send({ version, acknowledgeRisks: await openRiskCodes(accountant, offered.id) })
      .expect(200);
    return { ...(res.body as { id: string; bankReference: string; version: number }), contributor: c };
  }

  async function createBatch(body: object, by: SignedInStaff = accountant): Promise<Batch> {
    const res = await by.post('/api/payout-batches').send(body);
    expect(res.status).toBe(201);
    return res.body as Batch;
  }

  async function download(id: string) {
    const res = await accountant.get(`/api/payout-batches/${id}/file`).buffer(true).parse(rawBody);
    expect(res.status).toBe(200);
    return { res, bytes: res.body as Buffer };
  }

  const payoutRow = async (id: string) =>
    (await t.db.query(`SELECT state, batch_id, paid_reference, failure_reason FROM payouts WHERE id = $1`, [id])).rows[0] as {
      state: string;
      batch_id: string | null;
      paid_reference: string | null;
      failure_reason: string | null;
    };

  const reconcile = (id: string, csv: string) => accountant.post(`/api/payout-batches/${id}/reconcile`).set('Content-Type', 'text/csv').send(csv);

  describe('happy path per format', () => {
    it('csv ledger: 201 {id, format, count, totals, fileSha256}; the payouts are batched in it', async () => {
      const uk = await approved(GBP, UK);
      const pp = await approved({ ...GBP, amountMinor: 1_250 }, PAYPAL);
      const batch = await createBatch({ format: 'csv', currency: 'GBP' });
      expect(batch).toMatchObject({ format: 'csv', currency: 'GBP', state: 'locked', count: 2, totals: [{ currency: 'GBP', totalMinor: 26_250 }] });
      expect(batch.fileSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(batch.reference).toMatch(/^TDB-[0-9A-F]{12}$/);
      for (const p of [uk, pp]) expect(await payoutRow(p.id)).toMatchObject({ state: 'batched', batch_id: batch.id });
      const events = (await accountant.get(`/api/payouts/${uk.id}`).expect(200)).body.events as { fromState: string; toState: string }[];
      expect(events.at(-1)).toMatchObject({ fromState: 'approved', toState: 'batched' });
      const audit = (await t.db.query(`SELECT action, actor_id FROM audit_events WHERE entity_type = 'payout_batch' AND entity_id = $1`, [batch.id])).rows;
      expect(audit).toEqual([{ action: 'payout_batch.created', actor_id: accountant.user.id }]);

      const first = await download(batch.id);
      const second = await download(batch.id);
      expect(second.bytes.equals(first.bytes)).toBe(true);
      expect(sha256(first.bytes)).toBe(batch.fileSha256);
      expect(first.res.headers.etag).toBe(`"${batch.fileSha256}"`);
      expect(first.res.headers.digest).toBe(`sha-256=${Buffer.from(batch.fileSha256, 'hex').toString('base64')}`);
      expect(first.res.headers['content-type']).toMatch(/^text\/csv/);
      // Issue 11: named as the ledger export it is.
      expect(first.res.headers['content-disposition']).toBe(`attachment; filename="tipdesk-ledger-${batch.reference}.csv"`);
      expect(first.res.headers['cache-control']).toBe('no-store');

      const rows = parse(first.bytes.toString('utf8')) as string[][];
      expect(rows).toHaveLength(3);
      expect(
        rows
          .slice(1)
          .map((r) => r[3])
          .sort(),
      ).toEqual([uk.bankReference, pp.bankReference].sort());
      // The ledger masks accounts: the last four only.
      expect(first.bytes.toString('utf8')).not.toContain('31926819');
      expect(first.bytes.toString('utf8')).toContain('****6819');
      const downloads = await t.db.query(`SELECT actor_id FROM audit_events WHERE action = 'payout_batch.downloaded' AND entity_id = $1`, [batch.id]);
      expect(downloads.rows).toEqual([{ actor_id: accountant.user.id }, { actor_id: accountant.user.id }]);
    });

    it('bankline-csv: the payer’s account, the payee’s sort code and account, the name transliterated; later payee changes never change the file', async () => {
      const p = await approved(GBP, UK);
      const batch = await createBatch({ format: 'bankline-csv' });
      expect(batch).toMatchObject({ format: 'bankline-csv', currency: 'GBP', count: 1, totals: [{ currency: 'GBP', totalMinor: 25_000 }] });
      const { bytes, res } = await download(batch.id);
      expect(sha256(bytes)).toBe(batch.fileSha256);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="tipdesk-${batch.reference}.csv"`);
      const [record] = parse(bytes.toString('utf8')) as string[][];
      const ddmmyyyy = `${batch.processingDate.slice(8, 10)}${batch.processingDate.slice(5, 7)}${batch.processingDate.slice(0, 4)}`;
      expect([record[0], record[9], record[13], record[15], record[21], record[27], record[29], record[33]]).toEqual([
        '01',
        '20000055779911',
        '250.00',
        ddmmyyyy,
        '601613',
        '31926819',
        'ZOE ORSTED-LUKASZ',
        p.bankReference,
      ]);

      // The contributor gives new details (a new payee version) and the payout is even pointed at them:
      // the batch's file still comes from its snapshot.
      const again = (await editor.post(`/api/tips/${p.contributor.id}/payouts`).send(GBP).expect(201)).body;
      await p.contributor.post(`/api/contributor/payouts/${again.id}/accept`).send(UK_LATER).expect(200);
      const newer = (await t.db.query(`SELECT payee_details_id FROM payouts WHERE id = $1`, [again.id])).rows[0].payee_details_id;
      await t.db.query(`UPDATE payouts SET payee_details_id = $2 WHERE id = $1`, [p.id, newer]);
      const after = await download(batch.id);
      expect(after.bytes.equals(bytes)).toBe(true);
      expect(after.bytes.toString('utf8')).not.toContain('70872490');
      await t.db.query(`UPDATE payouts SET state = 'cancelled', version = version + 1 WHERE id = $1`, [again.id]);
    });

    it('bacs-std18: 100-character records from VOL1 to UTL1, credits balanced by one contra', async () => {
      await approved({ ...GBP, amountMinor: 12_345 }, UK);
      const batch = await createBatch({ format: 'bacs-std18' });
      const { bytes, res } = await download(batch.id);
      expect(sha256(bytes)).toBe(batch.fileSha256);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="tipdesk-${batch.reference}.txt"`);
      const lines = bytes.toString('latin1').split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines.every((l) => l.length === 100)).toBe(true);
      expect(lines.map((l) => l.slice(0, 4))).toEqual(['VOL1', 'HDR1', 'HDR2', 'UHL1', '6016', '2000', 'EOF1', 'EOF2', 'UTL1']);
      expect(lines[4].slice(15, 17)).toBe('99');
      expect(lines[5].slice(15, 17)).toBe('17');
    });

    it('sepa-pain001: EUR IBAN payees only, currency defaults to EUR, the MsgId is the batch reference', async () => {
      await approved(EUR, IBAN);
      const batch = await createBatch({ format: 'sepa-pain001' });
      expect(batch).toMatchObject({ currency: 'EUR', count: 1, totals: [{ currency: 'EUR', totalMinor: 40_050 }] });
      const { bytes, res } = await download(batch.id);
      expect(sha256(bytes)).toBe(batch.fileSha256);
      expect(res.headers['content-type']).toMatch(/^application\/xml/);
      const xml = bytes.toString('utf8');
      expect(xml).toContain(`<MsgId>${batch.reference}</MsgId>`);
      expect(xml).toContain('<IBAN>DE89370400440532013000</IBAN>');
      expect(xml).toContain('<InstdAmt Ccy="EUR">400.50</InstdAmt>');
    });

    it('paypal-csv: PayPal payees in one currency', async () => {
      const p = await approved({ ...GBP, amountMinor: 999 }, PAYPAL);
      const batch = await createBatch({ format: 'paypal-csv', currency: 'GBP' });
      expect(batch).toMatchObject({ count: 1, totals: [{ currency: 'GBP', totalMinor: 999 }] });
      const { bytes } = await download(batch.id);
      expect(sha256(bytes)).toBe(batch.fileSha256);
      expect((parse(bytes.toString('utf8')) as string[][])[0].slice(0, 4)).toEqual([
        'pat.paypal@example.com',
        '9.99',
        'GBP',
        p.bankReference.replace(' ', '-'),
      ]);
    });

    it("a download that would differ from the stored SHA-256 (the stored payer altered behind the app's back) is cut off, never completed", async () => {
      const [batch] = ((await accountant.get('/api/payout-batches?state=locked').expect(200)).body.items as Batch[]).filter((b) => b.format === 'bankline-csv');
      const {
        rows: [{ payer_snapshot: kept }],
      } = await t.db.query(`SELECT payer_snapshot FROM payout_batches WHERE id = $1`, [batch.id]);
      await t.db.query(`UPDATE payout_batches SET payer_snapshot = $2 WHERE id = $1`, [batch.id, JSON.stringify({ ...kept, accountNumber: '11223344' })]);
      try {
        await expect(accountant.get(`/api/payout-batches/${batch.id}/file`).buffer(true).parse(rawBody)).rejects.toThrow();
      } finally {
        await t.db.query(`UPDATE payout_batches SET payer_snapshot = $2 WHERE id = $1`, [batch.id, JSON.stringify(kept)]);
      }
      expect(sha256((await download(batch.id)).bytes)).toBe(batch.fileSha256);
    });

    it('a batch keeps the paying account it was made with: a later change of the account (here its environment default) never changes its download', async () => {
      const [batch] = ((await accountant.get('/api/payout-batches?state=locked').expect(200)).body.items as Batch[]).filter((b) => b.format === 'bankline-csv');
      const before = t.config.PAYER_ACCOUNT_NUMBER;
      t.config.PAYER_ACCOUNT_NUMBER = '11223344';
      try {
        expect(sha256((await download(batch.id)).bytes)).toBe(batch.fileSha256);
      } finally {
        t.config.PAYER_ACCOUNT_NUMBER = before;
      }
    });

    it('each snapshot is stored encrypted: no account number, IBAN or name in payout_batch_items', async () => {
      const rows = (await t.db.query(`SELECT snapshot_encrypted FROM payout_batch_items`)).rows as { snapshot_encrypted: string }[];
      expect(rows.length).toBeGreaterThan(0);
      for (const { snapshot_encrypted } of rows) {
        expect(snapshot_encrypted).toMatch(/^v1:/);
        expect(snapshot_encrypted).not.toMatch(/31926819|DE89370400440532013000|pat\.paypal|Ingrid/);
      }
    });

    it('lists batches newest first, filters by state, and reads one', async () => {
      const list = (await accountant.get('/api/payout-batches?limit=2').expect(200)).body;
      expect(list.items).toHaveLength(2);
      expect(list.items[0].format).toBe('paypal-csv');
      expect(list.nextCursor).toEqual(expect.any(String));
      const next = (await accountant.get(`/api/payout-batches?limit=2&cursor=${list.nextCursor}`).expect(200)).body;
      expect(next.items[0].id).not.toBe(list.items[1].id);
      const locked = (await accountant.get('/api/payout-batches?state=locked').expect(200)).body;
      expect(locked.items.length).toBe(5);
      const one = await accountant.get(`/api/payout-batches/${list.items[0].id}`).expect(200);
      expect(one.body).toEqual(list.items[0]);
    });
  });

  describe('which payouts a batch takes', () => {
    it('csv without a currency: the currency of the oldest approval, and only that currency', async () => {
      const eur = await approved(EUR, IBAN);
      const gbp = await approved(GBP, UK);
      const batch = await createBatch({ format: 'csv' });
      expect(batch).toMatchObject({ currency: 'EUR', count: 1, totals: [{ currency: 'EUR', totalMinor: 40_050 }] });
      expect(await payoutRow(eur.id)).toMatchObject({ state: 'batched', batch_id: batch.id });
      expect(await payoutRow(gbp.id)).toMatchObject({ state: 'approved', batch_id: null });
      await accountant.post(`/api/payout-batches/${(await createBatch({ format: 'csv' })).id}/sent`).expect(200);
      await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
    });

    it('paypal-csv takes at most 5,000 payouts per file; the rest wait for the next batch', async () => {
      const template = await approved({ ...GBP, amountMinor: 500 }, PAYPAL);
      await t.db.query(
        `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, approved_by, approved_at, payee_details_id)
         SELECT tip_id, contributor_id, amount_minor, currency, licence, 'approved', 'TIPDESK P' || lpad(n::text, 7, '0'), offered_by, offered_at, approved_by, now() + n * interval '1 microsecond', payee_details_id
           FROM payouts, generate_series(1, 5000) AS n WHERE id = $1`,
        [template.id],
      );
      const first = await createBatch({ format: 'paypal-csv', currency: 'GBP' });
      expect(first).toMatchObject({ count: 5000, totals: [{ currency: 'GBP', totalMinor: 2_500_000 }] });
      const { bytes } = await download(first.id);
      expect(sha256(bytes)).toBe(first.fileSha256);
      expect(bytes.toString('utf8').trimEnd().split('\r\n')).toHaveLength(5000);
      const second = await createBatch({ format: 'paypal-csv', currency: 'GBP' });
      expect(second.count).toBe(1);
      // The first file was downloaded, so it may be at the bank: marked sent, never voided.
      for (const b of [first, second]) await accountant.post(`/api/payout-batches/${b.id}/sent`).expect(200);
      await t.db.query(`UPDATE payouts SET state = 'cancelled', version = version + 1 WHERE state = 'approved' AND currency = 'GBP'`);
    });

    it('a batch of 2,000 payouts: every payout batched at its next version, one payout event, one audit event and one snapshot each', async () => {
      const template = await approved(GBP, UK);
      await t.db.query(
        `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, approved_by, approved_at, payee_details_id, version)
         SELECT tip_id, contributor_id, amount_minor + n, currency, licence, 'approved', 'TIPDESK B' || lpad(n::text, 7, '0'), offered_by, offered_at, approved_by, now() + n * interval '1 microsecond', payee_details_id, 1 + n % 3
           FROM payouts, generate_series(1, 1999) AS n WHERE id = $1`,
        [template.id],
      );
      const before = new Map(
        (await t.db.query(`SELECT id, version FROM payouts WHERE state = 'approved' AND currency = 'GBP'`)).rows.map((r: { id: string; version: number }) => [
          r.id,
          r.version,
        ]),
      );
      expect(before.size).toBe(2000);
      const batch = await createBatch({ format: 'bankline-csv', currency: 'GBP' });
      expect(batch).toMatchObject({ count: 2000, totals: [{ currency: 'GBP', totalMinor: 2000 * 25_000 + (1999 * 2000) / 2 }] });

      const payouts = (await t.db.query(`SELECT id, state, version, batch_id FROM payouts WHERE batch_id = $1`, [batch.id])).rows as {
        id: string;
        state: string;
        version: number;
        batch_id: string;
      }[];
      expect(payouts).toHaveLength(2000);
      for (const p of payouts) expect(p).toMatchObject({ state: 'batched', version: before.get(p.id)! + 1 });
      const [events] = (
        await t.db.query(
          `SELECT count(*)::int AS n, count(DISTINCT e.payout_id)::int AS payouts,
                count(*) FILTER (WHERE e.from_state = 'approved' AND e.actor_type = 'staff' AND e.actor_id = $2 AND e.role = 'accounting')::int AS right
           FROM payout_events e JOIN payouts p ON p.id = e.payout_id WHERE p.batch_id = $1 AND e.to_state = 'batched'`,
          [batch.id, accountant.user.id],
        )
      ).rows;
      expect(events).toEqual({ n: 2000, payouts: 2000, right: 2000 });
      const [audit] = (
        await t.db.query(
          `SELECT count(*)::int AS n, count(DISTINCT entity_id)::int AS payouts,
                count(*) FILTER (WHERE before = '{"state":"approved"}'::jsonb AND after = jsonb_build_object('state', 'batched', 'batchId', $3::text) AND actor_id = $2)::int AS right
           FROM audit_events WHERE action = 'payout.batched' AND entity_type = 'payout' AND entity_id IN (SELECT id FROM payouts WHERE batch_id = $1)`,
          [batch.id, accountant.user.id, batch.id],
        )
      ).rows;
      expect(audit).toEqual({ n: 2000, payouts: 2000, right: 2000 });
      const [items] = (
        await t.db.query(
          `SELECT count(*)::int AS n, min(position) AS first, max(position) AS last, count(DISTINCT payout_id)::int AS payouts FROM payout_batch_items WHERE batch_id = $1`,
          [batch.id],
        )
      ).rows;
      expect(items).toEqual({ n: 2000, first: 1, last: 2000, payouts: 2000 });

      const { bytes } = await download(batch.id);
      expect(sha256(bytes)).toBe(batch.fileSha256);
      expect(bytes.toString('utf8').trimEnd().split('\r\n')).toHaveLength(2000);
      await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
      await t.db.query(`UPDATE payouts SET state = 'cancelled', version = version + 1 WHERE state = 'approved' AND currency = 'GBP'`);
    });
  });

  describe('bad inputs', () => {
    it('nothing to pay: 400 BATCH_NOTHING_TO_PAY, and no batch row and no item', async () => {
      const batches = await t.count('payout_batches');
      const items = await t.count('payout_batch_items');
      const res = await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('BATCH_NOTHING_TO_PAY');
      expect(await t.count('payout_batches')).toBe(batches);
      expect(await t.count('payout_batch_items')).toBe(items);
    });

    it('a currency the format cannot carry (sepa-pain001 in GBP): 400 naming currency', async () => {
      const res = await accountant.post('/api/payout-batches').send({ format: 'sepa-pain001', currency: 'GBP' });
      expect(res.status).toBe(400);
      expect(res.body.fields.currency).toBeDefined();
    });

    it('an unknown format: 400 naming format', async () => {
      const res = await accountant.post('/api/payout-batches').send({ format: 'swift-mt103' });
      expect(res.status).toBe(400);
      expect(res.body.fields.format).toBeDefined();
    });

    it('an unknown batch: 404 BATCH_NOT_FOUND (also for its file)', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      expect((await accountant.get(`/api/payout-batches/${missing}`)).body.code).toBe('BATCH_NOT_FOUND');
      expect((await accountant.get(`/api/payout-batches/${missing}/file`)).status).toBe(404);
    });

    it('an editor: 403 on every batch route', async () => {
      const [batch] = (await accountant.get('/api/payout-batches').expect(200)).body.items as Batch[];
      expect((await editor.post('/api/payout-batches').send({ format: 'csv' })).status).toBe(403);
      expect((await editor.get('/api/payout-batches')).status).toBe(403);
      expect((await editor.get(`/api/payout-batches/${batch.id}`)).status).toBe(403);
      expect((await editor.get(`/api/payout-batches/${batch.id}/file`)).status).toBe(403);
      expect((await editor.post(`/api/payout-batches/${batch.id}/void`)).status).toBe(403);
      expect((await editor.post(`/api/payout-batches/${batch.id}/sent`)).status).toBe(403);
      expect((await editor.post(`/api/payout-batches/${batch.id}/reconcile`).set('Content-Type', 'text/csv').send('x,paid,y')).status).toBe(403);
    });
  });

  describe('void, sent, reconcile', () => {
    it('void: 200 voided, its payouts return to approved and can be batched again', async () => {
      const a = await approved(GBP, UK);
      const b = await approved({ ...GBP, amountMinor: 7_500 }, UK);
      const batch = await createBatch({ format: 'bankline-csv' });
      expect(batch.count).toBe(2);
      const res = await accountant.post(`/api/payout-batches/${batch.id}/void`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ state: 'voided', version: batch.version + 1 });
      for (const p of [a, b]) expect(await payoutRow(p.id)).toMatchObject({ state: 'approved', batch_id: null });
      const events = (await accountant.get(`/api/payouts/${a.id}`).expect(200)).body.events as { fromState: string; toState: string; reason: string }[];
      expect(events.at(-1)).toMatchObject({ fromState: 'batched', toState: 'approved', reason: 'batch voided' });
      const audit = (await t.db.query(`SELECT action, before, after FROM audit_events WHERE entity_id = $1 AND action = 'payout_batch.voided'`, [batch.id]))
        .rows;
      expect(audit).toEqual([
        { action: 'payout_batch.voided', before: { state: 'locked' }, after: { state: 'voided', returnedPayoutIds: expect.arrayContaining([a.id, b.id]) } },
      ]);

      expect((await t.db.query(`SELECT live FROM payout_batch_items WHERE batch_id = $1`, [batch.id])).rows).toEqual([{ live: false }, { live: false }]);

      const again = await createBatch({ format: 'bankline-csv' });
      expect(again.count).toBe(2);
      for (const p of [a, b]) expect(await payoutRow(p.id)).toMatchObject({ state: 'batched', batch_id: again.id });
      expect((await t.db.query(`SELECT live FROM payout_batch_items WHERE batch_id = $1`, [again.id])).rows).toEqual([{ live: true }, { live: true }]);
      await accountant.post(`/api/payout-batches/${again.id}/void`).expect(200);
      await accountant.post(`/api/payout-batches/${(await createBatch({ format: 'bankline-csv' })).id}/sent`).expect(200);
    });

    it('the database keeps a payout in one live batch: a second live item for it, inserted by SQL, fails with a unique violation', async () => {
      const a = await approved(GBP, UK);
      const live = await createBatch({ format: 'bankline-csv' });
      const [item] = (await t.db.query(`SELECT snapshot_encrypted FROM payout_batch_items WHERE batch_id = $1 AND payout_id = $2`, [live.id, a.id])).rows;
      // Another batch row to hang the stray item on, as a bug or a hand-written statement might.
      const [other] = (
        await t.db.query(
          `INSERT INTO payout_batches (format, currency, created_by, count, total_minor, state) VALUES ('csv', 'GBP', $1, 1, $2, 'locked') RETURNING id`,
          [accountant.user.id, GBP.amountMinor],
        )
      ).rows;
      const insertStray = (live?: boolean) =>
        t.db.query(
          `INSERT INTO payout_batch_items (batch_id, payout_id, position, snapshot_encrypted${live === undefined ? '' : ', live'}) VALUES ($1, $2, 1, $3${live === undefined ? '' : ', $4'})`,
          live === undefined ? [other.id, a.id, item.snapshot_encrypted] : [other.id, a.id, item.snapshot_encrypted, live],
        );
      await expect(insertStray()).rejects.toMatchObject({ code: '23505', constraint: 'uq_payout_batch_items_payout_id_live' });
      await expect(insertStray(true)).rejects.toMatchObject({ code: '23505', constraint: 'uq_payout_batch_items_payout_id_live' });
      // Turning a voided batch's item live again while the payout sits in a live batch is refused too.
      await accountant.post(`/api/payout-batches/${live.id}/void`).expect(200);
      const relive = await createBatch({ format: 'bankline-csv' });
      expect(await payoutRow(a.id)).toMatchObject({ state: 'batched', batch_id: relive.id });
      await expect(t.db.query(`UPDATE payout_batch_items SET live = true WHERE batch_id = $1`, [live.id])).rejects.toMatchObject({
        code: '23505',
        constraint: 'uq_payout_batch_items_payout_id_live',
      });
      await t.db.query(`DELETE FROM payout_batches WHERE id = $1`, [other.id]);
      await accountant.post(`/api/payout-batches/${relive.id}/sent`).expect(200); // out of the way of the tests below
    });

    it('void a voided batch: 409 BATCH_ILLEGAL_TRANSITION', async () => {
      const voided = (await accountant.get('/api/payout-batches?state=voided').expect(200)).body.items[0] as Batch;
      const res = await accountant.post(`/api/payout-batches/${voided.id}/void`);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'BATCH_ILLEGAL_TRANSITION', from: 'voided', to: 'voided' });
    });

    describe('a sent batch', () => {
      let batch: Batch;
      let paid: { id: string; bankReference: string };
      let failed: { id: string; bankReference: string };

      beforeAll(async () => {
        paid = await approved(GBP, UK);
        failed = await approved({ ...GBP, amountMinor: 3_000 }, UK);
        batch = await createBatch({ format: 'bankline-csv' }, otherAccountant);
        expect(batch.count).toBe(2);
      });

      it('reconcile a batch not yet sent: 409 BATCH_NOT_SENT', async () => {
        const res = await reconcile(batch.id, `${paid.bankReference},paid,FP-1\r\n`);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('BATCH_NOT_SENT');
        expect((await payoutRow(paid.id)).state).toBe('batched');
      });

      it('sent: 200, locked → sent, with an audit event and a payout event per payout', async () => {
        const res = await accountant.post(`/api/payout-batches/${batch.id}/sent`);
        expect(res.status).toBe(200);
        expect(res.body.state).toBe('sent');
        const events = (await accountant.get(`/api/payouts/${paid.id}`).expect(200)).body.events as { fromState: string; toState: string; reason: string }[];
        expect(events.at(-1)).toMatchObject({ fromState: 'batched', toState: 'batched', reason: `batch ${batch.reference} sent to the bank` });
        const audit = (await t.db.query(`SELECT after FROM audit_events WHERE entity_id = $1 AND action = 'payout_batch.sent'`, [batch.id])).rows;
        expect(audit).toEqual([{ after: { state: 'sent' } }]);
      });

      it('void after sent: 409 BATCH_ILLEGAL_TRANSITION, payouts stay batched', async () => {
        const res = await accountant.post(`/api/payout-batches/${batch.id}/void`);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ code: 'BATCH_ILLEGAL_TRANSITION', from: 'sent', to: 'voided' });
        expect(await payoutRow(paid.id)).toMatchObject({ state: 'batched', batch_id: batch.id });
      });

      it('sent twice: 409 BATCH_ILLEGAL_TRANSITION', async () => {
        expect((await accountant.post(`/api/payout-batches/${batch.id}/sent`)).status).toBe(409);
      });

      it('reconcile naming a payout not in this batch: 400 naming the row, nothing applied', async () => {
        const outsider = await approved({ ...GBP, currency: 'EUR' }, IBAN);
        const res = await reconcile(
          batch.id,
          `payout reference,result,bank reference or reason\r\n${paid.bankReference},paid,FP-1\r\n${outsider.bankReference},paid,FP-2\r\n`,
        );
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.fields['row 3']).toEqual([expect.stringContaining(outsider.bankReference)]);
        expect(await payoutRow(paid.id)).toMatchObject({ state: 'batched', paid_reference: null });
        await t.db.query(`UPDATE payouts SET state = 'cancelled', version = version + 1 WHERE id = $1`, [outsider.id]);
      });

      it('reconcile with an unknown result word: 400 naming the row, nothing applied', async () => {
        const res = await reconcile(batch.id, `${paid.bankReference},paid,FP-1\r\n${failed.bankReference},bounced,R01\r\n`);
        expect(res.status).toBe(400);
        expect(res.body.fields['row 2']).toEqual([expect.stringContaining('paid or failed')]);
        expect((await payoutRow(paid.id)).state).toBe('batched');
      });

      it('reconcile with a paid row lacking the bank reference: 400 naming the row', async () => {
        const res = await reconcile(batch.id, `${paid.bankReference},paid,\r\n`);
        expect(res.status).toBe(400);
        expect(res.body.fields['row 1']).toEqual(['the bank reference is empty']);
      });

      it('reconcile with a control character in a reason: 400 naming the row', async () => {
        const res = await reconcile(batch.id, `${failed.bankReference},failed,R01\u0000\r\n`);
        expect(res.status).toBe(400);
        expect(res.body.fields['row 1']).toEqual(['the reason contains control characters']);
      });

      it('reconcile failing part-way (the database refuses the second row): nothing applied, the batch stays sent', async () => {
        await t.db.query(`CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`);
        await t.db.query(
          `CREATE TRIGGER test_refuse_boom BEFORE UPDATE ON payouts FOR EACH ROW WHEN (NEW.failure_reason = 'BOOM') EXECUTE FUNCTION test_refuse_boom()`,
        );
        try {
          const res = await reconcile(batch.id, `${paid.bankReference},paid,FP-OK\r\n${failed.bankReference},failed,BOOM\r\n`);
          expect(res.status).toBe(500);
        } finally {
          await t.db.query(`DROP TRIGGER test_refuse_boom ON payouts`);
          await t.db.query(`DROP FUNCTION test_refuse_boom()`);
        }
        expect(await payoutRow(paid.id)).toMatchObject({ state: 'batched', paid_reference: null });
        expect((await accountant.get(`/api/payout-batches/${batch.id}`).expect(200)).body.state).toBe('sent');
      });

      it('reconcile sent as JSON: 415', async () => {
        const res = await accountant.post(`/api/payout-batches/${batch.id}/reconcile`).send({ rows: [] });
        expect(res.status).toBe(415);
      });

      it('reconcile with a file over 1 MB: 413, nothing applied', async () => {
        const big = `${paid.bankReference},paid,FP-1\r\n`.repeat(40_000);
        const res = await reconcile(batch.id, big);
        expect(res.status).toBe(413);
        expect((await payoutRow(paid.id)).state).toBe('batched');
      });

      it('reconcile paid and failed: 200, the payouts paid (bank reference) and failed (reason), the batch closed', async () => {
        const res = await reconcile(
          batch.id,
          `${paid.bankReference},paid,FP-20261125-0001\r\n${failed.bankReference.toLowerCase()},FAILED,ARUCS 0 REFER TO PAYER\r\n`,
        );
        expect(res.status).toBe(200);
        expect(res.body.batch).toMatchObject({ id: batch.id, state: 'closed' });
        expect(res.body.results).toEqual([
          { payoutId: paid.id, bankReference: paid.bankReference, result: 'paid', applied: true },
          { payoutId: failed.id, bankReference: failed.bankReference, result: 'failed', applied: true },
        ]);
        expect(await payoutRow(paid.id)).toMatchObject({ state: 'paid', paid_reference: 'FP-20261125-0001' });
        expect(await payoutRow(failed.id)).toMatchObject({ state: 'failed', failure_reason: 'ARUCS 0 REFER TO PAYER' });
        // reconciled and closed share a transaction (and so a timestamp): compared as a set.
        const audit = (await t.db.query(`SELECT action FROM audit_events WHERE entity_id = $1`, [batch.id])).rows.map((r) => r.action as string);
        expect(audit.sort()).toEqual(['payout_batch.closed', 'payout_batch.created', 'payout_batch.reconciled', 'payout_batch.sent']);
      });

      it('reconcile a closed batch: 409 BATCH_NOT_SENT', async () => {
        expect((await reconcile(batch.id, `${paid.bankReference},paid,FP-20261125-0001\r\n`)).body.code).toBe('BATCH_NOT_SENT');
      });
    });

    it('a partly reconciled batch stays sent; the same row again changes nothing; a contradicting row is 409', async () => {
      const a = await approved(GBP, UK);
      const b = await approved(GBP, UK);
      const batch = await createBatch({ format: 'bankline-csv' });
      await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
      const first = await reconcile(batch.id, `${a.bankReference},paid,FP-A\r\n`);
      expect(first.status).toBe(200);
      expect(first.body.batch.state).toBe('sent');
      const again = await reconcile(batch.id, `${a.bankReference},paid,FP-A\r\n`);
      expect(again.body.results).toEqual([expect.objectContaining({ payoutId: a.id, applied: false })]);
      const contradicting = await reconcile(batch.id, `${a.bankReference},failed,R01\r\n${b.bankReference},paid,FP-B\r\n`);
      expect(contradicting.status).toBe(409);
      expect(contradicting.body.code).toBe('BATCH_RECONCILE_CONFLICT');
      expect((await payoutRow(b.id)).state).toBe('batched');
      const last = await reconcile(batch.id, `${b.bankReference},paid,FP-B\r\n`);
      expect(last.body.batch.state).toBe('closed');
    });
  });

  it('a batch larger than a page (4,500 payouts): every payout once, in approval order, and the same bytes on every download', async () => {
    const template = await approved(GBP, UK);
    await t.db.query(`UPDATE payouts SET state = 'cancelled', version = version + 1 WHERE id = $1`, [template.id]);
    const { rows: seeded } = await t.db.query(
      `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, approved_by, approved_at, payee_details_id)
       SELECT tip_id, contributor_id, 100 + n, currency, licence, 'approved', 'TIPDESK BIG' || lpad(n::text, 5, '0'), offered_by, offered_at, approved_by,
              timestamptz '2026-01-01' + make_interval(secs => 4500 - n), payee_details_id
         FROM payouts, generate_series(1, 4500) AS n WHERE id = $1
       RETURNING id`,
      [template.id],
    );
    const batch = await createBatch({ format: 'bankline-csv' });
    expect(batch.count).toBe(4500);
    expect(batch.totals).toEqual([{ currency: 'GBP', totalMinor: 4500 * 100 + (4500 * 4501) / 2 }]);
    const first = await download(batch.id);
    expect(sha256(first.bytes)).toBe(batch.fileSha256);
    expect((await download(batch.id)).bytes.equals(first.bytes)).toBe(true);
    const lines = parse(first.bytes.toString('ascii')) as string[][];
    expect(lines).toHaveLength(4500);
    // Oldest approval first: n = 4500 was approved first, so references run 04500 down to 00001.
    expect(lines.map((line) => line[33])).toEqual(Array.from({ length: 4500 }, (_, i) => `TIPDESK BIG${String(4500 - i).padStart(5, '0')}`));
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS items, count(DISTINCT payout_id)::int AS payouts, min(position) AS first, max(position) AS last FROM payout_batch_items WHERE batch_id = $1`,
      [batch.id],
    );
    expect(rows[0]).toEqual({ items: 4500, payouts: 4500, first: 1, last: 4500 });
    expect(seeded).toHaveLength(4500);
  });

  it('two accountants batching at once, 50 rounds: every approved payout ends in exactly one batch', async () => {
    const template = await approved(GBP, UK);
    await t.db.query(`UPDATE payouts SET state = 'cancelled', version = version + 1 WHERE id = $1`, [template.id]);
    const all: string[] = [];
    const made: Batch[] = [];
    for (let round = 0; round < 50; round += 1) {
      for (let i = 0; i < 4; i += 1) {
        const { rows } = await t.db.query(
          `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, approved_by, approved_at, payee_details_id)
           SELECT tip_id, contributor_id, 100 + $2::int, currency, licence, 'approved', $3, offered_by, offered_at, approved_by, now(), payee_details_id FROM payouts WHERE id = $1
           RETURNING id`,
          [template.id, round * 4 + i, generateBankReference()],
        );
        all.push(rows[0].id);
      }
      const answers = await Promise.all([
        accountant.post('/api/payout-batches').send({ format: 'bankline-csv' }),
        otherAccountant.post('/api/payout-batches').send({ format: 'bankline-csv' }),
      ]);
      for (const res of answers) {
        expect([201, 400]).toContain(res.status);
        if (res.status === 201) made.push(res.body);
        else expect(res.body.code).toBe('BATCH_NOTHING_TO_PAY');
      }
    }
    const rows = (
      await t.db.query(
        `SELECT p.id, p.state, p.batch_id, (SELECT count(*)::int FROM payout_batch_items i WHERE i.payout_id = p.id) AS items
         FROM payouts p WHERE p.id = ANY($1::uuid[])`,
        [all],
      )
    ).rows as { id: string; state: string; batch_id: string; items: number }[];
    expect(rows).toHaveLength(200);
    const madeIds = new Set(made.map((b) => b.id));
    for (const row of rows) {
      expect(row).toMatchObject({ state: 'batched', items: 1 });
      expect(madeIds.has(row.batch_id)).toBe(true);
    }
    expect(made.reduce((sum, b) => sum + b.count, 0)).toBe(200);
    for (const b of made) {
      const inBatch = rows.filter((r) => r.batch_id === b.id);
      expect(inBatch).toHaveLength(b.count);
    }
  });
});

describe('payout batches without the paying account configured', () => {
  let t: TestApp;
  let accountant: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp();
    accountant = await signedInStaff(t, 'accounting');
  });
  afterAll(async () => {
    await t.close();
  });

  // Issue 11: the message is for accountants (in words, no environment variable names); `missing` names the settings for whoever runs tipdesk.
  it("a bankline-csv batch without the paying account's sort code and account number: 409 PAYER_NOT_CONFIGURED naming them in words (and their environment defaults in `missing`), no batch", async () => {
    const res = await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('PAYER_NOT_CONFIGURED');
    expect(res.body.message).toContain('sort code and account number');
    expect(res.body.message).toContain('Paper settings');
    expect(res.body.message).not.toMatch(/PAYER_|_NUMBER/);
    expect(res.body.missing).toEqual([
      { field: 'sortCode', envDefault: 'PAYER_SORT_CODE' },
      { field: 'accountNumber', envDefault: 'PAYER_ACCOUNT_NUMBER' },
    ]);
    expect(await t.count('payout_batches')).toBe(0);
  });

  it('a sepa-pain001 batch without the SEPA debtor: 409 PAYER_NOT_CONFIGURED naming what is missing', async () => {
    const res = await accountant.post('/api/payout-batches').send({ format: 'sepa-pain001' });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/SEPA debtor name, SEPA debtor IBAN and SEPA debtor BIC/);
    expect(res.body.missing.map((m: { envDefault: string }) => m.envDefault)).toEqual(['SEPA_DEBTOR_NAME', 'SEPA_DEBTOR_IBAN', 'SEPA_DEBTOR_BIC']);
  });
});

describe('bank holidays beyond the built-in table (BANK_HOLIDAYS)', () => {
  let t: TestApp;
  let accountant: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp({ ...PAYER_ENV, BANK_HOLIDAYS: '2028-01-03, 2028-04-14' });
    accountant = await signedInStaff(t, 'accounting');
  });
  afterAll(async () => {
    await t.close();
  });

  it('a batch made on 31 December 2027 is paid on 4 January 2028 (1 January a Saturday, 3 January a configured holiday)', async () => {
    const {
      rows: [batch],
    } = await t.db.query(
      `INSERT INTO payout_batches (format, currency, created_by, count, total_minor, created_at) VALUES ('bankline-csv', 'GBP', $1, 0, 0, '2027-12-31T10:00:00Z') RETURNING id`,
      [accountant.user.id],
    );
    const res = await accountant.get(`/api/payout-batches/${batch.id}`).expect(200);
    expect(res.body.processingDate).toBe('2028-01-04');
  });
});
