import type { Payer } from '../../config/app-config.js';
import { neutraliseCell } from './csv-cell.js';
import { checkAmount, checkControl, csvLines, eachItem, requireField } from './export-items.js';
import { ExportError, type BatchFile, type ExportItem, type Exporter } from './export-types.js';
import { formatMinor } from './money.js';

/** PayPal Payouts web upload takes at most this many rows in one file. */
export const PAYPAL_MAX_ROWS = 5000;

/**
 * PayPal Payouts web upload CSV. PayPal's layout has no header row (the first row is the
 * first recipient): recipient email, amount (decimal point, as UK and US senders write it),
 * currency, customer ID (≤ 30, no spaces), note to the recipient (≤ 400), wallet. One
 * currency per file and at most 5,000 rows: the batch service splits or refuses beyond that.
 */
function paypalRow(file: BatchFile, item: ExportItem): string[] {
  if (item.payee.method !== 'paypal') {
    throw new ExportError('EXPORT_DOES_NOT_FIT', `Payout ${item.payoutId} (${item.payee.method}) cannot go in a paypal-csv file`);
  }
  if (item.currency !== file.currency) {
    throw new ExportError('EXPORT_MIXED_CURRENCY', `A paypal-csv file carries one currency (${file.currency}); payout ${item.payoutId} is in ${item.currency}`);
  }
  const email = requireField(item.payee.paypalEmail, 'PayPal email', item);
  // Prefixing a quote would change the address PayPal pays, so such an address is refused.
  if (neutraliseCell(email) !== email || /[\s,"]/.test(email)) {
    throw new ExportError('EXPORT_BAD_ACCOUNT', `Payout ${item.payoutId} has a PayPal address PayPal's upload cannot carry safely`);
  }
  return [
    email,
    formatMinor(checkAmount(item), item.currency),
    item.currency,
    item.bankReference.trim().replace(/\s+/g, '-').slice(0, 30),
    neutraliseCell(`Payment for tip ${item.ledger.tipReference} (${item.bankReference})`.slice(0, 400)),
    'PAYPAL',
  ];
}

function tooMany(count: number): ExportError {
  return new ExportError('EXPORT_TOO_MANY_ROWS', `A paypal-csv file takes at most ${PAYPAL_MAX_ROWS} payouts; this batch has ${count}`);
}

async function* writePaypal(file: BatchFile, _payer: Payer): AsyncGenerator<string> {
  const declared = Array.isArray(file.items) ? file.items.length : file.control?.count;
  if (declared !== undefined && declared > PAYPAL_MAX_ROWS) throw tooMany(declared);
  let count = 0;
  let total = 0;
  async function* rows(): AsyncGenerator<string[]> {
    for await (const item of eachItem(file)) {
      if (++count > PAYPAL_MAX_ROWS) throw tooMany(count);
      yield paypalRow(file, item);
      total += item.amountMinor;
    }
  }
  yield* csvLines(rows());
  checkControl(file, count, total);
}

export const paypalCsvExporter: Exporter = {
  format: 'paypal-csv',
  contentType: 'text/csv; charset=utf-8',
  extension: 'csv',
  fits: (item) => item.payee.method === 'paypal',
  write: writePaypal,
};
