// Memory benchmark (issue 16): tipdesk's RSS against a bare NestJS 12 app (one controller, Express)
// started by the same Node in the same run: at rest, under 8 concurrent 1 GiB uploads (multipart and
// tus), and while exporting a 100,000-payout batch; then what each heavy package costs on import.
// Run it with the Node to measure (`node bench/memory.mjs`, or with .ci/node24/bin first on PATH).
// Parts: BENCH_MEMORY_PARTS=rest,imports,uploads,export (all by default). See bench/README.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload } from 'tus-js-client';
import {
  GiB,
  MiB,
  ROOT,
  envInt,
  formatBytes,
  freePort,
  freshBenchDatabase,
  makeTmpDir,
  mb,
  median,
  readProcMemory,
  removeFilesUnder,
  requireFreeSpace,
  resetPeakRss,
  run,
  sampleRss,
  sleep,
  snapshotDist,
  spawnNode,
  startTipdesk,
  waitForHttp200,
  writeSampleVideoFile,
} from './lib.mjs';

const PARTS = (process.env.BENCH_MEMORY_PARTS ?? 'rest,imports,uploads,export').split(',');
const UPLOAD_BYTES = envInt('BENCH_MEMORY_UPLOAD_BYTES', GiB);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 8);
const MB = 1e6;
// The targets, in MB (10^6 bytes, as every figure here).
const TARGETS = { rest: 25, uploads: 30, export: 50 };
// What every package here is measured on top of: the framework every Nest app loads anyway.
const FRAMEWORK = '@nestjs/common,@nestjs/core,@nestjs/platform-express';
const HEAVY_IMPORTS = [
  '@nestjs/swagger',
  'typeorm,@nestjs/typeorm',
  'pg',
  'pg-boss',
  'class-validator,class-transformer',
  '@tus/server',
  '@tus/file-store',
  '@aws-sdk/client-s3',
  'mailparser',
  'html-to-text',
  'nodemailer',
  'smtp-server',
  'fast-xml-parser',
  'exifr',
  'file-type',
  'handlebars',
  'qrcode',
  'otpauth',
  '@node-rs/argon2',
  'multer',
  'helmet',
  'pino',
  'prom-client',
  'csv-parse',
  'saxes',
  // pdf-lib and yazl load with their first use (a certificate, an access export); altcha-lib with the app.
  'pdf-lib',
  'yazl',
  'altcha-lib',
  'ibantools',
];

/** Median RSS of `pid` over `seconds`, sampled every 250 ms, after `settleMs` of quiet. */
async function restingRss(pid, { settleMs = 8000, seconds = 3 } = {}) {
  await sleep(settleMs);
  const samples = [];
  for (let i = 0; i < seconds * 4; i++) {
    samples.push(readProcMemory(pid).rss);
    await sleep(250);
  }
  return median(samples);
}

/** A few requests, so both apps are measured after serving, not straight out of start-up. */
async function warm(url, times = 20) {
  for (let i = 0; i < times; i++) {
    const res = await fetch(url);
    await res.arrayBuffer();
  }
}

