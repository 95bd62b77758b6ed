import type { Payer } from '../../config/app-config.js';
import { neutraliseCell } from './csv-cell.js';
import { maskAccount } from '../payee-details.js';
import { csvRecord } from './csv-record.js';
import { checkAmount, checkControl, csvLines, eachItem, requireField } from './export-items.js';
import type { BatchFile, ExportItem, Exporter } from './export-types.js';
import { formatMinor } from './money.js';

export const LEDGER_COLUMNS = [
  'batch',
  'created',
  'processing date',
  'payout reference',
  'contributor',
  'payee name',
  'method',
  'currency',
  'amount',
  'licence',
  'tip reference',
  'offered by',
  'approved by',
  'approved at',
  'status',
  'account',
] as const;

/** The account as staff see it on /accounts (payee-details' maskAccount): last four only. */
export function ledgerAccount(item: ExportItem): string {
  const payee = item.payee;
  switch (payee.method) {
    case 'uk_bank':
      return maskAccount({ method: 'uk_bank', sortCode: payee.sortCode ?? '', accountNumber: requireField(payee.accountNumber, 'account number', item) });
    case 'iban':
      return maskAccount({ method: 'iban', iban: requireField(payee.iban, 'IBAN', item).replace(/\s+/g, ''), bic: payee.bic ?? null });
    case 'paypal':
      return maskAccount({ method: 'paypal', paypalEmail: requireField(payee.paypalEmail, 'PayPal email', item) });
  }
}

function ledgerRow(file: BatchFile, item: ExportItem): string[] {
  const text = (value: string) => neutraliseCell(value);
  return [
    text(file.batchReference),
    file.createdAt.toISOString(),
    file.processingDate.toISOString().slice(0, 10),
    text(item.bankReference),
    text(item.ledger.contributorName),
    text(item.payee.accountName),
    text(item.payee.method),
    text(item.currency),
    // A plain number (positive by checkAmount), so it stays a number in a spreadsheet.
    formatMinor(checkAmount(item), item.currency),
    text(item.ledger.licence),
    text(item.ledger.tipReference),
    text(item.ledger.offeredBy),
    text(item.ledger.approvedBy),
    item.ledger.approvedAt.toISOString(),
    text(item.ledger.status),
    text(ledgerAccount(item)),
  ];
}

// RFC 4180: CRLF after every record, fields quoted only when they need it. A field holding the
// whole CRLF is quoted anyway, but a bare CR or LF must be too: LibreOffice and Excel take it as
// the end of the row, and the text after it would start a row of its own, where `=1+1` is a live formula.
const QUOTE_ALSO = /[\r\n]/;

async function* writeLedger(file: BatchFile, _payer: Payer): AsyncGenerator<string> {
  yield csvRecord(LEDGER_COLUMNS, QUOTE_ALSO);
  let count = 0;
  let total = 0;
  async function* rows(): AsyncGenerator<string[]> {
    for await (const item of eachItem(file)) {
      yield ledgerRow(file, item);
      count += 1;
      total += item.amountMinor;
    }
  }
  yield* csvLines(rows(), QUOTE_ALSO);
  checkControl(file, count, total);
}

export const csvLedgerExporter: Exporter = {
  format: 'csv',
  contentType: 'text/csv; charset=utf-8',
  extension: 'csv',
  fits: () => true,
  write: writeLedger,
};
