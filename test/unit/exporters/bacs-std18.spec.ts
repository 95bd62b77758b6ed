import { describe, expect, it } from '@jest/globals';
import { bacsDate, bacsStd18Exporter, volumeSerial } from '../../../src/payouts/exporters/bacs-std18.exporter.js';
import type { BatchFile } from '../../../src/payouts/exporters/export-types.js';
import { batch, collect, expectGolden, expectStreamed, ibanItem, PAYER, progressWhileDraining, ukItem } from './exporter-fixtures.js';

const sample = () =>
  batch([
    ukItem(1, 'Jo Bloggs', 25000),
    ukItem(2, 'Zoë Ørsted-Łukasz', 1),
    ukItem(3, 'Renée 😀 北京 Studio Productions', 100_000_000),
    ukItem(4, 'Tab\there\nnewline', 1050),
  ]);

const lines = (text: string) => text.split('\r\n').slice(0, -1);

describe('bacs-std18 exporter', () => {
  it('matches its golden file byte for byte', async () => {
    expectGolden('bacs-std18.txt', await collect(bacsStd18Exporter.write(sample(), PAYER)));
  });

  it('writes only 100-character ASCII records ending in CRLF', async () => {
    const text = await collect(bacsStd18Exporter.write(sample(), PAYER));
    expect(text.endsWith('\r\n')).toBe(true);
    for (const line of lines(text)) {
      expect(line).toHaveLength(100);
      expect(line).toMatch(/^[A-Z0-9 .\-/&]*$/);
    }
    expect(lines(text).map((line) => line.slice(0, 4))).toEqual([
      'VOL1',
      'HDR1',
      'HDR2',
      'UHL1',
      '4020',
      '4020',
      '4020',
      '4020',
      '2000',
      'EOF1',
      'EOF2',
      'UTL1',
    ]);
  });

  it('balances: credits (99) equal the contra (17) and the UTL1 totals and counts', async () => {
    const records = lines(await collect(bacsStd18Exporter.write(sample(), PAYER)));
    const credits = records.slice(4, 8);
    const contra = records[8];
    for (const credit of credits) {
      expect(credit.slice(14, 17)).toBe('099');
      expect(credit.slice(17, 31)).toBe('20000055779911');
      expect(credit.slice(46, 64)).toBe('DAILY NEWS LTD    ');
    }
    const sum = credits.reduce((total, credit) => total + Number(credit.slice(35, 46)), 0);
    expect(sum).toBe(25000 + 1 + 100_000_000 + 1050);
    expect(contra.slice(0, 17)).toBe('200000557799110' + '17');
    expect(Number(contra.slice(35, 46))).toBe(sum);
    expect(contra.slice(64, 82)).toBe('CONTRA            ');
    const utl = records[11];
    expect(Number(utl.slice(4, 17))).toBe(sum);
    expect(Number(utl.slice(17, 30))).toBe(sum);
    expect(utl.slice(30, 37)).toBe('0000001');
    expect(utl.slice(37, 44)).toBe('0000004');
    expect(credits[1].slice(35, 46)).toBe('00000000001');
    expect(credits[2].slice(35, 46)).toBe('00100000000');
  });

  it('transliterates names into 18 characters without moving any field', async () => {
    const records = lines(await collect(bacsStd18Exporter.write(sample(), PAYER)));
    expect(records.slice(4, 8).map((credit) => credit.slice(82, 100))).toEqual([
      'JO BLOGGS         ',
      'ZOE ORSTED-LUKASZ ',
      'RENEE BEIJING STUD',
      'TAB HERE NEWLINE  ',
    ]);
    expect(records[4].slice(64, 82)).toBe('TD PAY 0001       ');
  });

  it('puts the processing day in UHL1 in Bacs form', async () => {
    const records = lines(await collect(bacsStd18Exporter.write(sample(), PAYER)));
    expect(records[3].slice(4, 10)).toBe(' 26331');
    expect(records[0].slice(41, 47)).toBe('123456');
    expect(records[1].slice(4, 21)).toBe('A123456S  1123456');
    expect(bacsDate(new Date('2026-01-01T00:00:00Z'))).toBe(' 26001');
    expect(bacsDate(new Date('2027-12-31T00:00:00Z'))).toBe(' 27365');
    expect(volumeSerial('TDB 20261125 01')).toBe('112501');
    expect(volumeSerial('é')).toBe('00000E');
  });

  it('refuses a processing day that is not a bank working day', async () => {
    const file: BatchFile = { ...sample(), processingDate: new Date('2026-12-26T00:00:00Z') };
    await expect(collect(bacsStd18Exporter.write(file, PAYER))).rejects.toThrow(/not a bank working day/);
  });

  it('refuses an empty batch, a EUR payout and a missing service user number', async () => {
    await expect(collect(bacsStd18Exporter.write(batch([]), PAYER))).rejects.toThrow(/at least one payout/);
    await expect(collect(bacsStd18Exporter.write(batch([ibanItem(1, 'A', 1)]), PAYER))).rejects.toThrow(/cannot go in a bacs-std18 file/);
    await expect(collect(bacsStd18Exporter.write(sample(), { ...PAYER, serviceUserNumber: undefined }))).rejects.toThrow(/Bacs service user number/);
  });

  it('refuses an amount wider than 11 digits', async () => {
    await expect(collect(bacsStd18Exporter.write(batch([ukItem(1, 'A', 100_000_000_000)]), PAYER))).rejects.toThrow(/does not fit 11 digits/);
  });

  it('streams 10,000 payouts: half the file is out when about half were read', async () => {
    const progress = await progressWhileDraining(
      10_000,
      (n) => ukItem(n, `Payee ${n}`, n),
      (items) => bacsStd18Exporter.write(batch(items), PAYER),
    );
    expect(progress.bytes).toBe((10_000 + 8) * 102);
    expectStreamed(progress, 10_000);
  });
});
