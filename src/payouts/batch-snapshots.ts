import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { ConflictError, NotFoundError } from '../http/errors.js';
import { BatchItemsRepository, type BatchPayoutRow, type StoredItemRow } from './batch-items.repository.js';
import { itemFromSnapshot, payeeFields } from './batch-file.js';
import type { ExportItem, Exporter } from './exporters/export-types.js';
import { PayeeVersions } from './payee-versions.js';

const SNAPSHOT_PAGE = 2000;
/** Snapshot rows per INSERT while a batch is made. */
const SNAPSHOT_INSERT_CHUNK = 250;

/**
 * A batch's items, encrypted, exactly as its file carries them: stored while the batch is made,
 * read back (never the live payee rows) for every download. Both stream: only one chunk or page
 * of a 100,000-payout batch is ever in memory.
 */
@Injectable()
export class BatchSnapshots {
  constructor(
    private readonly items: BatchItemsRepository,
    private readonly payees: PayeeVersions,
    private readonly cipher: FieldCipher,
  ) {}

  /**
   * Snapshots of the batch's payouts (already marked batched), in file order (oldest approval
   * first), SNAPSHOT_INSERT_CHUNK at a time through a server-side cursor: each chunk's payees
   * decrypted, its encrypted snapshots inserted in one statement, then its items yielded as read
   * back from the stored JSON.
   */
  async *store(manager: EntityManager, exporter: Exporter, batchId: string): AsyncGenerator<ExportItem> {
    await this.items.openPayouts(manager, batchId);
    let position = 0;
    for (;;) {
      const rows = await this.items.fetchPayouts(manager, SNAPSHOT_INSERT_CHUNK);
      if (rows.length === 0) break;
      const snapshots = await this.snapshotsOf(manager, exporter, rows);
      await this.items.insert(
        manager,
        batchId,
        snapshots.map((s) => ({ payoutId: s.payoutId, snapshotEncrypted: this.cipher.encrypt(s.json) })),
        position + 1,
      );
      position += snapshots.length;
      for (const snapshot of snapshots) yield itemFromSnapshot(snapshot.json);
    }
    await this.items.closePayouts(manager);
  }

  /** The batch's snapshots in file order, a page at a time, decrypted as they are read. */
  async *stored(batchId: string): AsyncGenerator<ExportItem> {
    const page = (after: number) => {
      const rows = this.items.range(batchId, after + 1, after + SNAPSHOT_PAGE);
      rows.catch(() => undefined); // awaited below; this only spares an abandoned download an unhandled rejection
      return rows;
    };
    let next: Promise<StoredItemRow[]> | null = page(0);
    while (next) {
      const rows: StoredItemRow[] = await next;
      // The next page is read while this one is decrypted and written: the database and the CPU overlap.
      next = rows.length === SNAPSHOT_PAGE ? page(rows[rows.length - 1].position) : null;
      for (const row of rows) yield itemFromSnapshot(this.cipher.decrypt(row.snapshot_encrypted));
    }
  }

  /** Each payout as the exporter will write it (payee decrypted), as JSON to encrypt and store. */
  private async snapshotsOf(manager: EntityManager, exporter: Exporter, rows: readonly BatchPayoutRow[]): Promise<{ payoutId: string; json: string }[]> {
    const payees = await this.payees.snapshots(
      rows.map((p) => p.id),
      manager,
    );
    return rows.map((payout) => {
      const payee = payees.get(payout.id);
      if (!payee) throw new NotFoundError('PAYOUT_PAYEE_NOT_FOUND', 'This payout has no payee details yet.');
      const item: ExportItem = {
        payoutId: payout.id,
        bankReference: payout.bank_reference,
        amountMinor: Number(payout.amount_minor),
        currency: payout.currency,
        payee: payeeFields(payee),
        ledger: {
          contributorName: payout.contributor_name ?? '',
          tipReference: payout.tip_reference,
          licence: payout.licence,
          offeredBy: payout.offered_by,
          approvedBy: payout.approved_by,
          approvedAt: payout.approved_at,
          status: 'batched',
        },
      };
      if (!exporter.fits(item)) {
        throw new ConflictError(
          'BATCH_EXPORT_REFUSED',
          `No batch was made: payout ${payout.bank_reference} (${payee.method}) cannot go in a ${exporter.format} file.`,
        );
      }
      return { payoutId: payout.id, json: JSON.stringify(item) };
    });
  }
}
