import { expect } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Payer } from '../../../src/config/app-config.js';
import type { BatchFile, ExportChunks, ExportItem } from '../../../src/payouts/exporters/export-types.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
export const GOLDEN = join(FIXTURES, 'exporters');

export const PAYER: Payer = {
  name: 'DAILY NEWS LTD',
  sortCode: '200000',
  accountNumber: '55779911',
  serviceUserNumber: '123456',
  sepaDebtorName: 'Daily News Ltd',
  sepaDebtorIban: 'GB33BUKB20201555555555',
  sepaDebtorBic: 'BUKBGB22',
};

const LEDGER = {
  licence: 'exclusive',
  offeredBy: 'Eddie Editor',
  approvedBy: 'Alice Accounts',
  approvedAt: new Date('2026-11-20T10:15:00Z'),
  status: 'batched',
};

export function ukItem(n: number, accountName: string, amountMinor: number, extra: Partial<ExportItem['ledger']> = {}): ExportItem {
  return {
    payoutId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    bankReference: `TD PAY ${String(n).padStart(4, '0')}`,
    amountMinor,
    currency: 'GBP',
    payee: { method: 'uk_bank', accountName, sortCode: '402030', accountNumber: String(12345670 + n).slice(-8) },
    ledger: { contributorName: accountName, tipReference: `TD-7K3Q-${String(n).padStart(4, '0')}`, ...LEDGER, ...extra },
  };
}

export function ibanItem(n: number, accountName: string, amountMinor: number, bic?: string): ExportItem {
  return {
    payoutId: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
    bankReference: `TD EU ${String(n).padStart(4, '0')}`,
    amountMinor,
    currency: 'EUR',
    payee: { method: 'iban', accountName, iban: 'DE89370400440532013000', bic },
    ledger: { contributorName: accountName, tipReference: `TD-9XRM-${String(n).padStart(4, '0')}`, ...LEDGER },
  };
}

export function paypalItem(n: number, accountName: string, amountMinor: number, currency = 'GBP'): ExportItem {
  return {
    payoutId: `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`,
    bankReference: `TD PP ${String(n).padStart(4, '0')}`,
    amountMinor,
    currency,
    payee: { method: 'paypal', accountName, paypalEmail: `payee${n}@example.com` },
    ledger: { contributorName: accountName, tipReference: `TD-PPAL-${String(n).padStart(4, '0')}`, ...LEDGER },
  };
}

export function batch(items: BatchFile['items'], currency = 'GBP', control?: BatchFile['control']): BatchFile {
  return {
    batchId: '11111111-2222-4333-8444-555555555555',
    batchReference: 'TDB 20261125 01',
    createdAt: new Date('2026-11-25T09:30:00Z'),
    processingDate: new Date('2026-11-27T00:00:00Z'),
    currency,
    items,
    control,
  };
}

/** Everything an exporter writes, as one string. */
export async function collect(chunks: ExportChunks): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Byte-for-byte comparison with a golden file. UPDATE_GOLDEN=1 writes it instead (then read
 * the file by eye before committing it).
 */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI) throw new Error(`golden file ${name} is missing`);
    writeFileSync(path, actual);
  }
  expect(Buffer.from(actual, 'utf8').equals(readFileSync(path))).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** Lazily generated items: nothing is held but the one being written. */
export async function* lazyItems(count: number, make: (n: number) => ExportItem): AsyncGenerator<ExportItem> {
  for (let n = 1; n <= count; n += 1) yield make(n);
}

/** How many of the source's payouts an exporter had pulled when each half of its output appeared. */
export interface Progress {
  bytes: number;
  /** Payouts pulled from the source when the first half of the bytes had been written. */
  pulledAtHalf: number;
  pulled: number;
}

/**
 * Drains an export of `count` lazily made payouts (handing each chunk to `sink`, if given) and
 * says how far into the source the exporter was when half its bytes were out: one that streams
 * has pulled about half the payouts by then; one that gathers the batch before writing has pulled
 * them all before its first byte. Counting pulls proves streaming at any size, so the tests use
 * 10,000 payouts; what an export keeps on the heap at 100,000 is measured by `npm run
 * bench:exporters` (bench/exporters.mjs).
 */
export async function progressWhileDraining(
  count: number,
  make: (n: number) => ExportItem,
  write: (items: AsyncGenerator<ExportItem>) => ExportChunks,
  sink?: (chunk: string | Buffer) => void,
): Promise<Progress> {
  let pulled = 0;
  async function* source(): AsyncGenerator<ExportItem> {
    for (let n = 1; n <= count; n += 1) {
      pulled += 1;
      yield make(n);
    }
  }
  const marks: [bytes: number, pulled: number][] = [];
  let bytes = 0;
  for await (const chunk of write(source())) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    marks.push([bytes, pulled]);
    sink?.(chunk);
  }
  const half = marks.find(([written]) => written >= bytes / 2);
  return { bytes, pulledAtHalf: half ? half[1] : pulled, pulled };
}

/** An exporter's output, gathered whole before any of it is passed on: what streaming is not. */
export async function* gatheredFirst(chunks: ExportChunks): ExportChunks {
  const all: (string | Buffer)[] = [];
  for await (const chunk of chunks) all.push(chunk);
  yield* all;
}

/** Streaming, in numbers: about half the payouts were pulled when half the bytes were out. */
export function expectStreamed(progress: Progress, count: number): void {
  expect(progress.pulled).toBe(count);
  expect(progress.pulledAtHalf).toBeGreaterThan(count * 0.3);
  expect(progress.pulledAtHalf).toBeLessThan(count * 0.7);
}
