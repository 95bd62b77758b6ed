import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { PAYPAL_MAX_ROWS, paypalCsvExporter } from '../../../src/payouts/exporters/paypal-csv.exporter.js';
import type { ExportItem } from '../../../src/payouts/exporters/export-types.js';
import { batch, collect, expectGolden, expectStreamed, lazyItems, PAYER, paypalItem, progressWhileDraining, ukItem } from './exporter-fixtures.js';

const sample = () => batch([paypalItem(1, 'Jo Bloggs', 25000), paypalItem(2, 'Zoë', 1), paypalItem(3, '=cmd', 100_000_000)]);

describe('paypal-csv exporter', () => {
  it('matches its golden file byte for byte', async () => {
    expectGolden('paypal.csv', await collect(paypalCsvExporter.write(sample(), PAYER)));
  });

  it('writes recipient, amount, currency, ID, note and wallet with no header row', async () => {
    const rows: string[][] = parse(await collect(paypalCsvExporter.write(sample(), PAYER)));
    expect(rows[0]).toEqual(['payee1@example.com', '250.00', 'GBP', 'TD-PP-0001', 'Payment for tip TD-PPAL-0001 (TD PP 0001)', 'PAYPAL']);
    expect(rows.map((row) => row[1])).toEqual(['250.00', '0.01', '1000000.00']);
    for (const row of rows) expect(row[3]).not.toMatch(/\s/);
  });

  it('carries one currency per file', async () => {
    const file = batch([paypalItem(1, 'A', 100), paypalItem(2, 'B', 100, 'EUR')]);
    await expect(collect(paypalCsvExporter.write(file, PAYER))).rejects.toThrow(/one currency \(GBP\)/);
  });

  it('refuses more than 5,000 rows, whether counted up front or while streaming', async () => {
    const many = Array.from({ length: PAYPAL_MAX_ROWS + 1 }, (_, n) => paypalItem(n, 'A', 100));
    await expect(collect(paypalCsvExporter.write(batch(many), PAYER))).rejects.toThrow(/at most 5000 payouts; this batch has 5001/);
    await expect(collect(paypalCsvExporter.write(batch(lazyItems(PAYPAL_MAX_ROWS + 1, (n) => paypalItem(n, 'A', 100))), PAYER))).rejects.toThrow(
      /at most 5000/,
    );
    expect((await collect(paypalCsvExporter.write(batch(many.slice(1)), PAYER))).split('\r\n')).toHaveLength(PAYPAL_MAX_ROWS + 1);
  });

  it('takes only PayPal payees, and refuses an address that would read as a formula', async () => {
    expect(paypalCsvExporter.fits(ukItem(1, 'A', 1))).toBe(false);
    await expect(collect(paypalCsvExporter.write(batch([ukItem(1, 'A', 1)]), PAYER))).rejects.toThrow(/cannot go in a paypal-csv file/);
    const formula: ExportItem = { ...paypalItem(1, 'A', 1), payee: { method: 'paypal', accountName: 'A', paypalEmail: '=1+1@example.com' } };
    await expect(collect(paypalCsvExporter.write(batch([formula]), PAYER))).rejects.toThrow(/cannot carry safely/);
  });

  it('streams its 5,000 rows; 100,000 lazily made payouts fail at row 5,001 without reading further', async () => {
    const progress = await progressWhileDraining(
      PAYPAL_MAX_ROWS,
      (n) => paypalItem(n, 'A', n),
      (items) => paypalCsvExporter.write(batch(items), PAYER),
    );
    expectStreamed(progress, PAYPAL_MAX_ROWS);
    let pulled = 0;
    const counted = lazyItems(100_000, (n) => {
      pulled = n;
      return paypalItem(n, 'A', n);
    });
    await expect(collect(paypalCsvExporter.write(batch(counted), PAYER))).rejects.toThrow(/at most 5000/);
    expect(pulled).toBe(PAYPAL_MAX_ROWS + 1);
  });
});
