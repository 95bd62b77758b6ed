import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { Currency, PayeeMethod, PayoutState } from './payouts.entities.js';

/** Who moves the payouts, as their events record it. */
export interface BatchActor {
  id: string;
  role: string;
}

/**
 * The set-based payout moves: one statement locks, moves and writes every payout_events row and
 * audit event (chained in SQL, a window over the moved payouts), so a batch of 100,000 or a
 * statement of 50,000 lines never passes through this process one by one. The caller holds the
 * chains' head (AuditService.lockChainHead) for its transaction.
 */
@Injectable()
@SqlRepository(import.meta.url, {
  writes: {
    audit_events: 'a batch of 100,000 payouts (or a 50,000-line statement) writes its audit events, chained in SQL, in the statement that moves them',
    event_chain_head: 'the same statement advances both chains; the head is locked by AuditService.lockChainHead',
  },
})
export class PayoutBatchingRepository {
  /**
   * approved → batched: up to `limit` approved payouts in `fits.currency` whose payee method is
   * one of `fits.methods` (and, if given, only those of `fits.payoutIds`), oldest approval first,
   * skipping rows another transaction holds.
   */
  @GenerateSql({ params: [SQL_MANAGER, { id: SQL_ID, role: 'accounting' }, SQL_ID_2, { currency: 'GBP', methods: ['uk_bank'] }, 10] })
  async batchApproved(
    manager: EntityManager,
    actor: BatchActor,
    batchId: string,
    fits: { currency: Currency; methods: readonly PayeeMethod[]; payoutIds?: readonly string[] },
    limit: number,
  ): Promise<{ count: number; totalMinor: number }> {
    const [row] = await manager.query<{ count: number; total_minor: string }[]>(
      `WITH head AS (
         SELECT audit_seq, audit_hash, payout_seq, payout_hash FROM event_chain_head WHERE id = 1
       ), taken AS (
         SELECT p.id FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id
          WHERE p.state = 'approved' AND p.currency = $2 AND d.method = ANY($3::text[])
            AND ($5::uuid[] IS NULL OR p.id = ANY($5::uuid[]))
          ORDER BY p.approved_at, p.id
          LIMIT $4
            FOR UPDATE OF p SKIP LOCKED
       ), moved AS (
         UPDATE payouts p SET state = 'batched', batch_id = $1, version = p.version + 1, updated_at = now()
           FROM taken WHERE p.id = taken.id
         RETURNING p.id, p.amount_minor
       ), numbered AS (
         SELECT id, gen_random_uuid() AS event_id, gen_random_uuid() AS audit_id, row_number() OVER (ORDER BY id) AS n FROM moved
       ), chained AS (
         SELECT m.id, m.event_id, m.audit_id, m.n, h.payout_seq + m.n AS event_seq, h.audit_seq + m.n AS audit_seq,
                tipdesk_chain(h.payout_hash, payout_event_canonical(h.payout_seq + m.n, m.event_id, now(), m.id, 'staff', $6::uuid, $7::text, 'approved', 'batched', NULL, NULL)) OVER (ORDER BY m.n) AS event_hash,
                -- The same event recordMove writes for one payout, for all of them at once.
                tipdesk_chain(h.audit_hash, audit_event_canonical(h.audit_seq + m.n, m.audit_id, now(), 'staff', $6::uuid, 'payout.batched', 'payout', m.id, $8::jsonb, $9::jsonb)) OVER (ORDER BY m.n) AS audit_hash
           FROM numbered m CROSS JOIN head h
       ), linked AS (
         SELECT c.*, coalesce(lag(event_hash) OVER (ORDER BY n), (SELECT payout_hash FROM head)) AS event_prev,
                coalesce(lag(audit_hash) OVER (ORDER BY n), (SELECT audit_hash FROM head)) AS audit_prev
           FROM chained c
       ), events AS (
         INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, seq, prev_hash, hash)
         SELECT event_id, now(), id, 'staff', $6, $7, 'approved', 'batched', NULL, event_seq, event_prev, event_hash FROM linked
       ), audited AS (
         INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
         SELECT audit_id, now(), 'staff', $6, 'payout.batched', 'payout', id, $8::jsonb, $9::jsonb, audit_seq, audit_prev, audit_hash FROM linked
       ), last AS (
         SELECT * FROM linked ORDER BY n DESC LIMIT 1
       ), heads AS (
         UPDATE event_chain_head h SET payout_seq = last.event_seq, payout_hash = last.event_hash, payout_prev_hash = last.event_prev,
                audit_seq = last.audit_seq, audit_hash = last.audit_hash, audit_prev_hash = last.audit_prev
           FROM last WHERE h.id = 1
       )
       SELECT count(*)::int AS count, coalesce(sum(amount_minor), 0)::text AS total_minor FROM moved`,
      [
        batchId,
        fits.currency,
        [...fits.methods],
        limit,
        fits.payoutIds ? [...fits.payoutIds] : null,
        actor.id,
        actor.role,
        JSON.stringify({ state: 'approved' }),
        JSON.stringify({ state: 'batched', batchId }),
      ],
    );
    return { count: row.count, totalMinor: Number(row.total_minor) };
  }

