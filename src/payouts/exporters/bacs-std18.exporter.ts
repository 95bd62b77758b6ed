import type { Payer } from '../../config/app-config.js';
import { ukBankText } from './bank-text.js';
import { ENGLAND_AND_WALES } from './bank-working-days.js';
import { checkAmount, checkControl, eachItem, ukAccountOf } from './export-items.js';
import { fitsBankline } from './bankline.exporter.js';
import { ExportError, type BatchFile, type ExportItem, type Exporter } from './export-types.js';
import { payerField } from './payer-fields.js';

/**
 * Bacs Standard 18 direct-credit file, single processing day, one service user: fixed
 * 100-character records, CRLF after each. Layout from the Bacs Standard 18 record
 * specification as bureau software writes it (VOL1/HDR1/HDR2/UHL1 labels, type-0 records,
 * one contra, EOF1/EOF2/UTL1 trailers). Labels are 80 characters in the standard and padded
 * to 100 here, as Bacstel-IP accepts.
 */
export const BACS_RECORD_WIDTH = 100;
const CREDIT = '99';
const CONTRA = '17';

/** Exactly `width` characters: cut or padded on the right with spaces. */
function alpha(text: string, width: number): string {
  return text.slice(0, width).padEnd(width, ' ');
}

/** Exactly `width` digits, zero-padded; refuses a number that would not fit. */
function numeric(value: number, width: number, what: string): string {
  const digits = String(value);
  if (!Number.isSafeInteger(value) || value < 0 || digits.length > width) {
    throw new ExportError('EXPORT_FIELD_OVERFLOW', `${what} ${value} does not fit ${width} digits`);
  }
  return digits.padStart(width, '0');
}

function record(...fields: string[]): string {
  const line = fields.join('');
  if (line.length > BACS_RECORD_WIDTH) throw new Error(`Bacs record of ${line.length} characters: ${line}`);
  return line.padEnd(BACS_RECORD_WIDTH, ' ') + '\r\n';
}

/** Bacs dates: a space, two-digit year, day of the year (" 26331" is 27 November 2026). */
export function bacsDate(date: Date): string {
  const year = date.getUTCFullYear();
  const dayOfYear = Math.floor((Date.UTC(year, date.getUTCMonth(), date.getUTCDate()) - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
  return ` ${String(year % 100).padStart(2, '0')}${String(dayOfYear).padStart(3, '0')}`;
}

/** Six alphanumerics naming this submission, from the batch reference. */
export function volumeSerial(batchReference: string): string {
  return ukBankText(batchReference, 64)
    .replace(/[^A-Z0-9]/g, '')
    .slice(-6)
    .padStart(6, '0');
}

interface Originator {
  sun: string;
  sortCode: string;
  account: string;
  name: string;
}

function headerLabels(kind: 'HDR' | 'EOF', sun: string, serial: string, created: string): string[] {
  return [
    // file id "A" + SUN + "S" + 2 spaces + "1" + SUN, set id, section 0001, sequence 0001,
    // generation (blank), creation and expiry dates, accessibility, block count, system code.
    record(`${kind}1`, `A${sun}S  1${sun}`, serial, '0001', '0001', alpha('', 6), created, created, ' ', '000000', alpha('', 13), alpha('', 7)),
    // fixed records of 100 in blocks of 2000, buffer offset 00.
    record(`${kind}2`, 'F', '02000', '00100', alpha('', 35), '00', alpha('', 28)),
  ];
}

function creditRecord(origin: Originator, item: ExportItem): string {
  const { sortCode, accountNumber: account } = ukAccountOf(item, 'bacs-std18');
  return record(
    sortCode,
    account,
    '0',
    CREDIT,
    origin.sortCode,
    origin.account,
    alpha('', 4),
    numeric(checkAmount(item), 11, 'Amount'),
    alpha(origin.name, 18),
    alpha(ukBankText(item.bankReference, 18), 18),
    alpha(ukBankText(item.payee.accountName, 18), 18),
  );
}

async function* writeBacs(file: BatchFile, payer: Payer): AsyncGenerator<string> {
  const origin: Originator = {
    sun: payerField(payer, 'serviceUserNumber'),
    sortCode: payerField(payer, 'sortCode'),
    account: payerField(payer, 'accountNumber'),
    name: ukBankText(payerField(payer, 'name'), 18),
  };
  if (!(file.calendar ?? ENGLAND_AND_WALES).isWorkingDay(file.processingDate)) {
    throw new ExportError('EXPORT_NOT_A_WORKING_DAY', `Processing day ${file.processingDate.toISOString().slice(0, 10)} is not a bank working day`);
  }
  const serial = volumeSerial(file.batchReference);
  const created = bacsDate(file.createdAt);
  const processing = bacsDate(file.processingDate);

  yield record('VOL1', serial, '0', alpha('', 20), alpha('', 6), alpha('', 4), origin.sun, alpha('', 4), alpha('', 28), '1');
  yield* headerLabels('HDR', origin.sun, serial, created);
  // processing day, receiving party 999999, sterling 00, country 000000, work code, file 001.
  yield record('UHL1', processing, alpha('999999', 10), '00', '000000', alpha('1 DAILY', 9), '001', alpha('', 7), alpha('', 7));

  let count = 0;
  let total = 0;
  for await (const item of eachItem(file)) {
    yield creditRecord(origin, item);
    count += 1;
    total += item.amountMinor;
  }
  if (count === 0) throw new ExportError('EXPORT_EMPTY', 'A Bacs file needs at least one payout');
  checkControl(file, count, total);

  // The contra debits the originating account with the total of the credits.
  yield record(
    origin.sortCode,
    origin.account,
    '0',
    CONTRA,
    origin.sortCode,
    origin.account,
    alpha('', 4),
    numeric(total, 11, 'Contra total'),
    alpha(ukBankText(file.batchReference, 18), 18),
    alpha('CONTRA', 18),
    alpha(origin.name, 18),
  );
  yield* headerLabels('EOF', origin.sun, serial, created);
  // debit total and credit total (13 digits each), debit count and credit count (7 each).
  yield record('UTL1', numeric(total, 13, 'Debit total'), numeric(total, 13, 'Credit total'), numeric(1, 7, 'Debit count'), numeric(count, 7, 'Credit count'));
}

export const bacsStd18Exporter: Exporter = {
  format: 'bacs-std18',
  contentType: 'text/plain; charset=us-ascii',
  extension: 'txt',
  fits: fitsBankline,
  write: writeBacs,
};
