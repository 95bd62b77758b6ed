import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { Licence } from '../tips/tips.entities.js';
import type { Currency } from './payouts.entities.js';

/** One payout of a batch being made, with the names its ledger line shows. */
export interface BatchPayoutRow {
  id: string;
  bank_reference: string;
  amount_minor: string;
  currency: Currency;
  licence: Licence;
  approved_at: Date;
  tip_reference: string;
  contributor_name: string | null;
  offered_by: string;
  approved_by: string;
}

/** A stored snapshot of one item, encrypted, at its place in the file. */
export interface StoredItemRow {
  position: number;
  snapshot_encrypted: string;
}

/** The payout_batch_items table: each payout of a batch exactly as its file carries it (encrypted), in file order. */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: {
    tips: "each batch line's tip reference, snapshotted with the payout when the batch is made (100,000 lines in one statement)",
    contributors: "the contributor's name on the ledger line, snapshotted with the payout",
    staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)',
  },
})
export class BatchItemsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Opens a server-side cursor over the batch's payouts in file order (oldest approval first),
   * read `fetchPayouts` at a time and closed by `closePayouts`, in the caller's transaction.
   */
  // reads tips, contributors and staff_users: owners are tips/, contributors/, staff/ — read-only joins for the ledger's names.
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async openPayouts(manager: EntityManager, batchId: string): Promise<void> {
    await manager.query(
      `DECLARE batch_payouts NO SCROLL CURSOR FOR
       SELECT p.id, p.bank_reference, p.amount_minor, p.currency, p.licence, p.approved_at,
              t.reference AS tip_reference, c.name AS contributor_name, o.name AS offered_by, a.name AS approved_by
         FROM payouts p JOIN tips t ON t.id = p.tip_id LEFT JOIN contributors c ON c.id = p.contributor_id
         JOIN staff_users o ON o.id = p.offered_by JOIN staff_users a ON a.id = p.approved_by
        WHERE p.batch_id = $1
        ORDER BY p.approved_at, p.id`,
      [batchId],
    );
  }

  @GenerateSql({ params: [SQL_MANAGER, 250] })
  async fetchPayouts(manager: EntityManager, count: number): Promise<BatchPayoutRow[]> {
    return manager.query<BatchPayoutRow[]>(`FETCH ${Number(count)} FROM batch_payouts`);
  }

  @GenerateSql({ params: [SQL_MANAGER] })
  async closePayouts(manager: EntityManager): Promise<void> {
    await manager.query(`CLOSE batch_payouts`);
  }

  /** Inserts encrypted snapshots at positions `firstPosition`, `firstPosition + 1`, … in one statement. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, [], 1] })
  async insert(
    manager: EntityManager,
    batchId: string,
    items: readonly { payoutId: string; snapshotEncrypted: string }[],
    firstPosition: number,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO payout_batch_items (batch_id, payout_id, position, snapshot_encrypted)
       SELECT $1, u.payout_id, u.position, u.snapshot FROM unnest($2::uuid[], $3::int[], $4::text[]) AS u(payout_id, position, snapshot)`,
      [batchId, items.map((s) => s.payoutId), items.map((_, i) => firstPosition + i), items.map((s) => s.snapshotEncrypted)],
    );
  }

  /**
   * Positions `from`..`to` of the batch's snapshots. Positions run 1..count with no gaps, so a
   * page is a range of them: both columns of the (batch_id, position) index bound the scan,
   * whatever the planner's statistics say (before the first ANALYZE after a big batch,
   * `position > $2 … LIMIT` could scan the whole batch per page).
   */
  @GenerateSql({ params: [SQL_ID, 1, 2000] })
  async range(batchId: string, from: number, to: number): Promise<StoredItemRow[]> {
    return this.dataSource.query<StoredItemRow[]>(
      `SELECT position, snapshot_encrypted FROM payout_batch_items WHERE batch_id = $1 AND position BETWEEN $2 AND $3 ORDER BY position`,
      [batchId, from, to],
    );
  }

  /** Frees the batch's payouts in the one-live-batch unique index (uq_payout_batch_items_payout_id_live). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async retire(manager: EntityManager, batchId: string): Promise<void> {
    await manager.query(`UPDATE payout_batch_items SET live = false WHERE batch_id = $1`, [batchId]);
  }
}
