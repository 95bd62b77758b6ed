import { createHash } from 'node:crypto';
import { ConflictError } from '../http/errors.js';
import { type BankCalendar, ENGLAND_AND_WALES } from './exporters/bank-working-days.js';
import type { ExportChunks, ExportItem, Exporter } from './exporters/export-types.js';
import type { PayeeSnapshot } from './payee-versions.js';
import { PAYEE_METHODS, type Currency, type PayeeMethod } from './payouts.entities.js';

// A batch's file: its reference and processing day, which payouts a format carries, the items
// as stored, and the bytes hashed as they stream.

const DAY_MS = 24 * 60 * 60 * 1000;

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

/** The payee methods a format carries in `currency`, asked of the exporter's own fits(). */
export function fittingMethods(exporter: Exporter, currency: Currency): PayeeMethod[] {
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
export function itemFromSnapshot(json: string): ExportItem {
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
export async function* verified(chunks: ExportChunks, expected: string): AsyncGenerator<Buffer> {
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

export async function sha256Of(chunks: ExportChunks): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return hash.digest('hex');
}

/** The decrypted payee as an exporter writes it. */
export function payeeFields(payee: PayeeSnapshot): ExportItem['payee'] {
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
