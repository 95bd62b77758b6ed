import type { Payer } from '../../config/app-config.js';
import { ukBankText } from './bank-text.js';
import { checkAmount, checkControl, csvLines, eachItem, ukAccountOf } from './export-items.js';
import type { BatchFile, ExportItem, Exporter } from './export-types.js';
import { formatMinor } from './money.js';
import { payerField } from './payer-fields.js';

/**
 * NatWest/RBS Bankline import, "standard domestic payment" records (Faster Payments), one
 * CSV record per payout, no header row. Bankline's CSV layout places field Tnnn in column
 * nnn, so the record runs to T034 with the unused fields empty. Field list: the issue and the
 * Bankline "import file layout guide (CSV format)"; check it against the bank's current guide
 * before the first live upload.
 */
export const BANKLINE_FIELDS = {
  T001: 1, // payment type: 01 standard domestic payment
  T010: 10, // debit account: payer sort code + account number, 14 digits
  T014: 14, // amount, decimal with 2 places
  T016: 16, // payment date DDMMYYYY
  T022: 22, // beneficiary sort code
  T028: 28, // beneficiary account number
  T030: 30, // beneficiary name, ≤ 35
  T034: 34, // beneficiary reference, ≤ 18
} as const;
const RECORD_WIDTH = 34;

export function fitsBankline(item: ExportItem): boolean {
  return item.payee.method === 'uk_bank' && item.currency === 'GBP';
}

/** DDMMYYYY of a date's UTC calendar day. */
export function ddmmyyyy(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(0, 4)}`;
}

function banklineRecord(debitAccount: string, date: string, item: ExportItem): string[] {
  const { sortCode, accountNumber: account } = ukAccountOf(item, 'bankline-csv');
  const record: string[] = new Array<string>(RECORD_WIDTH).fill('');
  const set = (field: keyof typeof BANKLINE_FIELDS, value: string) => (record[BANKLINE_FIELDS[field] - 1] = value);
  set('T001', '01');
  set('T010', debitAccount);
  set('T014', formatMinor(checkAmount(item), 'GBP'));
  set('T016', date);
  set('T022', sortCode);
  set('T028', account);
  set('T030', ukBankText(item.payee.accountName, 35));
  set('T034', ukBankText(item.bankReference, 18));
  return record;
}

async function* writeBankline(file: BatchFile, payer: Payer): AsyncGenerator<string> {
  const debitAccount = payerField(payer, 'sortCode') + payerField(payer, 'accountNumber');
  const date = ddmmyyyy(file.processingDate);
  let count = 0;
  let total = 0;
  async function* records(): AsyncGenerator<string[]> {
    for await (const item of eachItem(file)) {
      yield banklineRecord(debitAccount, date, item);
      count += 1;
      total += item.amountMinor;
    }
  }
  yield* csvLines(records());
  checkControl(file, count, total);
}

export const banklineExporter: Exporter = {
  format: 'bankline-csv',
  contentType: 'text/csv; charset=us-ascii',
  extension: 'csv',
  fits: fitsBankline,
  write: writeBankline,
};