async function startBareNest() {
  const port = await freePort();
  const child = spawnNode('bare-nest', ['bench/servers/bare-nest.mjs'], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp200(child, `${url}/health`, 30_000);
  return Object.assign(child, { url });
}

async function importCost(specifier) {
  const child = spawn(process.execPath, ['bench/servers/import-cost.mjs'], {
    cwd: ROOT,
    env: { ...process.env, IMPORT_SPECIFIER: specifier, BASE_IMPORTS: FRAMEWORK },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  await once(child, 'exit');
  return JSON.parse(out.trim().split('\n').at(-1)).bytes;
}

/** One multipart POST /api/tips carrying `bytes` of an MP4-looking file, streamed. */
function postMultipart(url, sample, bytes) {
  const boundary = `----tipdeskmemory${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const fields = { story: 'Memory bench: a flood video', consentTerms: 'true', consentOwnWork: 'true', consentOver18: 'true' };
  let head = '';
  for (const [name, value] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="flood.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
  const headBuf = Buffer.from(head);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const pad = Buffer.alloc(MiB, 0x20);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(headBuf.length + bytes + tail.length) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`multipart upload answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    (async () => {
      const write = async (chunk) => {
        if (!req.write(chunk)) await once(req, 'drain');
      };
      await write(headBuf);
      await write(sample);
      for (let left = bytes - sample.length; left > 0; left -= pad.length) await write(left >= pad.length ? pad : pad.subarray(0, left));
      req.end(tail);
    })().catch(reject);
  });
}

function tusUpload(endpoint, file) {
  return new Promise((resolve, reject) => {
    const upload = new Upload(createReadStream(file), {
      endpoint,
      chunkSize: Number.POSITIVE_INFINITY,
      retryDelays: null,
      metadata: { filename: 'flood.mp4', filetype: 'video/mp4' },
      onError: reject,
      onSuccess: () => resolve(upload.url),
    });
    upload.start();
  });
}

/** Peak RSS of the app while `work` runs (VmHWM reset first, and sampled, whichever is higher). */
async function peakDuring(pid, work) {
  resetPeakRss(pid);
  const sampler = sampleRss(pid, 50);
  await work();
  const { maxRss, hwm } = sampler.stop();
  return Math.max(maxRss, hwm);
}

/** Runs bench/payout-export.mjs (csv only) with this Node and reads its RSS lines. */
async function exportFigures() {
  const child = spawn(process.execPath, ['bench/payout-export.mjs'], {
    cwd: ROOT,
    env: { ...process.env, BENCH_PAYOUT_FORMATS: 'csv' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
    if (process.env.BENCH_VERBOSE) process.stdout.write(c);
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`bench/payout-export.mjs exited ${code}:\n${out.slice(-2000)}`);
  const number = (re) => Number(re.exec(out)?.[1]) * MB;
  const rest = number(/its RSS at rest: ([\d.]+) MB/);
  const peaks = [...out.matchAll(/peak ([\d.]+) MB/g)].map((m) => Number(m[1]) * MB);
  return { rest, peak: Math.max(...peaks) };
}

function line(label, value, baseline, target) {
  const diff = value - baseline;
  const verdict =
    target === undefined ? '' : diff <= target * MB ? `  target +${target} MB: met` : `  target +${target} MB: MISSED by ${mb(diff - target * MB)} MB`;
  console.log(
    `${label.padEnd(46)} ${mb(value).padStart(7)} MB   baseline ${mb(baseline).padStart(7)} MB   difference ${(diff >= 0 ? '+' : '') + mb(diff)} MB${verdict}`,
  );
}

async function main() {
  console.log(`memory bench on Node ${process.version} (${process.platform}-${process.arch}); parts: ${PARTS.join(', ')}`);
  const distDir = await snapshotDist();
  const summary = [];

  const bare = await startBareNest();
  await warm(`${bare.url}/health`);
  const bareRest = await restingRss(bare.pid);
  await bare.stop();
  console.log(`bare NestJS app (one controller, Express) at rest: ${mb(bareRest)} MB`);

  let appRest;
  if (PARTS.includes('rest') || PARTS.includes('uploads')) {
    const { databaseUrl } = await freshBenchDatabase(distDir, 'memory');
    const dataDir = await makeTmpDir('tipdesk-bench-memory-');
    const app = await startTipdesk({ distDir, dataDir, databaseUrl, maxFileBytes: Math.max(2 * GiB, UPLOAD_BYTES + MiB) });
    await warm(`${app.url}/health`);
    await warm(`${app.url}/`, 5);
    appRest = await restingRss(app.pid);
    summary.push(['tipdesk at rest', appRest, bareRest, TARGETS.rest]);
    console.log(`tipdesk at rest: ${mb(appRest)} MB`);

    if (PARTS.includes('uploads')) {
      await requireFreeSpace(
        tmpdir(),
        CONCURRENCY * UPLOAD_BYTES * 2.4 + 2 * GiB,
        `${CONCURRENCY} × ${formatBytes(UPLOAD_BYTES)} stored twice over; set BENCH_MEMORY_UPLOAD_BYTES smaller`,
      );
      const { readFile } = await import('node:fs/promises');
      const sample = await readFile(join(ROOT, 'test/fixtures/sample.mp4'));
      // Warm-up: one small upload each way.
      await postMultipart(`${app.url}/api/tips`, sample, 8 * MiB);
      const file = join(await makeTmpDir('tipdesk-bench-memory-file-'), 'flood.mp4');
      await writeSampleVideoFile(file, UPLOAD_BYTES);
      await tusUpload(`${app.url}/api/uploads`, file);
      await removeFilesUnder(join(dataDir, 'blobs'));
      await removeFilesUnder(join(dataDir, 'uploads'));
      const restBefore = await restingRss(app.pid, { settleMs: 5000 });

      const multipartPeak = await peakDuring(app.pid, () =>
        Promise.all(Array.from({ length: CONCURRENCY }, () => postMultipart(`${app.url}/api/tips`, sample, UPLOAD_BYTES))),
      );
      console.log(`${CONCURRENCY} × ${formatBytes(UPLOAD_BYTES)} multipart: peak ${mb(multipartPeak)} MB (at rest just before: ${mb(restBefore)} MB)`);
      summary.push([`${CONCURRENCY} × ${formatBytes(UPLOAD_BYTES)} multipart uploads (peak)`, multipartPeak, appRest, TARGETS.uploads]);
      await removeFilesUnder(join(dataDir, 'blobs'));

      const restBetween = await restingRss(app.pid, { settleMs: 5000 });
      const tusPeak = await peakDuring(app.pid, () => Promise.all(Array.from({ length: CONCURRENCY }, () => tusUpload(`${app.url}/api/uploads`, file))));
      console.log(`${CONCURRENCY} × ${formatBytes(UPLOAD_BYTES)} tus: peak ${mb(tusPeak)} MB (at rest just before: ${mb(restBetween)} MB)`);
      summary.push([`${CONCURRENCY} × ${formatBytes(UPLOAD_BYTES)} tus uploads (peak)`, tusPeak, appRest, TARGETS.uploads]);
      await removeFilesUnder(join(dataDir, 'uploads'));
      await rm(file, { force: true });
    }
    await app.stop();
  }

  if (PARTS.includes('export')) {
    console.log('\n100,000-payout export (bench/payout-export.mjs, csv, this Node)...');
    const exported = await exportFigures();
    console.log(`  its app at rest ${mb(exported.rest)} MB, peak while creating and downloading ${mb(exported.peak)} MB`);
    summary.push(['100,000-payout export (peak; baseline: its at rest)', exported.peak, exported.rest, TARGETS.export]);
  }

  if (PARTS.includes('imports')) {
    console.log(`\nheaviest imports (RSS each adds on top of ${FRAMEWORK}, in its own process; median of 3):`);
    const costs = [];
    // Median of three fresh processes: one import's RSS step is noisy by a few MB.
    for (const specifier of HEAVY_IMPORTS)
      costs.push([specifier, median([await importCost(specifier), await importCost(specifier), await importCost(specifier)])]);
    costs.sort((a, b) => b[1] - a[1]);
    for (const [specifier, bytes] of costs) console.log(`  ${specifier.padEnd(36)} ${mb(bytes).padStart(6)} MB`);
  }

  console.log(`\nsummary (Node ${process.version}; MB = 10^6 bytes; the baseline of "at rest" is the bare NestJS app, of the loads the app at rest):`);
  console.log(`${'bare NestJS app at rest'.padEnd(46)} ${mb(bareRest).padStart(7)} MB`);
  for (const [label, value, baseline, target] of summary) line(label, value, baseline, target);
}

run(main);
