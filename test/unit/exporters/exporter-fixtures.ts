import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/**
 * Drains an export, keeping only a running byte count (and handing each chunk to `sink`, if
 * given, which must not keep it), and returns the peak heap growth seen while doing it.
 */
/**
 * What draining `chunks` keeps alive: the heap is measured after a full collection every 5,000
 * chunks, so garbage V8 has not collected yet does not count (it would make the figure depend on
 * when the collector runs), and an exporter that holds the batch shows up as growth.
 */
export async function heapGrowthWhileDraining(chunks: ExportChunks, sink?: (chunk: string | Buffer) => void): Promise<{ bytes: number; growth: number }> {
  const gc = collector();
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let bytes = 0;
  let seen = 0;
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  for await (const chunk of chunks) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    sink?.(chunk);
    if (++seen % 5000 === 0) sample();
  }
  sample();
  return { bytes, growth: peak - before };
}

/** V8's full collection, without starting Jest's workers with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export const MB = 1024 * 1024;
