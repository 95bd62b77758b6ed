// Issue 12: the bank's camt.053 statement closes the loop. Fixtures are built as a bank sends
// them and checked against the official ISO 20022 XSDs (test/fixtures/camt.053.001.0{2,8}.xsd).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import request from 'supertest';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { camt053, camt053Text, type StatementEntry } from '../support/camt053.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const PAYER_ENV = { PAYER_NAME: 'TIPDESK NEWS', PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911', BACS_SERVICE_USER_NUMBER: '123456' };
let accountNumber = 30_000_000;

interface Payout {
  id: string;
  bankReference: string;
  state: string;
  version: number;
  paidReference: string | null;
  failureReason: string | null;
  amountMinor: number;
}

describe('bank statement import (camt.053)', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  let otherAccountant: SignedInStaff;
  let admin: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp(PAYER_ENV);
    editor = await signedInStaff(t, 'editor');
    accountant = await signedInStaff(t, 'accounting');
    otherAccountant = await signedInStaff(t, 'accounting');
    admin = await signedInStaff(t, 'admin');
  });
  afterAll(async () => {
    await t.close();
  });

  async function approved(amountMinor: number, currency = 'GBP'): Promise<Payout> {
    const receipt = (
      await request(t.url)
        .post('/api/tips')
        .send({ story: 'Statement tip', ...consent })
        .expect(201)
    ).body;
    const tipId = (await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [receipt.reference])).rows[0].id;
    const offered = (await editor.post(`/api/tips/${tipId}/payouts`).send({ amountMinor, currency, licence: 'exclusive' }).expect(201)).body;
    const signIn = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret }).expect(200);
    const payee =
      currency === 'GBP'
        ? { confirmLicence: true, method: 'uk_bank', accountName: 'Sam Payee', sortCode: '20-00-00', accountNumber: String(++accountNumber) }
        : { confirmLicence: true, method: 'iban', accountName: 'Eva Payee', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' };
    await request(t.url)
      .post(`/api/contributor/payouts/${offered.id}/accept`)
      .set('Cookie', sessionCookie(signIn, 'tipdesk_contributor'))
      .set(CSRF_HEADER, signIn.body.csrfToken)
      .send(payee)
      .expect(200);
    const { version } = (await accountant.get(`/api/payouts/${offered.id}`).expect(200)).body;
    await accountant
      .post(`/api/payouts/${offered.id}/approve`)
      .send({ version, acknowledgeRisks: await openRiskCodes(accountant, offered.id) })
      .expect(200);
    return read(offered.id);
  }

  const read = async (id: string) => (await accountant.get(`/api/payouts/${id}`).expect(200)).body as Payout;

  async function sentBatch(format: string, currency: string): Promise<string> {
    const batch = (await accountant.post('/api/payout-batches').send({ format, currency }).expect(201)).body;
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
    return batch.id;
  }

  const importXml = (xml: string, by: SignedInStaff = accountant) => by.post('/api/bank-statements').set('Content-Type', 'application/xml').send(xml);
  const imports = async () => Number((await t.db.query(`SELECT count(*) AS n FROM bank_statement_imports`)).rows[0].n);

  describe('fixtures', () => {
    it.each(['02', '08'] as const)('a statement as tipdesk’s tests build it validates against the official camt.053.001.%s XSD (xmllint)', async (version) => {
      const file = join(t.dataDir, `camt053-${version}.xml`);
      await writeFile(
        file,
        camt053Text({
          msgId: `XSD-${version}`,
          version,
          entries: [
            { endToEndId: 'TIPDESK 7K3Q9XRM', amount: '250.00' },
            { endToEndId: 'TIPDESK 2B4C6D8E', amount: '12.50', direction: 'CRDT', returnCode: 'AC04', returnInfo: 'Account closed' },
            { remittance: 'Interest & charges <Q4>', amount: '1.00', direction: 'CRDT', status: 'PDNG' },
          ],
        }),
      );
      const { stderr } = await run('xmllint', ['--noout', '--schema', join(FIXTURES, `camt.053.001.${version}.xsd`), file]);
      expect(stderr).toContain('validates');
    });
  });

  describe('a statement of a sent batch', () => {
    let paid: Payout;
    let returned: Payout;
    let offByOnePenny: Payout;
    let untouched: Payout;
    let euro: Payout;
    let xml: string;

    beforeAll(async () => {
      paid = await approved(25_000);
      returned = await approved(12_050);
      offByOnePenny = await approved(9_999);
      untouched = await approved(4_444);
      await sentBatch('bankline-csv', 'GBP');
      euro = await approved(25_000, 'EUR');
      await sentBatch('csv', 'EUR');
      xml = camt053Text({
        msgId: 'STMT-2026-12-08-001',
        entries: [
          { endToEndId: paid.bankReference, amount: '250.00', bankReference: 'FPS-8812' },
          { endToEndId: returned.bankReference.replace(' ', ''), amount: '120.50', direction: 'CRDT', returnCode: 'AC04', returnInfo: 'ACCOUNT CLOSED' },
          { remittance: `Payment ${offByOnePenny.bankReference} thanks`, amount: '99.98' },
          { endToEndId: euro.bankReference, amount: '250.00', currency: 'GBP' },
          { endToEndId: 'TIPDESK ZZZZZZZZ', amount: '10.00' },
          { endToEndId: 'SUPPLIER-INV-77', amount: '500.00' },
          { remittance: 'Reader subscription', amount: '5.00', direction: 'CRDT' },
        ],
      });
    });

    it('POST /api/bank-statements: 201; a matched transfer is paid (the bank’s reference kept), a return (AC04) failed with the reason in words', async () => {
      const res = await importXml(xml);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        msgId: 'STMT-2026-12-08-001',
        messageVersion: 'camt.053.001.02',
        statementIds: ['STMT-2026-12-08-001-1'],
        lineCount: 7,
      });
      expect(res.body.counts).toEqual({ paid: 1, failed: 1, mismatched: 2, unmatched: 2, ignored: 1 });
      expect(await read(paid.id)).toMatchObject({ state: 'paid', paidReference: 'FPS-8812' });
      expect(await read(returned.id)).toMatchObject({ state: 'failed', failureReason: 'Returned by the bank: the account is closed (AC04) – ACCOUNT CLOSED' });
      const events = ((await read(paid.id)) as unknown as { events: { fromState: string; toState: string; actorId: string; reason: string }[] }).events;
      expect(events.at(-1)).toMatchObject({ fromState: 'batched', toState: 'paid', actorId: accountant.user.id, reason: 'bank reference FPS-8812' });
    });

    it('an amount that differs by 1p: listed as mismatched, not applied', async () => {
      expect(await read(offByOnePenny.id)).toMatchObject({ state: 'batched' });
      const statement = (await accountant.get(`/api/bank-statements`).expect(200)).body[0];
      const detail = (await accountant.get(`/api/bank-statements/${statement.id}`).expect(200)).body;
      expect(detail.unapplied).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            payoutReference: offByOnePenny.bankReference,
            outcome: 'mismatched',
            detail: `The bank moved 99.98 GBP; payout ${offByOnePenny.bankReference} is 99.99 GBP`,
          }),
        ]),
      );
    });

    it('the reference of a payout in another currency: mismatched, not applied', async () => {
      expect((await read(euro.id)).state).toBe('batched');
      const [line] = (await t.db.query(`SELECT outcome, detail FROM bank_statement_lines WHERE payout_reference = $1`, [euro.bankReference])).rows;
      expect(line).toEqual({ outcome: 'mismatched', detail: `The bank moved 250.00 GBP; payout ${euro.bankReference} is in EUR` });
    });

    it('an unknown reference, and a transfer without any tipdesk reference: unmatched, listed', async () => {
      const lines = (await t.db.query(`SELECT end_to_end_id, outcome, detail FROM bank_statement_lines WHERE outcome = 'unmatched' ORDER BY position`)).rows;
      expect(lines).toEqual([
        { end_to_end_id: 'TIPDESK ZZZZZZZZ', outcome: 'unmatched', detail: 'No tipdesk payout has the reference TIPDESK ZZZZZZZZ' },
        { end_to_end_id: 'SUPPLIER-INV-77', outcome: 'unmatched', detail: 'No tipdesk reference in the end-to-end id or the remittance information' },
      ]);
      expect((await read(untouched.id)).state).toBe('batched');
    });

    it('the same statement twice: 409 STATEMENT_ALREADY_IMPORTED, nothing changed', async () => {
      const before = await imports();
      const res = await importXml(xml);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('STATEMENT_ALREADY_IMPORTED');
      expect(await imports()).toBe(before);
      expect((await read(paid.id)).state).toBe('paid');
    });

    it('the same statement id in a new message: 409 too', async () => {
      const res = await importXml(
        camt053Text({ msgId: 'STMT-RESENT', statementId: 'STMT-2026-12-08-001-1', entries: [{ endToEndId: untouched.bankReference, amount: '44.44' }] }),
      );
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('STATEMENT_ALREADY_IMPORTED');
      expect((await read(untouched.id)).state).toBe('batched');
    });

    it('a return for a payout already paid: listed as a conflict for a person to resolve, the payout stays paid', async () => {
      const res = await importXml(
        camt053Text({ msgId: 'STMT-RETURN-LATE', entries: [{ endToEndId: paid.bankReference, amount: '250.00', direction: 'CRDT', returnCode: 'MS03' }] }),
      );
      expect(res.status).toBe(201);
      expect(res.body.counts).toEqual({ conflict: 1 });
      expect(res.body.unapplied[0]).toMatchObject({ outcome: 'conflict', detail: expect.stringContaining('returned payout') });
      expect(res.body.unapplied[0].detail).toContain('a person must look into this');
      expect((await read(paid.id)).state).toBe('paid');
    });
  });

  describe('bad input and abuse', () => {
    it('not XML: 400 STATEMENT_NOT_XML, nothing applied', async () => {
      const before = await imports();
      const res = await importXml('this is not <xml');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('STATEMENT_NOT_XML');
      expect(await imports()).toBe(before);
    });

    it('the wrong namespace (a pain.001 payment file): 400 STATEMENT_WRONG_NAMESPACE, nothing applied', async () => {
      const res = await importXml('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('STATEMENT_WRONG_NAMESPACE');
    });

    it('a DOCTYPE with an external entity (XXE): 400 STATEMENT_DOCTYPE_REFUSED, nothing read or applied', async () => {
      const before = await imports();
      const xxe = `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></BkToCstmrStmt></Document>`;
      const res = await importXml(xxe);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('STATEMENT_DOCTYPE_REFUSED');
      expect(JSON.stringify(res.body)).not.toContain('root:');
      expect(await imports()).toBe(before);
    });

    it('billion laughs: 400 STATEMENT_DOCTYPE_REFUSED at once', async () => {
      const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&lol9;</Document>`;
      const res = await importXml(lol);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('STATEMENT_DOCTYPE_REFUSED');
    });

    it('an entity reference without any DOCTYPE: 400 STATEMENT_NOT_XML', async () => {
      const res = await importXml(
        `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></BkToCstmrStmt></Document>`,
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('STATEMENT_NOT_XML');
    });

    it('sent as JSON: 415', async () => {
      const res = await accountant.post('/api/bank-statements').send({ xml: 'x' });
      expect(res.status).toBe(415);
    });

    it('an editor: 403', async () => {
      expect((await editor.post('/api/bank-statements').set('Content-Type', 'application/xml').send('<x/>')).status).toBe(403);
    });

    it('a statement naming a payout whose batch is not marked sent: listed as a conflict, not applied', async () => {
      const p = await approved(3_210);
      await accountant.post('/api/payout-batches').send({ format: 'bankline-csv', currency: 'GBP' }).expect(201);
      const res = await importXml(camt053Text({ msgId: 'STMT-LOCKED', entries: [{ endToEndId: p.bankReference, amount: '32.10' }] }));
      expect(res.status).toBe(201);
      expect(res.body.unapplied).toEqual([
        expect.objectContaining({ outcome: 'conflict', detail: `Payout ${p.bankReference} is in a batch that is not marked sent` }),
      ]);
      expect((await read(p.id)).state).toBe('batched');
    });
  });

  describe('on /accounts', () => {
    it('the statement uploaded as a file on /accounts: 303 to its page, which lists what was not applied', async () => {
      const p = await approved(6_600);
      await sentBatch('bankline-csv', 'GBP');
      const overview = await accountant.get('/accounts').expect(200);
      expect(overview.text).toContain('id="statement-file"');
      const xml = camt053Text({
        msgId: 'STMT-PAGE',
        entries: [
          { endToEndId: p.bankReference, amount: '66.00' },
          { endToEndId: 'TIPDESK QQQQQQQQ', amount: '1.00' },
        ],
      });
      const res = await request(t.url)
        .post('/accounts/bank-statements')
        .set('Cookie', accountant.cookie)
        .field('_csrf', accountant.csrfToken)
        .attach('statement', Buffer.from(xml), { filename: 'statement.xml', contentType: 'application/xml' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/accounts\/statements\/[0-9a-f-]{36}\?notice=statement-imported$/);
      const page = await accountant.get(res.headers.location).expect(200);
      expect(page.text).toContain('<li data-outcome="paid">');
      expect(page.text).toContain('No tipdesk payout has the reference TIPDESK QQQQQQQQ');
      expect((await read(p.id)).state).toBe('paid');
    });

    it('an upload without the form’s token: 403, nothing imported', async () => {
      const before = await imports();
      const res = await request(t.url)
        .post('/accounts/bank-statements')
        .set('Cookie', accountant.cookie)
        .attach('statement', Buffer.from(camt053Text({ msgId: 'STMT-NO-CSRF', entries: [] })), { filename: 's.xml', contentType: 'application/xml' });
      expect(res.status).toBe(403);
      expect(await imports()).toBe(before);
    });

    it('not XML uploaded on the page: 400, the overview with the reason', async () => {
      const res = await request(t.url)
        .post('/accounts/bank-statements')
        .set('Cookie', accountant.cookie)
        .field('_csrf', accountant.csrfToken)
        .attach('statement', Buffer.from('%PDF-1.4 not a statement'), { filename: 'statement.pdf', contentType: 'application/pdf' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('id="statement-error"');
      expect(res.text).toContain('not well-formed XML');
    });
  });

  describe('concurrency', () => {
    it('two accountants importing the same statement at once: one 201, the other 409, each payout paid once', async () => {
      const p = await approved(7_700);
      await sentBatch('bankline-csv', 'GBP');
      const xml = camt053Text({ msgId: 'STMT-RACE', entries: [{ endToEndId: p.bankReference, amount: '77.00' }] });
      const results = await Promise.all([importXml(xml, accountant), importXml(xml, otherAccountant)]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect((await read(p.id)).state).toBe('paid');
      expect((await t.db.query(`SELECT count(*)::int AS n FROM payout_events WHERE payout_id = $1 AND to_state = 'paid'`, [p.id])).rows[0].n).toBe(1);
    });

    it('one marking paid while an admin voids the batch (sent, never received): exactly one wins, the other gets 409', async () => {
      for (let round = 0; round < 5; round += 1) {
        const p = await approved(1_000 + round);
        const batchId = await sentBatch('csv', 'GBP');
        const results = await Promise.all([
          accountant.post(`/api/payouts/${p.id}/mark-paid`).send({ version: p.version + 1, reference: 'FP-RACE' }),
          admin.post(`/api/payout-batches/${batchId}/void-undelivered`).send({ reason: 'Never arrived', bankDidNotReceiveFile: true }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        const now = await read(p.id);
        const batch = (await accountant.get(`/api/payout-batches/${batchId}`).expect(200)).body;
        if (results[0].status === 200) expect([now.state, batch.state]).toEqual(['paid', 'sent']);
        else expect([now.state, batch.state]).toEqual(['approved', 'voided']);
        if (now.state === 'approved') await accountant.post(`/api/payouts/${p.id}/cancel`).send({ version: now.version, reason: 'race over' }).expect(200);
      }
    });
  });

  it('a 20 MB statement with 50,000 entries: applied in one transaction (all lines stored, every payout in it paid)', async () => {
    // 2,000 payouts in a sent batch, seeded by SQL from one approved payout (as the batch tests do).
    const template = await approved(1_234);
    await t.db.query(
      `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, approved_by, approved_at, payee_details_id)
       SELECT tip_id, contributor_id, amount_minor, currency, licence, 'approved', 'TIPDESK S' || lpad(n::text, 7, '0'), offered_by, offered_at, approved_by, now() + n * interval '1 microsecond', payee_details_id
         FROM payouts, generate_series(1, 1999) AS n WHERE id = $1`,
      [template.id],
    );
    const batchId = await sentBatch('bankline-csv', 'GBP');
    const references = (await t.db.query(`SELECT bank_reference FROM payouts WHERE batch_id = $1`, [batchId])).rows.map(
      (r: { bank_reference: string }) => r.bank_reference,
    );
    expect(references).toHaveLength(2000);
    const filler = 'Newsroom payment for reader footage — statement padding '.repeat(2).slice(0, 140);
    function* entries(): Generator<StatementEntry> {
      for (let i = 0; i < 50_000; i += 1) {
        yield i < references.length
          ? { endToEndId: references[i], amount: '12.34', remittance: filler }
          : { endToEndId: `SUPPLIER-${i}`, amount: '1.00', remittance: filler };
      }
    }
    const chunks = [...camt053({ msgId: 'STMT-BIG', entries: entries() })];
    const bytes = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
    expect(bytes).toBeGreaterThan(20 * 1024 * 1024);
    const res = await importXml(chunks.join(''));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ lineCount: 50_000, counts: { paid: 2000, unmatched: 48_000 } });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM payouts WHERE batch_id = $1 AND state = 'paid'`, [batchId])).rows[0].n).toBe(2000);
    expect((await accountant.get(`/api/payout-batches/${batchId}`).expect(200)).body.state).toBe('closed');
  }, 300_000);
});
