import { csvRecord } from './csv-record.js';
import { ExportError, type BatchFile, type ExportItem } from './export-types.js';

/** Yields a batch's items one at a time, whether they came as an array or a stream. */
export async function* eachItem(file: BatchFile): AsyncGenerator<ExportItem> {
  yield* file.items;
}

/** Characters of CSV text gathered before they are handed on (an exporter makes one record at a time). */
const CSV_TEXT_CHARS = 16 * 1024;

/**
 * CSV text of the records, about CSV_TEXT_CHARS at a time: streamed, never the whole file, and
 * only text is held (not the records), so a record's strings die young.
 */
export async function* csvLines(records: AsyncIterable<readonly string[]>, quoteAlso?: RegExp): AsyncGenerator<string> {
  let text = '';
  for await (const record of records) {
    text += csvRecord(record, quoteAlso);
    if (text.length >= CSV_TEXT_CHARS) {
      yield text;
      text = '';
    }
  }
  if (text.length > 0) yield text;
}

/** Refuses amounts that are not positive integer minor units. */
export function checkAmount(item: ExportItem): number {
  const amount = item.amountMinor;
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new ExportError('EXPORT_BAD_AMOUNT', `Payout ${item.payoutId} has amount ${amount}: expected positive integer minor units`);
  }
  return amount;
}

/** Compares what was written against the batch's own count and total, when it gave them. */
export function checkControl(file: BatchFile, count: number, totalMinor: number): void {
  if (file.control && (file.control.count !== count || file.control.totalMinor !== totalMinor)) {
    throw new ExportError(
      'EXPORT_CONTROL_MISMATCH',
      `Batch ${file.batchId} declared ${file.control.count} payouts totalling ${file.control.totalMinor} but carried ${count} totalling ${totalMinor}`,
    );
  }
}

export function requireField<T>(value: T | undefined | null, what: string, item: ExportItem): T {
  if (value === undefined || value === null || value === '') {
    throw new ExportError('EXPORT_MISSING_FIELD', `Payout ${item.payoutId} has no ${what}`);
  }
  return value;
}

/** The UK sort code and account number of a payout, checked for a fixed-width bank format. */
export function ukAccountOf(item: ExportItem, format: string): { sortCode: string; accountNumber: string } {
  if (item.payee.method !== 'uk_bank' || item.currency !== 'GBP') {
    throw new ExportError('EXPORT_DOES_NOT_FIT', `Payout ${item.payoutId} (${item.payee.method}, ${item.currency}) cannot go in a ${format} file`);
  }
  const sortCode = requireField(item.payee.sortCode, 'sort code', item);
  const accountNumber = requireField(item.payee.accountNumber, 'account number', item);
  if (!/^\d{6}$/.test(sortCode) || !/^\d{8}$/.test(accountNumber)) {
    throw new ExportError('EXPORT_BAD_ACCOUNT', `Payout ${item.payoutId} needs a 6-digit sort code and an 8-digit account number`);
  }
  return { sortCode, accountNumber };
}
