// The bank-file exporters on their own, at 100,000 payouts each (5,000 for PayPal, its limit):
// what each keeps on the heap while it streams (measured after a full collection every 5,000
// chunks, so garbage not yet collected does not count), its time, and the same for a baseline
// in the same run: one JSON line per payout, which keeps nothing. The pain.001 file is then
// validated against the ISO 20022 schema (xmllint-wasm, ~35 MB). The unit tests prove streaming
// at 10,000 payouts by counting pulls; this is where the heap is measured. See bench/README.md.
//
// Run with: npm run bench:exporters (node --expose-gc bench/exporters.mjs after nest build).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { memoryPages, validateXML } from 'xmllint-wasm';
import { distImport, envInt, mb, ROOT, run, snapshotDist } from './lib.mjs';

const PAYOUTS = envInt('BENCH_PAYOUTS', 100_000);
// A payout's file may hold at most this much heap beyond the baseline's, whatever the batch size.
const GROWTH_TARGET_MB = 16;

const LEDGER = {
  licence: 'exclusive',
  offeredBy: 'Eddie Editor',
  approvedBy: 'Alice Accounts',
  approvedAt: new Date('2026-11-20T10:15:00Z'),
  status: 'batched',
};
const PAYER = {
  name: 'DAILY NEWS LTD',
  sortCode: '200000',
  accountNumber: '55779911',
  serviceUserNumber: '123456',
  sepaDebtorName: 'Daily News Ltd',
  sepaDebtorIban: 'GB33BUKB20201555555555',
  sepaDebtorBic: 'BUKBGB22',
};
const pad = (n) => String(n).padStart(12, '0');
const ITEMS = {
  uk: (n) => ({
    payoutId: `00000000-0000-4000-8000-${pad(n)}`,
    bankReference: `TD PAY ${String(n).padStart(4, '0')}`,
    amountMinor: n,
    currency: 'GBP',
    payee: { method: 'uk_bank', accountName: `Payee ${n}`, sortCode: '402030', accountNumber: String(12345670 + n).slice(-8) },
    ledger: { contributorName: `Payee ${n}`, tipReference: `TD-7K3Q-${String(n).padStart(4, '0')}`, ...LEDGER },
  }),
  iban: (n) => ({
    payoutId: `00000000-0000-4000-9000-${pad(n)}`,
    bankReference: `TD EU ${String(n).padStart(4, '0')}`,
    amountMinor: 1,
    currency: 'EUR',
    payee: { method: 'iban', accountName: `Payee ${n}`, iban: 'DE89370400440532013000' },
    ledger: { contributorName: `Payee ${n}`, tipReference: `TD-9XRM-${String(n).padStart(4, '0')}`, ...LEDGER },
  }),
  paypal: (n) => ({
    payoutId: `00000000-0000-4000-a000-${pad(n)}`,
    bankReference: `TD PP ${String(n).padStart(4, '0')}`,
    amountMinor: n,
    currency: 'GBP',
    payee: { method: 'paypal', accountName: 'A', paypalEmail: `payee${n}@example.com` },
    ledger: { contributorName: 'A', tipReference: `TD-PPAL-${String(n).padStart(4, '0')}`, ...LEDGER },
  }),
};

async function* lazyItems(count, make) {
  for (let n = 1; n <= count; n += 1) yield make(n);
}

function batch(items, currency, control) {
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

/** Drains `chunks`, handing each to `sink` (which must not keep it): bytes, seconds, peak heap growth. */
async function measure(chunks, sink = () => {}) {
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let bytes = 0;
  let seen = 0;
  const sample = () => {
    globalThis.gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const started = process.hrtime.bigint();
  for await (const chunk of chunks) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    sink(chunk);
    if (++seen % 5000 === 0) sample();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sample();
  return { bytes, seconds, growth: peak - before };
}

async function* baseline(items) {
  for await (const item of items) yield `${JSON.stringify(item)}\n`;
}

run(async () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run bench:exporters does)');
  const dist = await snapshotDist();
  const { EXPORTERS } = await distImport(dist, 'payouts/exporters/exporters.js');
  const loadAtStart = loadavg()[0];
  console.log(`exporters bench: ${PAYOUTS.toLocaleString('en')} payouts per file, Node ${process.version}, load ${loadAtStart.toFixed(2)}`);

  const base = await measure(baseline(lazyItems(PAYOUTS, ITEMS.uk)));
  const rows = [['baseline (JSON lines)', PAYOUTS, base, '']];
  const cases = [
    ['bacs-std18', 'uk', 'GBP', PAYOUTS],
    ['bankline-csv', 'uk', 'GBP', PAYOUTS],
    ['csv', 'uk', 'GBP', PAYOUTS],
    ['paypal-csv', 'paypal', 'GBP', Math.min(PAYOUTS, 5000)],
    ['sepa-pain001', 'iban', 'EUR', PAYOUTS],
  ];
  let sepaXml;
  for (const [format, kind, currency, count] of cases) {
    const exporter = EXPORTERS[format];
    if (!exporter) throw new Error(`no exporter named ${format} in dist`);
    const control = format === 'sepa-pain001' ? { count, totalMinor: count } : undefined;
    const parts = [];
    // Only the pain.001 file is kept (to validate it afterwards), and only after its heap was measured.
    const result = await measure(exporter.write(batch(lazyItems(count, ITEMS[kind]), currency, control), PAYER));
    if (format === 'sepa-pain001') {
      for await (const chunk of exporter.write(batch(lazyItems(count, ITEMS[kind]), currency, control), PAYER)) {
        parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
      sepaXml = Buffer.concat(parts);
    }
    const missed = result.growth - base.growth > GROWTH_TARGET_MB * 1024 * 1024 ? 'MISSED' : 'ok';
    rows.push([format, count, result, missed]);
  }

  console.log('\nformat                 payouts      bytes   seconds  µs/payout  heap MB  vs baseline');
  for (const [name, count, r, verdict] of rows) {
    const perPayout = (r.seconds * 1e6) / count;
    const ratio = name.startsWith('baseline')
      ? ''
      : `${(perPayout / ((base.seconds * 1e6) / PAYOUTS)).toFixed(2)}× time, +${mb(r.growth - base.growth)} MB heap ${verdict}`;
    console.log(
      `${name.padEnd(22)} ${String(count).padStart(7)} ${String(r.bytes).padStart(10)} ${r.seconds.toFixed(2).padStart(9)} ${perPayout.toFixed(1).padStart(10)} ${mb(r.growth).padStart(8)}  ${ratio}`,
    );
  }

  const xsd = { fileName: 'pain.001.001.03.xsd', contents: readFileSync(join(ROOT, 'test/fixtures/pain.001.001.03.xsd'), 'utf8') };
  const started = Date.now();
  const validation = await validateXML({ xml: { fileName: 'batch.xml', contents: sepaXml }, schema: xsd, maxMemoryPages: memoryPages.GiB });
  console.log(
    `\npain.001 of ${PAYOUTS.toLocaleString('en')} payouts (${mb(sepaXml.length)} MB) against the ISO 20022 XSD: ${validation.valid ? 'valid' : 'INVALID'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (!validation.valid) throw new Error(validation.rawOutput);
  console.log(`target: heap growth ≤ baseline + ${GROWTH_TARGET_MB} MB per file; load at start ${loadAtStart.toFixed(2)}, at end ${loadavg()[0].toFixed(2)}`);
});
