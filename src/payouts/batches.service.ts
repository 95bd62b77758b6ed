import { HttpStatus, Injectable } from '@nestjs/common';
import { parse } from 'csv-parse';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig, ConfigError, type Payer } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError, type FieldErrors } from '../http/errors.js';
import { cursorTimestampSql, decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';
import { PaperSettingsService } from '../settings/settings.service.js';
import type { StaffPrincipal } from '../staff/access.js';
import type { Licence } from '../tips/tips.entities.js';
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
import { BankCalendar, ENGLAND_AND_WALES } from './exporters/bank-working-days.js';
import { ExportError, type BatchFile, type ExportChunks, type ExportFormat, type ExportItem, type Exporter } from './exporters/export-types.js';
import { EXPORTERS } from './exporters/exporters.js';
import { PAYPAL_MAX_ROWS } from './exporters/paypal-csv.exporter.js';
import type { PayeeSnapshot } from './payee-versions.js';
import { LEDGER_FORMAT } from './payout-words.js';
import { PayoutsService } from './payouts.service.js';
import { CURRENCIES, PAYEE_METHODS, type BatchState, type Currency, type PayeeMethod } from './payouts.entities.js';

/** The most payouts one file takes (PayPal's upload: 5,000). */
export const BATCH_MAX_PAYOUTS = 100_000;
/** A reconciliation CSV is at most this many bytes. */
export const RECONCILE_MAX_BYTES = 1024 * 1024;
const SNAPSHOT_PAGE = 2000;
/** Snapshot rows per INSERT while a batch is made. */
const SNAPSHOT_INSERT_CHUNK = 250;
const DAY_MS = 24 * 60 * 60 * 1000;

export class BatchNotFoundError extends NotFoundError {
  constructor() {
    super('BATCH_NOT_FOUND', 'There is no payout batch with that id.');
  }
}

export class NothingToPayError extends DomainError {
  constructor(format: string, currency: string | null) {
    super(HttpStatus.BAD_REQUEST, 'BATCH_NOTHING_TO_PAY', `No approved payout fits a ${format} file${currency ? ` in ${currency}` : ''}: no batch was made.`);
  }
}

export class BatchIllegalTransitionError extends ConflictError {
  override readonly details: { from: BatchState; to: BatchState };

  constructor(from: BatchState, to: BatchState) {
    super('BATCH_ILLEGAL_TRANSITION', `This batch is ${from}: it cannot become ${to}.`);
    this.details = { from, to };
  }
}

/** 409: the file left tipdesk, so it may be at the bank: voiding it could pay its payouts twice. */
export class BatchDownloadedError extends ConflictError {
  constructor() {
    super(
      'BATCH_DOWNLOADED',
      'This batch’s file has been downloaded, so it may already be at the bank: it cannot be voided here. If the bank really never received it, an admin who did not download it can void it, with a reason and the confirmation that the bank did not receive the file.',
    );
  }
}

/** Whether a batch in `from` may move to `to`: locked → sent | voided; sent → closed (by reconciling). */
const BATCH_MOVES: Record<BatchState, readonly BatchState[]> = { locked: ['sent', 'voided'], sent: ['closed'], closed: [], voided: [] };

interface BatchRow {
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

/** One payout of a batch being made, with the names its ledger line shows. */
interface BatchPayoutRow {
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

const BATCH_SELECT = `SELECT b.*, ${cursorTimestampSql('b.created_at')} AS cursor_at FROM payout_batches b`;

/** `TDB-` + 12 hex digits of the id: bank-safe, ≤ 18, fixed for the batch's life (so the file is too). */
export function batchReference(id: string): string {
  return `TDB-${id.replace(/-/g, '').slice(0, 12).toUpperCase()}`;
}

/** The bank pays on the first working day after the batch was made (derived, so regenerating gives the same date). */
export function processingDateOf(createdAt: Date, calendar: BankCalendar = ENGLAND_AND_WALES): Date {
  return calendar.nextWorkingDay(new Date(createdAt.getTime() + DAY_MS));
}

/** processingDateOf for a batch being made: a year without a holiday table is a 409 that says what to set, not a 500. */
export function processingDateForNewBatch(createdAt: Date, calendar: BankCalendar): Date {
  try {
    return processingDateOf(createdAt, calendar);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ConflictError(
      'BANK_HOLIDAYS_MISSING',
      `tipdesk has no bank holidays for the year after ${createdAt.toISOString().slice(0, 10)}, so it cannot pick a processing day: set BANK_HOLIDAYS (see README). No batch was made.`,
    );
  }
}

function toDto(row: BatchRow, calendar: BankCalendar): BatchDto {
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

/** The payee methods a format carries in `currency`, asked of the exporter's own fits(). */
function fittingMethods(exporter: Exporter, currency: Currency): PayeeMethod[] {
  return PAYEE_METHODS.filter((method) =>
    exporter.fits({
      payoutId: '',
      bankReference: '',
      amountMinor: 1,
      currency,
      payee: { method, accountName: '' },
      ledger: { contributorName: '', tipReference: '', licence: '', offeredBy: '', approvedBy: '', approvedAt: new Date(0), status: '' },
    }),
  );
}

/** The stored snapshot back to the item the exporter wrote (JSON has no dates). */
function itemFromSnapshot(json: string): ExportItem {
  const item = JSON.parse(json) as ExportItem & { ledger: { approvedAt: string } };
  return { ...item, ledger: { ...item.ledger, approvedAt: new Date(item.ledger.approvedAt) } };
}

/** Bytes a download gathers before it writes to the socket (an exporter yields one record at a time). */
const DOWNLOAD_CHUNK_BYTES = 64 * 1024;

/**
 * Buffers of the file, hashed as they pass, gathered into writes of about DOWNLOAD_CHUNK_BYTES
 * (not one small write per record); at the end a mismatch with `expected` fails the stream, so
 * the response is cut off before it completes.
 */
async function* verified(chunks: ExportChunks, expected: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    hash.update(bytes);
    pending.push(bytes);
    pendingBytes += bytes.length;
    if (pendingBytes >= DOWNLOAD_CHUNK_BYTES) {
      yield Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
  const actual = hash.digest('hex');
  if (actual !== expected) throw new Error(`Batch file regenerated with SHA-256 ${actual}, stored ${expected}: download cut off`);
}

async function sha256Of(chunks: ExportChunks): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return hash.digest('hex');
}

export interface BatchDownload {
  filename: string;
  contentType: string;
  sha256: string;
  body: Readable;
}

interface ReconcileLine {
  row: number;
  reference: string;
  result: 'paid' | 'failed';
  detail: string;
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
    private readonly payouts: PayoutsService,
    private readonly audit: AuditService,
    private readonly cipher: FieldCipher,
    private readonly config: AppConfig,
    private readonly settings: PaperSettingsService,
  ) {
    this.calendar = BankCalendar.withExtra(config.bankHolidays);
  }

  private readonly calendar: BankCalendar;

  // ---- reads ---------------------------------------------------------------------------------

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<BatchDto> {
    return toDto(await this.row(manager, id), this.calendar);
  }

  /** Newest first, optionally one state, a keyset page at a time. */
  async list(query: ListBatchesQueryDto): Promise<BatchPageDto> {
    const limit = query.limit ?? BATCH_PAGE_SIZE_DEFAULT;
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    if (query.state) where.push(`b.state = ${param(query.state)}`);
    if (query.cursor) {
      const cursor = decodeKeysetCursor(query.cursor);
      where.push(`(b.created_at, b.id) < (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);
    }
    const rows = await this.dataSource.query<BatchRow[]>(
      `${BATCH_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY b.created_at DESC, b.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return { items: page.map((row) => toDto(row, this.calendar)), nextCursor: more && last ? encodeKeysetCursor({ at: last.cursor_at, id: last.id }) : null };
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
    const payer = await this.settings.payerFor(input.format);
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
      const [inserted] = await manager.query<{ id: string }[]>(
        `INSERT INTO payout_batches (format, currency, created_by, count, total_minor, state) VALUES ($1, $2, $3, 0, 0, 'locked') RETURNING id`,
        [input.format, currency, staff.id],
      );
      const limit = input.format === 'paypal-csv' ? PAYPAL_MAX_ROWS : BATCH_MAX_PAYOUTS;
      const { count, totalMinor } = await this.payouts.batchApproved(
        manager,
        staff,
        inserted.id,
        { currency, methods: fittingMethods(exporter, currency) },
        limit,
      );
      if (count === 0) throw new NothingToPayError(input.format, currency);
      await manager.query(`UPDATE payout_batches SET count = $2, total_minor = $3 WHERE id = $1`, [inserted.id, count, totalMinor]);
      const batch = await this.row(manager, inserted.id);
      processingDateForNewBatch(batch.created_at, this.calendar); // refuses (and rolls back) before any snapshot is written

      // The snapshots are stored a chunk at a time and the file is written from them as stored
      // (through JSON), exactly as a download will: never the whole batch in memory at once.
      const fileSha256 = await this.exportOrThrow(() =>
        sha256Of(exporter.write(this.batchFile(batch, this.storeSnapshots(manager, exporter, batch.id)), payer)),
      );
      // The payer is kept with the batch: a download writes the same bytes whatever the settings say later.
      await manager.query(`UPDATE payout_batches SET file_sha256 = $2, payer_snapshot = $3 WHERE id = $1`, [batch.id, fileSha256, JSON.stringify(payer)]);
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
    const payer = found.payer_snapshot ?? (await this.settings.payerFor(found.format));
    // Who holds a copy is recorded before a byte leaves, under the batch's row lock, so a void
    // either sees this download or happens first (and then there is no file to hand out).
    const batch = await this.dataSource.transaction(async (manager) => {
      const [[row]] = await manager.query<[BatchRow[], number]>(
        `UPDATE payout_batches b SET first_downloaded_at = coalesce(b.first_downloaded_at, now()), first_downloaded_by = coalesce(b.first_downloaded_by, $2::uuid)
          WHERE b.id = $1 AND b.state <> 'voided'
          RETURNING b.*, ${cursorTimestampSql('b.created_at')} AS cursor_at`,
        [id, staff.id],
      );
      if (!row)
        throw new ConflictError('BATCH_VOIDED', 'This batch was voided: its payouts went back to be batched again, so its file must never reach the bank.');
      await manager.query(`INSERT INTO payout_batch_downloads (batch_id, downloaded_by) VALUES ($1, $2)`, [id, staff.id]);
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
    const chunks = exporter.write(this.batchFile(batch, this.storedItems(batch.id)), payer);
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
      const downloaders = await manager.query<{ id: string; name: string }[]>(
        // staff_users belongs to the staff module: a read-only join for the names the audit keeps.
        `SELECT s.id, s.name FROM payout_batch_downloads d JOIN staff_users s ON s.id = d.downloaded_by
          WHERE d.batch_id = $1 GROUP BY s.id, s.name ORDER BY min(d.at)`,
        [id],
      );
      if (downloaders.some((d) => d.id === staff.id)) {
        throw new DomainError(
          HttpStatus.FORBIDDEN,
          'BATCH_VOID_BY_DOWNLOADER',
          'You downloaded this batch’s file: another admin, who did not, must confirm the bank never received it.',
        );
      }
      const [{ settled }] = await manager.query<{ settled: number }[]>(
        `SELECT count(*)::int AS settled FROM payouts WHERE batch_id = $1 AND state IN ('paid', 'failed')`,
        [id],
      );
      if (settled > 0)
        throw new ConflictError(
          'BATCH_HAS_SETTLED_PAYOUTS',
          `${settled} payout(s) of this batch are already paid or failed: the bank did receive it. Nothing was changed.`,
        );
      const [me] = await manager.query<{ name: string }[]>(`SELECT name FROM staff_users WHERE id = $1`, [staff.id]);
      await this.voidLocked(manager, staff, batch, {
        reason: input.reason,
        bankDidNotReceiveFile: true,
        voidedBy: { id: staff.id, name: me?.name ?? staff.name },
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
        // A ledger export is a record for the accounts, not a bank file: its payouts' history says so.
        [id, staff.id, staff.role, batch.format === LEDGER_FORMAT ? `ledger ${batchReference(id)} recorded` : `batch ${batchReference(id)} sent to the bank`],
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
      const payouts = await manager.query<{ id: string; bank_reference: string; state: string; version: number }[]>(
        `SELECT id, bank_reference, state, version FROM payouts WHERE batch_id = $1 ORDER BY id FOR UPDATE`,
        [id],
      );
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
      if (Object.keys(fields).length > 0) {
        throw new ValidationFailedError(
          fields,
          `Nothing was applied: ${Object.entries(fields)
            .map(([row, texts]) => `${row}: ${texts.join('; ')}`)
            .join('; ')}`,
        );
      }
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
      const [{ open }] = await manager.query<{ open: number }[]>(`SELECT count(*)::int AS open FROM payouts WHERE batch_id = $1 AND state = 'batched'`, [id]);
      if (open === 0) await this.moveBatch(manager, staff, batch, 'closed');
      return applied;
    });
    return { batch: await this.get(id), results };
  }

  // ---- the machinery -------------------------------------------------------------------------

  /** The void itself, on a batch row already locked: payouts back to approved, items no longer live. */
  private async voidLocked(manager: EntityManager, staff: StaffPrincipal, batch: BatchRow, extra: Record<string, unknown>): Promise<void> {
    const returned = await this.payouts.returnFromVoidedBatch(manager, staff, batch.id);
    // Frees the payouts in the one-live-batch unique index (uq_payout_batch_items_payout_id_live).
    await manager.query(`UPDATE payout_batch_items SET live = false WHERE batch_id = $1`, [batch.id]);
    await this.moveBatch(manager, staff, batch, 'voided', { returnedPayoutIds: returned, ...extra }, true);
  }

  private async row(manager: EntityManager, id: string): Promise<BatchRow> {
    const [row] = await manager.query<BatchRow[]>(`${BATCH_SELECT} WHERE b.id = $1`, [id]);
    if (!row) throw new BatchNotFoundError();
    return row;
  }

  private async lockedRow(manager: EntityManager, id: string): Promise<BatchRow> {
    const [row] = await manager.query<BatchRow[]>(`${BATCH_SELECT} WHERE b.id = $1 FOR UPDATE`, [id]);
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
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE payout_batches SET state = $3, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id`,
      [batch.id, batch.version, to],
    );
    if (rows.length === 0) throw new ConflictError('BATCH_STALE_VERSION', 'Someone changed this batch at the same time: check it and try again.');
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
    const [row] = await manager.query<{ currency: Currency }[]>(
      `SELECT p.currency FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id
        WHERE p.state = 'approved' AND (p.currency || ':' || d.method) = ANY($1::text[])
        ORDER BY p.approved_at, p.id LIMIT 1`,
      [pairs],
    );
    return row?.currency ?? null;
  }

  /**
   * Snapshots of the batch's payouts (already marked batched), in file order (oldest approval
   * first), SNAPSHOT_INSERT_CHUNK at a time through a server-side cursor: each chunk's payees
   * decrypted, its encrypted snapshots inserted in one statement, then its items yielded as read
   * back from the stored JSON. Only one chunk is ever in memory.
   */
  private async *storeSnapshots(manager: EntityManager, exporter: Exporter, batchId: string): AsyncGenerator<ExportItem> {
    // tips, contributors and staff_users belong to other modules: read-only joins for the ledger's names.
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
    let position = 0;
    for (;;) {
      const rows = await manager.query<BatchPayoutRow[]>(`FETCH ${SNAPSHOT_INSERT_CHUNK} FROM batch_payouts`);
      if (rows.length === 0) break;
      const snapshots = await this.snapshotsOf(manager, exporter, rows);
      await manager.query(
        `INSERT INTO payout_batch_items (batch_id, payout_id, position, snapshot_encrypted)
         SELECT $1, u.payout_id, u.position, u.snapshot FROM unnest($2::uuid[], $3::int[], $4::text[]) AS u(payout_id, position, snapshot)`,
        [batchId, snapshots.map((s) => s.payoutId), snapshots.map((_, i) => position + i + 1), snapshots.map((s) => this.cipher.encrypt(s.json))],
      );
      position += snapshots.length;
      for (const snapshot of snapshots) yield itemFromSnapshot(snapshot.json);
    }
    await manager.query(`CLOSE batch_payouts`);
  }

  /** Each payout as the exporter will write it (payee decrypted), as JSON to encrypt and store. */
  private async snapshotsOf(manager: EntityManager, exporter: Exporter, rows: readonly BatchPayoutRow[]): Promise<{ payoutId: string; json: string }[]> {
    const payees = await this.payouts.payeeSnapshots(
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

  /** The batch's snapshots in file order, a page at a time, decrypted as they are read. */
  private async *storedItems(batchId: string): AsyncGenerator<ExportItem> {
    // Positions run 1..count with no gaps, so a page is a range of them: both columns of the
    // (batch_id, position) index bound the scan, whatever the planner's statistics say (before
    // the first ANALYZE after a big batch, `position > $2 … LIMIT` could scan the whole batch per page).
    const page = (after: number) => {
      const rows = this.dataSource.query<{ position: number; snapshot_encrypted: string }[]>(
        `SELECT position, snapshot_encrypted FROM payout_batch_items WHERE batch_id = $1 AND position BETWEEN $2 AND $3 ORDER BY position`,
        [batchId, after + 1, after + SNAPSHOT_PAGE],
      );
      rows.catch(() => undefined); // awaited below; this only spares an abandoned download an unhandled rejection
      return rows;
    };
    let next: Promise<{ position: number; snapshot_encrypted: string }[]> | null = page(0);
    while (next) {
      const rows: { position: number; snapshot_encrypted: string }[] = await next;
      // The next page is read while this one is decrypted and written: the database and the CPU overlap.
      next = rows.length === SNAPSHOT_PAGE ? page(rows[rows.length - 1].position) : null;
      for (const row of rows) yield itemFromSnapshot(this.cipher.decrypt(row.snapshot_encrypted));
    }
  }
}

function payeeFields(payee: PayeeSnapshot): ExportItem['payee'] {
  const account = payee.account;
  switch (account.method) {
    case 'uk_bank':
      return { method: 'uk_bank', accountName: payee.accountName, sortCode: account.sortCode, accountNumber: account.accountNumber };
    case 'iban':
      return { method: 'iban', accountName: payee.accountName, iban: account.iban, ...(account.bic ? { bic: account.bic } : {}) };
    case 'paypal':
      return { method: 'paypal', accountName: payee.accountName, paypalEmail: account.paypalEmail };
  }
}

export class ReconcileTooLargeError extends DomainError {
  constructor() {
    super(HttpStatus.PAYLOAD_TOO_LARGE, 'BATCH_RECONCILE_TOO_LARGE', `A reconciliation file may be at most ${RECONCILE_MAX_BYTES} bytes.`);
  }
}

const DETAIL_MAX = { paid: 100, failed: 500 } as const;

/**
 * `payout reference, paid|failed, bank reference or reason` per row (an optional header row
 * whose second cell is "result" is skipped), at most RECONCILE_MAX_BYTES. Every problem is
 * named by its row; none means every row is well formed.
 */
export async function parseReconcileCsv(csv: Readable): Promise<ReconcileLine[]> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > RECONCILE_MAX_BYTES ? new ReconcileTooLargeError() : null, chunk);
    },
  });
  const records: { row: number; cells: string[] }[] = [];
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 4096, info: true });
  const collect = new Transform({
    objectMode: true,
    transform(record: { record: string[]; info: { lines: number } }, _encoding, done) {
      records.push({ row: record.info.lines, cells: record.record });
      done();
    },
  });
  try {
    await pipeline(csv, limit, parser, collect);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new ValidationFailedError({ file: [(error as Error).message] }, 'The reconciliation file is not readable CSV');
  }
  if (records[0] && records[0].cells[1]?.toLowerCase() === 'result') records.shift();
  if (records.length === 0) throw new ValidationFailedError({ file: ['No rows'] }, 'The reconciliation file has no rows');

  const fields: FieldErrors = {};
  const lines: ReconcileLine[] = [];
  for (const { row, cells } of records) {
    const problems: string[] = [];
    const [reference = '', result = '', detail = ''] = cells;
    const normalised = reference.toUpperCase().replace(/\s+/g, ' ');
    const outcome = result.toLowerCase();
    if (cells.length !== 3) problems.push(`expected 3 cells (payout reference, result, bank reference or reason), found ${cells.length}`);
    if (!normalised) problems.push('payout reference is empty');
    if (outcome !== 'paid' && outcome !== 'failed') problems.push(`result must be paid or failed, not ${JSON.stringify(result.slice(0, 20))}`);
    else if (!detail) problems.push(outcome === 'paid' ? 'the bank reference is empty' : 'the reason is empty');
    else if (detail.length > DETAIL_MAX[outcome])
      problems.push(`the ${outcome === 'paid' ? 'bank reference' : 'reason'} is longer than ${DETAIL_MAX[outcome]} characters`);
    else if (/\p{Cc}/u.test(detail)) problems.push(`the ${outcome === 'paid' ? 'bank reference' : 'reason'} contains control characters`);
    if (problems.length > 0) fields[`row ${row}`] = problems;
    else lines.push({ row, reference: normalised, result: outcome as 'paid' | 'failed', detail });
  }
  if (Object.keys(fields).length > 0) {
    throw new ValidationFailedError(
      fields,
      `Nothing was applied: ${Object.entries(fields)
        .map(([row, texts]) => `${row}: ${texts.join('; ')}`)
        .join('; ')}`,
    );
  }
  return lines;
}
