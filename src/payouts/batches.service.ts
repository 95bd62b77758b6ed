import { HttpStatus, Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig, ConfigError } from '../config/app-config.js';
import { ConflictError, DomainError, ValidationFailedError, type FieldErrors } from '../http/errors.js';
import type { StaffPrincipal } from '../staff/access.js';
import { BatchDownloadedError, BatchIllegalTransitionError, BatchNotFoundError, NothingToPayError } from './batch.errors.js';
import { batchReference, fittingMethods, processingDateForNewBatch, processingDateOf, sha256Of, verified } from './batch-file.js';
import { BatchItemsRepository } from './batch-items.repository.js';
import { BatchSnapshots } from './batch-snapshots.js';
import { BatchesRepository, toBatchDto, type BatchRow } from './batches.repository.js';
import {
  BATCH_PAGE_SIZE_DEFAULT,
  type BatchDto,
  type BatchItemResultDto,
  type BatchPageDto,
  type CreateBatchDto,
  type ListBatchesQueryDto,
  type ReconcileResultDto,
  type VoidUndeliveredDto,
} from './dto/batches.dto.js';
import { BankCalendar } from './exporters/bank-working-days.js';
import { ExportError, type BatchFile, type ExportItem, type Exporter } from './exporters/export-types.js';
import { EXPORTERS } from './exporters/exporters.js';
import { PayerSettings } from './exporters/payer-settings.js';
import { PAYPAL_MAX_ROWS } from './exporters/paypal-csv.exporter.js';
import { LEDGER_FORMAT } from './payout-words.js';
import { PayoutsService } from './payouts.service.js';
import { CURRENCIES, type BatchState, type Currency } from './payouts.entities.js';
import { parseReconcileCsv, refuseRowProblems } from './reconcile-csv.js';

/** The most payouts one file takes (PayPal's upload: 5,000). */
export const BATCH_MAX_PAYOUTS = 100_000;

/** Whether a batch in `from` may move to `to`: locked → sent | voided; sent → closed (by reconciling). */
const BATCH_MOVES: Record<BatchState, readonly BatchState[]> = { locked: ['sent', 'voided'], sent: ['closed'], closed: [], voided: [] };

export interface BatchDownload {
  filename: string;
  contentType: string;
  sha256: string;
  body: Readable;
}

/**
 * Payout batches: one file of approved payouts in one format. Creating one takes the payouts
 * with row locks (SKIP LOCKED, so two accountants never share a payout), stores an encrypted
 * snapshot of each item exactly as written and the file's SHA-256; a download regenerates the
 * file from those snapshots only, so later payee changes never alter it.
 */
