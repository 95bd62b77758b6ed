import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { neutraliseCell } from '../../../src/payouts/exporters/csv-cell.js';
import { csvLedgerExporter, LEDGER_COLUMNS, ledgerAccount } from '../../../src/payouts/exporters/csv-ledger.exporter.js';
import { formatMinor } from '../../../src/payouts/exporters/money.js';
import type { ExportItem } from '../../../src/payouts/exporters/export-types.js';
import {
  batch,
  collect,
  expectGolden,
  expectStreamed,
  gatheredFirst,
  ibanItem,
  PAYER,
  paypalItem,
  progressWhileDraining,
  ukItem,
} from './exporter-fixtures.js';

const INJECTIONS: [string, string][] = [
  ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
  [`+cmd|' /C calc'!A0`, `'+cmd|' /C calc'!A0`],
  ['@SUM(1)', `'@SUM(1)`],
  ['-2+3', `'-2+3`],
  ['\t=1+1', `'\t=1+1`],
  ['\r=1+1', `'\r=1+1`],
  ['\n=1+1', `'\n=1+1`],
  ['Jo "the lens" Bloggs', 'Jo "the lens" Bloggs'],
  ['line one\nline two', 'line one\nline two'],
  ['a=b', 'a=b'],
  ['', ''],
  ['Zoë Ørsted', 'Zoë Ørsted'],
];

describe('neutraliseCell', () => {
  it.each(INJECTIONS)('turns %j into %j', (input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });
});

describe('formatMinor', () => {
  it.each([
    [1, 'GBP', '0.01'],
    [25000, 'GBP', '250.00'],
    [100_000_000, 'GBP', '1000000.00'],
    [5, 'EUR', '0.05'],
    [1234, 'JPY', '1234'],
    [1234, 'KWD', '1.234'],
  ])('%i %s is %s', (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });
});

describe('ledgerAccount', () => {
  const item = (payee: ExportItem['payee']) => ({ ...ukItem(1, 'x', 100), payee }) as ExportItem;
  it('masks as /accounts does: the last four only', () => {
    expect(ledgerAccount(item({ method: 'uk_bank', accountName: 'x', sortCode: '402030', accountNumber: '12345678' }))).toBe('****5678');
    expect(ledgerAccount(item({ method: 'iban', accountName: 'x', iban: 'DE89 3704 0044 0532 0130 00' }))).toBe('DE** **** 3000');
    expect(ledgerAccount(item({ method: 'paypal', accountName: 'x', paypalEmail: 'someone@example.com' }))).toBe('s***@example.com');
  });
  it('refuses a payee without its account rather than write a blank', () => {
    expect(() => ledgerAccount(item({ method: 'iban', accountName: 'x' }))).toThrow('has no IBAN');
  });
});

const sample = () =>
  batch([
    ukItem(1, 'Jo Bloggs', 25000),
    ukItem(2, '=HYPERLINK("http://x","y")', 1),
    ukItem(3, `+cmd|' /C calc'!A0`, 100_000_000),
    ukItem(4, '@SUM(1)', 999, { tipReference: '-2+3' }),
    ukItem(5, 'Jo "the lens"\nBloggs', 1050),
    ibanItem(6, 'Zoë Ørsted-Łukasz', 12345, 'COBADEFFXXX'),
    paypalItem(7, '\tTabby', 500),
  ]);

describe('csv ledger exporter', () => {
  it('matches its golden file byte for byte, twice', async () => {
    const first = await collect(csvLedgerExporter.write(sample(), PAYER));
    expectGolden('ledger.csv', first);
    expect(await collect(csvLedgerExporter.write(sample(), PAYER))).toBe(first);
  });

  it('reads back through a CSV parser with every injection payload inert and amounts plain numbers', async () => {
    const rows: string[][] = parse(await collect(csvLedgerExporter.write(sample(), PAYER)), { relax_column_count: false });
    expect(rows[0]).toEqual([...LEDGER_COLUMNS]);
    const payee = rows.slice(1).map((row) => row[5]);
    expect(payee).toEqual([
      'Jo Bloggs',
      `'=HYPERLINK("http://x","y")`,
      `'+cmd|' /C calc'!A0`,
      `'@SUM(1)`,
      'Jo "the lens"\nBloggs',
      'Zoë Ørsted-Łukasz',
      `'\tTabby`,
    ]);
    expect(rows[4][10]).toBe(`'-2+3`);
    expect(rows.slice(1).map((row) => row[8])).toEqual(['250.00', '0.01', '1000000.00', '9.99', '10.50', '123.45', '5.00']);
    for (const row of rows.slice(1)) {
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r\n]/);
      expect(row[15]).toMatch(/^(\*{4}\d{4}|DE\*\* \*{4} \d{4}|p\*\*\*@example\.com)$/);
    }
    expect(rows[1][15]).toBe('****5671');
  });

  it('quotes a value with a bare CR or LF, so a reader that ends rows at any line break keeps it in one cell', async () => {
    const text = await collect(
      csvLedgerExporter.write(batch([ukItem(1, '\r=1+1', 100), ukItem(2, '\n=1+1', 200), ukItem(3, 'line one\nline two', 300)]), PAYER),
    );
    expect(text).toContain(`,"'\r=1+1","'\r=1+1",`);
    expect(text).toContain(`,"'\n=1+1","'\n=1+1",`);
    expect(text).toContain(`,"line one\nline two","line one\nline two",`);
    // As LibreOffice and Excel read it: CR, LF and CRLF all end a row outside quotes.
    const rows: string[][] = parse(text, { record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: false });
    expect(rows).toHaveLength(4);
    expect(rows.slice(1).map((row) => row[4])).toEqual([`'\r=1+1`, `'\n=1+1`, 'line one\nline two']);
  });

  it('never writes a full account number', async () => {
    const text = await collect(csvLedgerExporter.write(sample(), PAYER));
    expect(text).not.toContain('12345671');
    expect(text).not.toContain('DE89370400440532013000');
    expect(text).not.toContain('payee7@example.com');
  });

  it('refuses a zero or fractional amount', async () => {
    await expect(collect(csvLedgerExporter.write(batch([ukItem(1, 'A', 0)]), PAYER))).rejects.toThrow(/amount 0/);
    await expect(collect(csvLedgerExporter.write(batch([ukItem(1, 'A', 1.5)]), PAYER))).rejects.toThrow(/amount 1.5/);
  });

  it('streams 10,000 payouts: half the file is out when about half were read', async () => {
    const progress = await progressWhileDraining(
      10_000,
      (n) => ukItem(n, `Payee ${n}`, n),
      (items) => csvLedgerExporter.write(batch(items), PAYER),
    );
    expect(progress.bytes).toBeGreaterThan(10_000 * 100);
    expectStreamed(progress, 10_000);
  });

  it('the measure catches an export that gathers the batch before writing (so the check above can fail)', async () => {
    const progress = await progressWhileDraining(
      10_000,
      (n) => ukItem(n, `Payee ${n}`, n),
      (items) => gatheredFirst(csvLedgerExporter.write(batch(items), PAYER)),
    );
    expect(progress.pulledAtHalf).toBe(10_000);
    expect(() => expectStreamed(progress, 10_000)).toThrow();
  });
});
