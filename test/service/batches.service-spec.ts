// The batch side of the money path on the service tier: PayoutsService's set-based moves that a
// batch runs inside its own transaction, and BatchesService's lifecycle rules. HTTP adds nothing
// here (test/e2e/payout-batches.e2e-spec.ts and money-guards.e2e-spec.ts keep the requests).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { BatchesService } from '../../src/payouts/batches.service.js';
import { PayoutsService } from '../../src/payouts/payouts.service.js';
import type { StaffPrincipal } from '../../src/staff/access.js';
import { GBP_OFFER, serviceApprovedPayout, serviceStaff, serviceTip } from '../support/fixtures.js';
import { startServiceApp, type ServiceApp } from '../support/service-app.js';

const IBAN = { method: 'iban', accountName: 'Ingrid Ibanholder', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' };

let s: ServiceApp;
let service: PayoutsService;
let batches: BatchesService;
let editor: StaffPrincipal;
let accountant: StaffPrincipal;
let otherAccountant: StaffPrincipal;

beforeAll(async () => {
  s = await startServiceApp();
  service = s.get(PayoutsService);
  batches = s.get(BatchesService);
  editor = await serviceStaff(s, 'editor');
  accountant = await serviceStaff(s, 'accounting');
  otherAccountant = await serviceStaff(s, 'accounting');
});
afterAll(() => s?.close());

/** A batch row (marked sent) and approved → batched through the service. */
async function batched(payoutIds: string[]): Promise<string> {
  return s.dataSource.transaction(async (manager) => {
    const [batch] = await manager.query<{ id: string }[]>(
      `INSERT INTO payout_batches (format, currency, created_by, count, total_minor) VALUES ('bankline-csv', 'GBP', $1, 0, 0) RETURNING id`,
      [accountant.id],
    );
    const { count } = await service.batchApproved(
      manager,
      accountant,
      batch.id,
      { currency: 'GBP', methods: ['uk_bank', 'iban', 'paypal'], payoutIds },
      payoutIds.length,
    );
    expect(count).toBe(payoutIds.length);
    // Marked sent, as accounting would once the file went to the bank: only then can it settle.
    await manager.query(`UPDATE payout_batches SET state = 'sent' WHERE id = $1`, [batch.id]);
    return batch.id;
  });
}

describe('for batches: batchApproved and voiding', () => {
  it('batches approved payouts that fit (currency, method), oldest approval first, skipping rows another batch has locked', async () => {
    const tipId = (await serviceTip(s)).id;
    const a = await serviceApprovedPayout(s, editor, accountant, { offer: { ...GBP_OFFER, currency: 'EUR' }, payee: IBAN, tipId });
    const b = await serviceApprovedPayout(s, editor, accountant, { offer: { ...GBP_OFFER, currency: 'EUR', amountMinor: 7_000 }, payee: IBAN, tipId });
    const ours = { currency: 'EUR' as const, methods: ['iban' as const], payoutIds: [a.id, b.id] };
    const newBatch = async (m: EntityManager) =>
      (
        await m.query<{ id: string }[]>(
          `INSERT INTO payout_batches (format, currency, created_by, count, total_minor) VALUES ('sepa-pain001', 'EUR', $1, 0, 0) RETURNING id`,
          [accountant.id],
        )
      )[0].id;
    expect(
      await s.dataSource.transaction(async (m) => service.batchApproved(m, otherAccountant, await newBatch(m), { ...ours, methods: ['paypal'] }, 10)),
    ).toEqual({ count: 0, totalMinor: 0 });
    const runner = s.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // Another batch under way holds a's row (issue 12: two batches take turns on the events'
      // hash-chain head, so the other batch's own events would make this one wait; the row
      // lock alone is what SKIP LOCKED is about).
      await runner.manager.query(`SELECT id FROM payouts WHERE id = $1 FOR UPDATE`, [a.id]);
      // a is locked by the open transaction: a second batch at the same time takes b only.
      const secondBatch = await s.dataSource.transaction(async (m) => {
        const id = await newBatch(m);
        expect(await service.batchApproved(m, otherAccountant, id, ours, 10)).toEqual({ count: 1, totalMinor: 7_000 });
        return id;
      });
      const { rows } = await s.db.query(`SELECT id, state, batch_id, version FROM payouts WHERE id = ANY($1::uuid[]) ORDER BY amount_minor`, [[a.id, b.id]]);
      expect(rows).toEqual([
        { id: b.id, state: 'batched', batch_id: secondBatch, version: b.version + 1 },
        { id: a.id, state: 'approved', batch_id: null, version: a.version },
      ]);
      const { rows: events } = await s.db.query(
        `SELECT from_state, to_state, actor_id, role FROM payout_events WHERE payout_id = $1 AND to_state = 'batched'`,
        [b.id],
      );
      expect(events).toEqual([{ from_state: 'approved', to_state: 'batched', actor_id: otherAccountant.id, role: 'accounting' }]);
      const { rows: audits } = await s.db.query(`SELECT after FROM audit_events WHERE action = 'payout.batched' AND entity_id = $1`, [b.id]);
      expect(audits).toEqual([{ after: { state: 'batched', batchId: secondBatch } }]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('an editor cannot batch payouts (403), whatever the page allows', async () => {
    await expect(
      s.dataSource.transaction((m) => service.batchApproved(m, editor, '00000000-0000-4000-8000-000000000000', { currency: 'GBP', methods: ['uk_bank'] }, 1)),
    ).rejects.toMatchObject({ status: 403, code: 'PAYOUT_ROLE_REFUSED' });
  });

  it('markPaid inside a caller’s transaction commits or rolls back with it', async () => {
    const p = await serviceApprovedPayout(s, editor, accountant);
    await batched([p.id]);
    await expect(
      s.dataSource.transaction(async (m) => {
        await service.markPaid(accountant, p.id, { version: p.version + 1, reference: 'ROLLED-BACK' }, m);
        throw new Error('reconciliation failed later');
      }),
    ).rejects.toThrow('reconciliation failed later');
    expect(await service.get(p.id)).toMatchObject({ state: 'batched', paidReference: null });
    const paid = await s.dataSource.transaction((m) => service.markPaid(accountant, p.id, { version: p.version + 1, reference: 'FP-1' }, m));
    expect(paid).toMatchObject({ state: 'paid', paidReference: 'FP-1' });
  });

  it('a voided batch returns its payouts to approved with no batch', async () => {
    const p = await serviceApprovedPayout(s, editor, accountant);
    const batchId = await batched([p.id]);
    const returned = await s.dataSource.transaction((m) => service.returnFromVoidedBatch(m, accountant, batchId));
    expect(returned).toEqual([p.id]);
    expect(await service.get(p.id)).toMatchObject({ state: 'approved', batchId: null });
  });
});

describe('a batch’s lifecycle: locked → sent | voided, sent → closed', () => {
  it('a ledger batch is made locked, goes sent, and cannot be sent again or voided once sent (409 BATCH_ILLEGAL_TRANSITION)', async () => {
    const p = await serviceApprovedPayout(s, editor, accountant);
    const batch = await batches.create(accountant, { format: 'csv', currency: 'GBP' });
    expect(batch).toMatchObject({ state: 'locked', format: 'csv', count: expect.any(Number) });
    expect((await service.get(p.id)).state).toBe('batched');
    expect(await batches.markSent(accountant, batch.id)).toMatchObject({ state: 'sent' });
    await expect(batches.markSent(accountant, batch.id)).rejects.toMatchObject({ status: 409, code: 'BATCH_ILLEGAL_TRANSITION' });
    await expect(batches.void(accountant, batch.id)).rejects.toMatchObject({ status: 409, code: 'BATCH_ILLEGAL_TRANSITION' });
  });

  it('nothing approved to pay: 400 BATCH_NOTHING_TO_PAY, no batch left behind', async () => {
    const before = await s.count('payout_batches');
    await expect(batches.create(accountant, { format: 'csv', currency: 'GBP' })).rejects.toMatchObject({ status: 400, code: 'BATCH_NOTHING_TO_PAY' });
    expect(await s.count('payout_batches')).toBe(before);
  });

  it('a voided batch cannot be sent: 409 BATCH_ILLEGAL_TRANSITION; its payout is approved again', async () => {
    const p = await serviceApprovedPayout(s, editor, accountant);
    const batch = await batches.create(accountant, { format: 'csv', currency: 'GBP' });
    expect(await batches.void(otherAccountant, batch.id)).toMatchObject({ state: 'voided' });
    await expect(batches.markSent(accountant, batch.id)).rejects.toMatchObject({ status: 409, code: 'BATCH_ILLEGAL_TRANSITION' });
    expect(await service.get(p.id)).toMatchObject({ state: 'approved', batchId: null });
  });
});

describe('settling a payout whose batch was never marked sent (moved from money-guards.e2e, which keeps mark-paid over HTTP)', () => {
  let p: { id: string; version: number };
  let batchId: string;
  const eventCount = async (id: string) => Number((await s.db.query(`SELECT count(*) AS n FROM payout_events WHERE payout_id = $1`, [id])).rows[0].n);

  beforeAll(async () => {
    p = await serviceApprovedPayout(s, editor, accountant);
    batchId = (await batches.create(accountant, { format: 'csv', currency: 'GBP' })).id;
    // Downloaded, never marked sent: the file may or may not be at the bank.
    (await batches.download(accountant, batchId)).body.destroy();
  });

  it('mark-failed on a payout in a locked (downloaded, not sent) batch: 409 BATCH_NOT_SENT, nothing changed', async () => {
    const before = await service.get(p.id);
    const events = await eventCount(p.id);
    await expect(service.markFailed(accountant, p.id, { version: before.version, reason: 'AC04 account closed' })).rejects.toMatchObject({
      status: 409,
      code: 'BATCH_NOT_SENT',
    });
    expect(await service.get(p.id)).toMatchObject({ state: 'batched', version: before.version, batchId });
    expect(await eventCount(p.id)).toBe(events);
  });

  it('reissue of a payout failed in a locked batch (old data, written past the guards): 409 BATCH_NOT_SENT, no new payout', async () => {
    const other = await serviceApprovedPayout(s, editor, accountant, { offer: { ...GBP_OFFER, amountMinor: 1_999 } });
    const locked = await batches.create(accountant, { format: 'csv', currency: 'GBP' });
    // As a database superuser with the triggers off: the state old code could leave behind.
    const client = await s.db.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await client.query(`UPDATE payouts SET state = 'failed', failure_reason = 'legacy', version = version + 1 WHERE id = $1`, [other.id]);
    } finally {
      await client.query(`SET session_replication_role = DEFAULT`);
      client.release();
    }
    const before = await service.get(other.id);
    await expect(service.reissue(accountant, other.id, { version: before.version })).rejects.toMatchObject({ status: 409, code: 'BATCH_NOT_SENT' });
    expect((await s.db.query(`SELECT count(*)::int AS n FROM payouts WHERE replaces_payout_id = $1`, [other.id])).rows[0].n).toBe(0);
    expect(locked.count).toBeGreaterThan(0);
  });

  it('the database refuses too: UPDATE … SET state = paid for a payout whose batch is locked fails', async () => {
    await expect(s.db.query(`UPDATE payouts SET state = 'paid', paid_reference = 'X', version = version + 1 WHERE id = $1`, [p.id])).rejects.toMatchObject({
      message: expect.stringContaining('BATCH_NOT_SENT'),
    });
    await expect(s.db.query(`UPDATE payouts SET state = 'failed', failure_reason = 'X', version = version + 1 WHERE id = $1`, [p.id])).rejects.toMatchObject({
      message: expect.stringContaining('BATCH_NOT_SENT'),
    });
    expect((await service.get(p.id)).state).toBe('batched');
  });
});