@Injectable()
export class BatchesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly batches: BatchesRepository,
    private readonly snapshots: BatchSnapshots,
    private readonly payouts: PayoutsService,
    private readonly audit: AuditService,
    private readonly items: BatchItemsRepository,
    private readonly config: AppConfig,
    private readonly payers: PayerSettings,
  ) {
    this.calendar = BankCalendar.withExtra(config.bankHolidays);
  }

  private readonly calendar: BankCalendar;

  // ---- reads ---------------------------------------------------------------------------------

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<BatchDto> {
    return toBatchDto(await this.row(manager, id), this.calendar);
  }

  /** Newest first, optionally one state, a keyset page at a time. */
  async list(query: ListBatchesQueryDto): Promise<BatchPageDto> {
    return this.batches.page({ state: query.state, cursor: query.cursor }, query.limit ?? BATCH_PAGE_SIZE_DEFAULT, this.calendar);
  }

  // ---- making a batch ------------------------------------------------------------------------

  /**
   * One transaction: lock the approved payouts that fit the format, insert the batch and one
   * encrypted snapshot per payout, mark them batched, write the file from the snapshots and
   * keep its SHA-256. Nothing to pay leaves nothing behind.
   */
  async create(staff: StaffPrincipal, input: CreateBatchDto): Promise<BatchDto> {
    const exporter = EXPORTERS[input.format];
    // The paying account in effect now (paper settings over the environment), or 409 PAYER_NOT_CONFIGURED.
    const payer = await this.payers.payerFor(input.format);
    const currencies = CURRENCIES.filter((currency) => fittingMethods(exporter, currency).length > 0);
    if (input.currency && !currencies.includes(input.currency)) {
      throw new ValidationFailedError(
        { currency: [`A ${input.format} file carries only ${currencies.join(', ')}`] },
        `A ${input.format} file cannot carry ${input.currency}`,
      );
    }
    const id = await this.dataSource.transaction(async (manager) => {
      const currency = input.currency ?? (currencies.length === 1 ? currencies[0] : await this.oldestFittingCurrency(manager, exporter, currencies));
      if (!currency) throw new NothingToPayError(input.format, null);
      // The batch row first (its payouts point to it), its count and total once they are taken.
      const batchId = await this.batches.insert(manager, input.format, currency, staff.id);
      const limit = input.format === 'paypal-csv' ? PAYPAL_MAX_ROWS : BATCH_MAX_PAYOUTS;
      const { count, totalMinor } = await this.payouts.batchApproved(manager, staff, batchId, { currency, methods: fittingMethods(exporter, currency) }, limit);
      if (count === 0) throw new NothingToPayError(input.format, currency);
      await this.batches.setTotals(manager, batchId, count, totalMinor);
      const batch = await this.row(manager, batchId);
      processingDateForNewBatch(batch.created_at, this.calendar); // refuses (and rolls back) before any snapshot is written

      // The snapshots are stored a chunk at a time and the file is written from them as stored
      // (through JSON), exactly as a download will: never the whole batch in memory at once.
      const fileSha256 = await this.exportOrThrow(() =>
        sha256Of(exporter.write(this.batchFile(batch, this.snapshots.store(manager, exporter, batch.id)), payer)),
      );
      // The payer is kept with the batch: a download writes the same bytes whatever the settings say later.
      await this.batches.setFile(manager, batch.id, fileSha256, payer);
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'payout_batch.created',
        entityType: 'payout_batch',
        entityId: batch.id,
        // Each payout's own payout.batched event names the batch; 100,000 ids here would be megabytes.
        after: { state: 'locked', format: input.format, currency, count, totalMinor, fileSha256 },
      });
      return batch.id;
    });
    return this.get(id);
  }

  // ---- the file ------------------------------------------------------------------------------

  /**
   * The batch's file, regenerated from its encrypted snapshots (never the live payee rows) and
   * streamed. Its SHA-256 is known up front (stored); the stream checks it as it goes and fails
   * at the end rather than finish a file that differs. Every download is audited.
   */
  async download(staff: StaffPrincipal, id: string): Promise<BatchDownload> {
    const found = await this.row(this.dataSource.manager, id);
    if (!found.file_sha256) throw new ConflictError('BATCH_FILE_MISSING', 'This batch has no file.');
    const payer = found.payer_snapshot ?? (await this.payers.payerFor(found.format));
    // Who holds a copy is recorded before a byte leaves, under the batch's row lock, so a void
    // either sees this download or happens first (and then there is no file to hand out).
    const batch = await this.dataSource.transaction(async (manager) => {
      const row = await this.batches.recordDownload(manager, id, staff.id);
      if (!row)
        throw new ConflictError('BATCH_VOIDED', 'This batch was voided: its payouts went back to be batched again, so its file must never reach the bank.');
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'payout_batch.downloaded',
        entityType: 'payout_batch',
        entityId: row.id,
        after: { state: row.state, format: row.format, fileSha256: row.file_sha256 },
      });
      return row;
    });
    const exporter = EXPORTERS[batch.format];
    const sha256 = batch.file_sha256!;
    const chunks = exporter.write(this.batchFile(batch, this.snapshots.stored(batch.id)), payer);
    return {
      // The ledger export says what it is in its name: a record for the accounts, not a bank file.
      filename: `tipdesk-${batch.format === LEDGER_FORMAT ? 'ledger-' : ''}${batchReference(batch.id)}.${exporter.extension}`,
      contentType: exporter.contentType,
      sha256,
      body: Readable.from(verified(chunks, sha256)),
    };
  }

  // ---- state changes -------------------------------------------------------------------------

  /**
   * locked → voided, while its file has never been downloaded: its payouts return to approved
   * and can be batched again. A downloaded file may be at the bank: 409 BATCH_DOWNLOADED (see
   * voidUndelivered).
   */
  async void(staff: StaffPrincipal, id: string): Promise<BatchDto> {
    await this.dataSource.transaction(async (manager) => {
      const batch = await this.lockedRow(manager, id);
      this.checkMove(batch.state, 'voided');
      if (batch.first_downloaded_at) throw new BatchDownloadedError();
      await this.voidLocked(manager, staff, batch, {});
    });
    return this.get(id);
  }

  /**
   * The bank never received a downloaded file (the upload failed, the wrong file went): an admin
   * who did not download it voids the batch with a reason and that explicit confirmation; the
   * audit event names the admin and everyone who downloaded it. A batch marked sent can be voided
   * this way too while none of its payouts is settled (sent was marked by mistake).
   */
  async voidUndelivered(staff: StaffPrincipal, id: string, input: VoidUndeliveredDto): Promise<BatchDto> {
    if (staff.role !== 'admin') throw new DomainError(HttpStatus.FORBIDDEN, 'PAYOUT_ROLE_REFUSED', 'Only an admin can void a batch whose file was downloaded.');
    await this.dataSource.transaction(async (manager) => {
      const batch = await this.lockedRow(manager, id);
      if (batch.state !== 'locked' && batch.state !== 'sent') throw new BatchIllegalTransitionError(batch.state, 'voided');
      const downloaders = await this.batches.downloaders(manager, id);
      if (downloaders.some((d) => d.id === staff.id)) {
        throw new DomainError(
          HttpStatus.FORBIDDEN,
          'BATCH_VOID_BY_DOWNLOADER',
          'You downloaded this batch’s file: another admin, who did not, must confirm the bank never received it.',
        );
      }
      const settled = await this.batches.settledCount(manager, id);
      if (settled > 0)
        throw new ConflictError(
          'BATCH_HAS_SETTLED_PAYOUTS',
          `${settled} payout(s) of this batch are already paid or failed: the bank did receive it. Nothing was changed.`,
        );
      const myName = await this.batches.staffName(manager, staff.id);
      await this.voidLocked(manager, staff, batch, {
        reason: input.reason,
        bankDidNotReceiveFile: true,
        voidedBy: { id: staff.id, name: myName ?? staff.name },
        downloadedBy: downloaders,
      });
    });
    return this.get(id);
  }

  /** locked → sent: the file went to the bank; it can no longer be voided, only reconciled. */
  async markSent(staff: StaffPrincipal, id: string): Promise<BatchDto> {
    await this.dataSource.transaction(async (manager) => {
      const batch = await this.lockedRow(manager, id);
      this.checkMove(batch.state, 'sent');
      // Each payout's history says when its file went to the bank (the payout stays batched),
      // chained in SQL after taking the chains' head (see PayoutsService.batchApproved).
      await this.audit.lockChainHead(manager);
      // A ledger export is a record for the accounts, not a bank file: its payouts' history says so.
      await this.batches.recordSent(
        manager,
        id,
        staff,
        batch.format === LEDGER_FORMAT ? `ledger ${batchReference(id)} recorded` : `batch ${batchReference(id)} sent to the bank`,
      );
      await this.moveBatch(manager, staff, batch, 'sent');
    });
    return this.get(id);
  }

  /**
   * The bank's results for a sent batch, as CSV rows `payout reference, paid|failed, bank
   * reference or reason`, in one transaction: a row naming a payout outside this batch (or any
   * other bad row) answers 400 naming the row and nothing is applied. The batch and its payouts
   * are locked, so two reconciliations of one batch never interleave. When no payout of the
   * batch is left batched, the batch is closed.
   */
  async reconcile(staff: StaffPrincipal, id: string, csv: Readable): Promise<ReconcileResultDto> {
    const lines = await parseReconcileCsv(csv);
    const results = await this.dataSource.transaction(async (manager) => {
      const batch = await this.lockedRow(manager, id);
      if (batch.state !== 'sent') {
        throw new ConflictError('BATCH_NOT_SENT', `This batch is ${batch.state}: only a batch marked sent can be reconciled.`);
      }
      const payouts = await this.batches.lockPayouts(manager, id);
      const byReference = new Map(payouts.map((p) => [p.bank_reference, p]));
      const fields: FieldErrors = {};
      const conflicts: string[] = [];
      const seen = new Map<string, number>();
      for (const line of lines) {
        const problem = (text: string) => (fields[`row ${line.row}`] ??= []).push(text);
        const payout = byReference.get(line.reference);
        if (!payout) problem(`${JSON.stringify(line.reference)} is not a payout of batch ${batchReference(id)}`);
        else if (seen.has(line.reference)) problem(`${line.reference} is already on row ${seen.get(line.reference)}`);
        else if (payout.state !== 'batched' && payout.state !== line.result) conflicts.push(`row ${line.row}: ${line.reference} is already ${payout.state}`);
        seen.set(line.reference, seen.get(line.reference) ?? line.row);
      }
      refuseRowProblems(fields);
      if (conflicts.length > 0) throw new ConflictError('BATCH_RECONCILE_CONFLICT', `Nothing was applied: ${conflicts.join('; ')}`);

      const applied: BatchItemResultDto[] = [];
      for (const line of lines) {
        const payout = byReference.get(line.reference)!;
        const apply = payout.state === 'batched';
        if (apply && line.result === 'paid') await this.payouts.markPaid(staff, payout.id, { version: payout.version, reference: line.detail }, manager);
        if (apply && line.result === 'failed') await this.payouts.markFailed(staff, payout.id, { version: payout.version, reason: line.detail }, manager);
        applied.push({ payoutId: payout.id, bankReference: payout.bank_reference, result: line.result, applied: apply });
      }
      const paid = applied.filter((r) => r.applied && r.result === 'paid').length;
      const failed = applied.filter((r) => r.applied && r.result === 'failed').length;
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'payout_batch.reconciled',
        entityType: 'payout_batch',
        entityId: id,
        after: { paid, failed, unchanged: applied.length - paid - failed },
      });
      if ((await this.batches.stillBatchedCount(manager, id)) === 0) await this.moveBatch(manager, staff, batch, 'closed');
      return applied;
    });
    return { batch: await this.get(id), results };
  }

  // ---- the machinery -------------------------------------------------------------------------

  /** The void itself, on a batch row already locked: payouts back to approved, items no longer live. */
  private async voidLocked(manager: EntityManager, staff: StaffPrincipal, batch: BatchRow, extra: Record<string, unknown>): Promise<void> {
    const returned = await this.payouts.returnFromVoidedBatch(manager, staff, batch.id);
    await this.items.retire(manager, batch.id);
    await this.moveBatch(manager, staff, batch, 'voided', { returnedPayoutIds: returned, ...extra }, true);
  }

  private async row(manager: EntityManager, id: string): Promise<BatchRow> {
    const row = await this.batches.find(manager, id, false);
    if (!row) throw new BatchNotFoundError();
    return row;
  }

  private async lockedRow(manager: EntityManager, id: string): Promise<BatchRow> {
    const row = await this.batches.find(manager, id, true);
    if (!row) throw new BatchNotFoundError();
    return row;
  }

  private checkMove(from: BatchState, to: BatchState): void {
    if (!BATCH_MOVES[from].includes(to)) throw new BatchIllegalTransitionError(from, to);
  }

  /** Compare-and-set on the batch's version, with its audit event in the same transaction. */
  private async moveBatch(
    manager: EntityManager,
    staff: StaffPrincipal,
    batch: BatchRow,
    to: BatchState,
    extra: Record<string, unknown> = {},
    checked = false,
  ): Promise<void> {
    if (!checked) this.checkMove(batch.state, to);
    if (!(await this.batches.compareAndSet(manager, batch, to)))
      throw new ConflictError('BATCH_STALE_VERSION', 'Someone changed this batch at the same time: check it and try again.');
    await this.audit.record(manager, {
      actorType: 'staff',
      actorId: staff.id,
      action: `payout_batch.${to}`,
      entityType: 'payout_batch',
      entityId: batch.id,
      before: { state: batch.state },
      after: { state: to, ...extra },
    });
  }

  /** An exporter's refusal (a payee it cannot carry, a bad amount) as a 409 that names it; the transaction rolls back. */
  private async exportOrThrow<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // The exporters' own check of the payer (payerFor already checked it): a 409, never a 500.
      if (error instanceof ConfigError) throw new ConflictError('PAYER_NOT_CONFIGURED', error.message);
      if (error instanceof ExportError) throw new ConflictError('BATCH_EXPORT_REFUSED', `No batch was made: ${error.message} (${error.code}).`);
      throw error;
    }
  }

  /** Without a currency asked for: the currency of the oldest approval this format can carry. */
  private async oldestFittingCurrency(manager: EntityManager, exporter: Exporter, currencies: readonly Currency[]): Promise<Currency | null> {
    const pairs = currencies.flatMap((currency) => fittingMethods(exporter, currency).map((method) => `${currency}:${method}`));
    return this.batches.oldestApprovedCurrency(manager, pairs);
  }

  private batchFile(batch: BatchRow, items: ExportItem[] | AsyncIterable<ExportItem>): BatchFile {
    return {
      batchId: batch.id,
      batchReference: batchReference(batch.id),
      createdAt: batch.created_at,
      processingDate: processingDateOf(batch.created_at, this.calendar),
      calendar: this.calendar,
      currency: batch.currency,
      items,
      control: { count: batch.count, totalMinor: Number(batch.total_minor) },
    };
  }
}
