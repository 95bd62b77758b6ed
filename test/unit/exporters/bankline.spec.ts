import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { banklineExporter } from '../../../src/payouts/exporters/bankline.exporter.js';
import { batch, collect, expectGolden, expectStreamed, ibanItem, PAYER, progressWhileDraining, ukItem } from './exporter-fixtures.js';

const sample = () =>
  batch([
    ukItem(1, 'Jo Bloggs', 25000),
    ukItem(2, 'Zoë Ørsted-Łukasz', 1),
    ukItem(3, 'Renée 😀 北京 =HYPERLINK("x")', 100_000_000),
    ukItem(4, 'Tab\there\nnewline and a name far too long for thirty-five characters', 1050),
  ]);

describe('bankline-csv exporter', () => {
  it('matches its golden file byte for byte', async () => {
    expectGolden('bankline.csv', await collect(banklineExporter.write(sample(), PAYER)));
  });

  it('writes T001…T034 in their columns, within their widths and character set', async () => {
    const rows: string[][] = parse(await collect(banklineExporter.write(sample(), PAYER)));
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toHaveLength(34);
      expect(row[0]).toBe('01');
      expect(row[9]).toBe('20000055779911');
      expect(row[15]).toBe('27112026');
      expect(row[21]).toBe('402030');
      expect(row[27]).toMatch(/^\d{8}$/);
      expect(row[29].length).toBeLessThanOrEqual(35);
      expect(row[33].length).toBeLessThanOrEqual(18);
      for (const cell of row) expect(cell).toMatch(/^[A-Z0-9 .\-/&]*$/);
    }
    expect(rows.map((row) => row[13])).toEqual(['250.00', '0.01', '1000000.00', '10.50']);
    expect(rows.map((row) => row[29])).toEqual(['JO BLOGGS', 'ZOE ORSTED-LUKASZ', 'RENEE BEIJING HYPERLINKX', 'TAB HERE NEWLINE AND A NAME FAR TOO']);
  });

  it('takes only GBP payouts to UK accounts', async () => {
    expect(banklineExporter.fits(ukItem(1, 'A', 1))).toBe(true);
    expect(banklineExporter.fits(ibanItem(1, 'A', 1))).toBe(false);
    expect(banklineExporter.fits({ ...ukItem(1, 'A', 1), currency: 'EUR' })).toBe(false);
    await expect(collect(banklineExporter.write(batch([ibanItem(1, 'A', 1)]), PAYER))).rejects.toThrow(/cannot go in a bankline-csv file/);
  });

  it('names the missing payer setting', async () => {
    await expect(collect(banklineExporter.write(sample(), { ...PAYER, sortCode: undefined }))).rejects.toThrow(/sort code/);
  });

  it('refuses a stream that does not match the batch control totals', async () => {
    await expect(collect(banklineExporter.write(batch([ukItem(1, 'A', 100)], 'GBP', { count: 1, totalMinor: 101 }), PAYER))).rejects.toThrow(
      /declared 1 payouts totalling 101/,
    );
  });

  it('streams 10,000 payouts: half the file is out when about half were read', async () => {
    const progress = await progressWhileDraining(
      10_000,
      (n) => ukItem(n, `Payee ${n}`, n),
      (items) => banklineExporter.write(batch(items), PAYER),
    );
    expect(progress.bytes).toBeGreaterThan(10_000 * 60);
    expectStreamed(progress, 10_000);
  });
});
