import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Payer } from '../config/app-config.js';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import { afterCursor, cursorColumn, keysetPage } from '../http/keyset-page.js';
import { batchReference, processingDateOf } from './batch-file.js';
import type { BatchDto, BatchPageDto } from './dto/batches.dto.js';
import type { BankCalendar } from './exporters/bank-working-days.js';
import type { ExportFormat } from './exporters/export-types.js';
import type { BatchState, Currency } from './payouts.entities.js';

/** A payout_batches row as stored. */
export interface BatchRow {
  id: string;
  format: ExportFormat;
  currency: Currency;
  created_by: string;
  count: number;
  total_minor: string;
  file_sha256: string | null;
  payer_snapshot: Payer | null;
  state: BatchState;
  version: number;
  first_downloaded_at: Date | null;
  first_downloaded_by: string | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

/** A payout of a batch, as reconciling it sees it. */
export interface BatchPayoutState {
  id: string;
  bank_reference: string;
  state: string;
  version: number;
}

const BATCH_SELECT = `SELECT b.*, ${cursorColumn('b.created_at')} FROM payout_batches b`;

export function toBatchDto(row: BatchRow, calendar: BankCalendar): BatchDto {
  return {
    id: row.id,
    reference: batchReference(row.id),
    format: row.format,
    currency: row.currency,
    state: row.state,
    count: row.count,
    totals: [{ currency: row.currency, totalMinor: Number(row.total_minor) }],
    fileSha256: row.file_sha256,
    processingDate: processingDateOf(row.created_at, calendar).toISOString().slice(0, 10),
    createdBy: row.created_by,
    firstDownloadedAt: row.first_downloaded_at ? row.first_downloaded_at.toISOString() : null,
    firstDownloadedBy: row.first_downloaded_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** The payout_batches and payout_batch_downloads tables, and the batch's view of its payouts (the snapshots: batch-items.repository.ts). */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: { staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)' },
  writes: {
    event_chain_head: "a batch marked sent appends its payouts' events to the payout chain in one statement; the head is locked by AuditService.lockChainHead",
  },
})
export class BatchesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The batch (row-locked with `lock`, until the transaction ends). */
  @GenerateSql({ name: 'find', params: [SQL_MANAGER, SQL_ID, false] }, { name: 'find (locked)', params: [SQL_MANAGER, SQL_ID, true] })
  async find(manager: EntityManager, id: string, lock: boolean): Promise<BatchRow | undefined> {
    const [row] = await manager.query<BatchRow[]>(`${BATCH_SELECT} WHERE b.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row;
  }

  /** Newest first, optionally one state, a keyset page at a time. */
  @GenerateSql(
    { name: 'page', params: [{}, 50, null] },
    {
      name: 'page of one state after a cursor',
      params: [{ state: 'sent', cursor: 'MjAyNi0wMS0wMVQwMDowMDowMC4wMDAwMDBaLzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMQ' }, 50, null],
    },
  )
  async page(filter: { state?: BatchState; cursor?: string }, limit: number, calendar: BankCalendar): Promise<BatchPageDto> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    if (filter.state) where.push(`b.state = ${param(filter.state)}`);
    if (filter.cursor) where.push(afterCursor(filter.cursor, { at: 'b.created_at', id: 'b.id' }, param));
    const rows = await this.dataSource.query<BatchRow[]>(
      `${BATCH_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY b.created_at DESC, b.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, (row) => toBatchDto(row, calendar));
  }

  /** A new, empty batch in `locked` (its payouts point to it; its count and total once they are taken). */
  @GenerateSql({ params: [SQL_MANAGER, 'bacs-std18', 'GBP', SQL_ID] })
  async insert(manager: EntityManager, format: ExportFormat, currency: Currency, createdBy: string): Promise<string> {
    const [inserted] = await manager.query<{ id: string }[]>(
      `INSERT INTO payout_batches (format, currency, created_by, count, total_minor, state) VALUES ($1, $2, $3, 0, 0, 'locked') RETURNING id`,
      [format, currency, createdBy],
    );
    return inserted.id;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 1, 100] })
  async setTotals(manager: EntityManager, id: string, count: number, totalMinor: number): Promise<void> {
    await manager.query(`UPDATE payout_batches SET count = $2, total_minor = $3 WHERE id = $1`, [id, count, totalMinor]);
  }

  /** The file's hash and the payer it was written for: a download writes the same bytes whatever the settings say later. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'ab'.repeat(32), { name: 'Example News' }] })
  async setFile(manager: EntityManager, id: string, fileSha256: string, payer: Payer): Promise<void> {
    await manager.query(`UPDATE payout_batches SET file_sha256 = $2, payer_snapshot = $3 WHERE id = $1`, [id, fileSha256, JSON.stringify(payer)]);
  }

  /** Records a download (and the first downloader) under the batch's row lock; undefined for a voided batch. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SQL_ID_2] })
  async recordDownload(manager: EntityManager, id: string, staffId: string): Promise<BatchRow | undefined> {
    const [[row]] = await manager.query<[BatchRow[], number]>(
      `UPDATE payout_batches b SET first_downloaded_at = coalesce(b.first_downloaded_at, now()), first_downloaded_by = coalesce(b.first_downloaded_by, $2::uuid)
        WHERE b.id = $1 AND b.state <> 'voided'
        RETURNING b.*, ${cursorColumn('b.created_at')}`,
      [id, staffId],
    );
    if (!row) return undefined;
    await manager.query(`INSERT INTO payout_batch_downloads (batch_id, downloaded_by) VALUES ($1, $2)`, [id, staffId]);
    return row;
  }

  // staff_users belongs to the staff module: a read-only join for the names the audit keeps.
  /** Everyone who downloaded the batch's file, first download first. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async downloaders(manager: EntityManager, id: string): Promise<{ id: string; name: string }[]> {
    return manager.query<{ id: string; name: string }[]>(
      `SELECT s.id, s.name FROM payout_batch_downloads d JOIN staff_users s ON s.id = d.downloaded_by
        WHERE d.batch_id = $1 GROUP BY s.id, s.name ORDER BY min(d.at)`,
      [id],
    );
  }

  /** Compare-and-set on the batch's version: false means someone else's change won. */
  @GenerateSql({ params: [SQL_MANAGER, { id: SQL_ID, version: 1 }, 'sent'] })
  async compareAndSet(manager: EntityManager, batch: { id: string; version: number }, to: BatchState): Promise<boolean> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE payout_batches SET state = $3, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id`,
      [batch.id, batch.version, to],
    );
    return rows.length > 0;
  }

  // ---- the batch's payouts -----------------------------------------------------------------

  /** Without a currency asked for: the currency of the oldest approval among `currency:method` pairs. */
  @GenerateSql({ params: [SQL_MANAGER, ['GBP:uk_bank']] })
  async oldestApprovedCurrency(manager: EntityManager, pairs: readonly string[]): Promise<Currency | null> {
    const [row] = await manager.query<{ currency: Currency }[]>(
      `SELECT p.currency FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id
        WHERE p.state = 'approved' AND (p.currency || ':' || d.method) = ANY($1::text[])
        ORDER BY p.approved_at, p.id LIMIT 1`,
      [[...pairs]],
    );
    return row?.currency ?? null;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async settledCount(manager: EntityManager, id: string): Promise<number> {
    const [{ settled }] = await manager.query<{ settled: number }[]>(
      `SELECT count(*)::int AS settled FROM payouts WHERE batch_id = $1 AND state IN ('paid', 'failed')`,
      [id],
    );
    return settled;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async stillBatchedCount(manager: EntityManager, id: string): Promise<number> {
    const [{ open }] = await manager.query<{ open: number }[]>(`SELECT count(*)::int AS open FROM payouts WHERE batch_id = $1 AND state = 'batched'`, [id]);
    return open;
  }

  /** The batch's payouts, locked, so two reconciliations of one batch never interleave. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async lockPayouts(manager: EntityManager, id: string): Promise<BatchPayoutState[]> {
    return manager.query<BatchPayoutState[]>(`SELECT id, bank_reference, state, version FROM payouts WHERE batch_id = $1 ORDER BY id FOR UPDATE`, [id]);
  }

  /**
   * One payout event per still-batched payout saying its file went to the bank (the payout stays
   * batched), chained in SQL; the caller holds the chains' head (AuditService.lockChainHead).
   */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, { id: SQL_ID_2, role: 'accounting' }, 'batch TDB-000000000000 sent to the bank'] })
  async recordSent(manager: EntityManager, id: string, actor: { id: string; role: string }, reason: string): Promise<void> {
    await manager.query(
      `WITH head AS (
         SELECT payout_seq, payout_hash FROM event_chain_head WHERE id = 1
       ), numbered AS (
         SELECT id, gen_random_uuid() AS event_id, row_number() OVER (ORDER BY id) AS n FROM payouts WHERE batch_id = $1 AND state = 'batched'
       ), chained AS (
         SELECT m.*, h.payout_seq + m.n AS event_seq,
                tipdesk_chain(h.payout_hash, payout_event_canonical(h.payout_seq + m.n, m.event_id, now(), m.id, 'staff', $2::uuid, $3::text, 'batched', 'batched', $4::text, NULL)) OVER (ORDER BY m.n) AS event_hash
           FROM numbered m CROSS JOIN head h
       ), linked AS (
         SELECT c.*, coalesce(lag(event_hash) OVER (ORDER BY n), (SELECT payout_hash FROM head)) AS event_prev FROM chained c
       ), events AS (
         INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, seq, prev_hash, hash)
         SELECT event_id, now(), id, 'staff', $2, $3, 'batched', 'batched', $4, event_seq, event_prev, event_hash FROM linked
       ), last AS (
         SELECT * FROM linked ORDER BY n DESC LIMIT 1
       )
       UPDATE event_chain_head h SET payout_seq = last.event_seq, payout_hash = last.event_hash, payout_prev_hash = last.event_prev FROM last WHERE h.id = 1`,
      [id, actor.id, actor.role, reason],
    );
  }

  // reads staff_users: owner is staff/ (the name the audit keeps for who voided a batch).
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async staffName(manager: EntityManager, staffId: string): Promise<string | null> {
    const [me] = await manager.query<{ name: string }[]>(`SELECT name FROM staff_users WHERE id = $1`, [staffId]);
    return me?.name ?? null;
  }
}