  /**
   * batched → paid | failed for every line of a bank statement import decided `paid` or `failed`.
   * The database's own trigger still refuses any whose batch is not marked sent.
   */
  @GenerateSql({ params: [SQL_MANAGER, { id: SQL_ID, role: 'accounting' }, SQL_ID_2, 'MSG-1'] })
  async settleFromStatement(manager: EntityManager, actor: BatchActor, importId: string, msgId: string): Promise<{ state: PayoutState; batchId: string }[]> {
    const rows = await manager.query<{ state: PayoutState; batch_id: string }[]>(
      `WITH head AS (
         SELECT audit_seq, audit_hash, payout_seq, payout_hash FROM event_chain_head WHERE id = 1
       ), moved AS (
         UPDATE payouts p SET state = l.outcome,
                paid_reference = CASE WHEN l.outcome = 'paid' THEN coalesce(l.entry_reference, l.end_to_end_id, $3::text) END,
                failure_reason = CASE WHEN l.outcome = 'failed' THEN l.detail END,
                version = p.version + 1, updated_at = now()
           FROM bank_statement_lines l
          WHERE l.import_id = $1 AND l.outcome IN ('paid', 'failed') AND p.id = l.payout_id AND p.state = 'batched'
         RETURNING p.id, p.state, p.batch_id, p.paid_reference, p.failure_reason
       ), numbered AS (
         SELECT m.*, CASE WHEN m.state = 'paid' THEN 'bank reference ' || m.paid_reference ELSE m.failure_reason END AS reason,
                gen_random_uuid() AS event_id, gen_random_uuid() AS audit_id, row_number() OVER (ORDER BY m.id) AS n
           FROM moved m
       ), chained AS (
         SELECT m.*, h.payout_seq + m.n AS event_seq, h.audit_seq + m.n AS audit_seq,
                tipdesk_chain(h.payout_hash, payout_event_canonical(h.payout_seq + m.n, m.event_id, now(), m.id, 'staff', $2::uuid, $4::text, 'batched', m.state, m.reason, NULL)) OVER (ORDER BY m.n) AS event_hash,
                tipdesk_chain(h.audit_hash, audit_event_canonical(h.audit_seq + m.n, m.audit_id, now(), 'staff', $2::uuid, 'payout.' || m.state, 'payout', m.id,
                              '{"state": "batched"}'::jsonb, jsonb_build_object('state', m.state, 'reason', m.reason, 'bankStatementImportId', $1::text, 'msgId', $3::text))) OVER (ORDER BY m.n) AS audit_hash
           FROM numbered m CROSS JOIN head h
       ), linked AS (
         SELECT c.*, coalesce(lag(event_hash) OVER (ORDER BY n), (SELECT payout_hash FROM head)) AS event_prev,
                coalesce(lag(audit_hash) OVER (ORDER BY n), (SELECT audit_hash FROM head)) AS audit_prev
           FROM chained c
       ), events AS (
         INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, seq, prev_hash, hash)
         SELECT event_id, now(), id, 'staff', $2, $4, 'batched', state, reason, event_seq, event_prev, event_hash FROM linked
       ), audited AS (
         INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
         SELECT audit_id, now(), 'staff', $2, 'payout.' || state, 'payout', id, '{"state": "batched"}'::jsonb,
                jsonb_build_object('state', state, 'reason', reason, 'bankStatementImportId', $1::text, 'msgId', $3::text), audit_seq, audit_prev, audit_hash FROM linked
       ), last AS (
         SELECT * FROM linked ORDER BY n DESC LIMIT 1
       ), heads AS (
         UPDATE event_chain_head h SET payout_seq = last.event_seq, payout_hash = last.event_hash, payout_prev_hash = last.event_prev,
                audit_seq = last.audit_seq, audit_hash = last.audit_hash, audit_prev_hash = last.audit_prev
           FROM last WHERE h.id = 1
       )
       SELECT state, batch_id FROM moved`,
      [importId, actor.id, msgId, actor.role],
    );
    return rows.map((r) => ({ state: r.state, batchId: r.batch_id }));
  }
}
