// Upload benchmark (issue "Performance"): one big multipart upload through POST /api/tips against a
// bare Node server that pipes the same request body to a file, and the app's peak RSS under
// 8 concurrent uploads. Runs the COMPILED app (dist/) in its own process. See bench/README.md.
import { createCipheriv } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GiB,
  cpuSeconds,
  MiB,
  ROOT,
  envInt,
  formatBytes,
  listFiles,
  makeTmpDir,
  mb,
  median,
  readProcMemory,
  removeFilesUnder,
  snapshotDist,
  requireFreeSpace,
  resetPeakRss,
  run,
  sampleRss,
  settleDisk,
  startRawUploadServer,
  startTipdesk,
} from './lib.mjs';

const SIZE = envInt('BENCH_UPLOAD_BYTES', GiB);
const CONCURRENT_SIZE = envInt('BENCH_CONCURRENT_BYTES', GiB);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 8);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const RATIO_TARGET = 1.25;
const RSS_TARGET_MB = 200;
// Opt-in: a third server process on a 2-core machine measurably slows whichever server runs next.
const SKIP_FSYNC_BASELINE = process.env.BENCH_FSYNC_BASELINE !== '1';
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF; // a directory: profile the app child with --cpu-prof
// Extra node flags for the app child only, e.g. "--max-semi-space-size=4" (space-separated).
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);

const SAMPLE = readFileSync(join(ROOT, 'test', 'fixtures', 'sample.mp4'));

// 1 MiB of pseudo-random bytes from a fixed seed (AES-256-CTR keystream), generated once and
// sent again and again, so the client spends no CPU making data.
const PAD_CHUNK = (() => {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 0x7d), Buffer.alloc(16, 0x42));
  return Buffer.concat([cipher.update(Buffer.alloc(MiB)), cipher.final()]);
})();

const FIELDS = {
  story: 'Bench upload: a video of the flood on the high street, filmed this morning.',
  consentTerms: 'true',
  consentOwnWork: 'true',
  consentOver18: 'true',
};

/** A multipart/form-data body with FIELDS and one `files` part of `fileBytes` bytes, as parts to stream. */
function multipartBody(fileBytes) {
  if (fileBytes < SAMPLE.length) throw new Error(`upload size must be at least ${SAMPLE.length} bytes (the MP4 header sample)`);
  const boundary = `----tipdeskbench${PAD_CHUNK.subarray(0, 12).toString('hex')}${Date.now().toString(36)}`;
  // The padding repeats, so checking one chunk, two chunks back to back and the sample + chunk
  // covers every place the boundary could appear inside the file.
  for (const probe of [PAD_CHUNK, Buffer.concat([PAD_CHUNK, PAD_CHUNK]), Buffer.concat([SAMPLE, PAD_CHUNK])]) {
    if (probe.includes(`--${boundary}`)) throw new Error('boundary occurs in the file bytes');
  }
  let head = '';
  for (const [name, value] of Object.entries(FIELDS)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="flood.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
  const headBuf = Buffer.from(head);
  const tailBuf = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: headBuf.length + fileBytes + tailBuf.length,
    *chunks() {
      yield headBuf;
      yield SAMPLE;
      let left = fileBytes - SAMPLE.length;
      while (left > 0) {
        const n = Math.min(left, PAD_CHUNK.length);
        yield n === PAD_CHUNK.length ? PAD_CHUNK : PAD_CHUNK.subarray(0, n);
        left -= n;
      }
      yield tailBuf;
    },
  };
}

/** POSTs a streamed multipart body; resolves with status, body text and seconds taken. */
function postUpload(url, fileBytes) {
  const body = multipartBody(fileBytes);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let answered = false;
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': body.contentType, 'content-length': String(body.length), 'user-agent': 'tipdesk-bench' },
    });
    req.on('response', (res) => {
      answered = true;
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8'), seconds });
      });
      res.on('error', reject);
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    (async () => {
      for (const chunk of body.chunks()) {
        if (answered || req.destroyed) return; // the server answered early (an error): stop sending
        if (!req.write(chunk)) await once(req, 'drain');
      }
      req.end();
    })().catch((error) => {
      if (!answered) reject(error);
    });
  });
}

async function checkDiskSpace(dir) {
  const largest = Math.max(SIZE, CONCURRENT_SIZE);
  return requireFreeSpace(
    dir,
    CONCURRENCY * largest * 1.2 + 2 * GiB,
    `${CONCURRENCY} × ${formatBytes(largest)} × 1.2 + 2 GiB. Set BENCH_UPLOAD_BYTES / BENCH_CONCURRENT_BYTES smaller, e.g. 268435456.`,
  );
}

/** postUpload, plus the CPU seconds (user + system) the server process and this client used meanwhile. */
async function timedUpload(url, fileBytes, serverPid) {
  const before = cpuSeconds(serverPid);
  const clientBefore = process.cpuUsage();
  const result = await postUpload(url, fileBytes);
  const client = process.cpuUsage(clientBefore);
  return { ...result, serverCpu: cpuSeconds(serverPid) - before, clientCpu: (client.user + client.system) / 1e6 };
}

function expectStatus(result, expected, what) {
  if (result.status !== expected) {
    throw new Error(`${what} answered ${result.status}, expected ${expected}: ${result.body.slice(0, 500)}`);
  }
}

async function main() {
  const loadBefore = loadavg()[0];
  const free = await checkDiskSpace(tmpdir());
  const distDir = await snapshotDist();
  console.log(
    `upload bench: ${formatBytes(SIZE)} × ${ROUNDS} rounds (alternating), then ${CONCURRENCY} × ${formatBytes(CONCURRENT_SIZE)} concurrent; ` +
      `${(free / GiB).toFixed(1)} GiB free in ${tmpdir()}`,
  );

  const rawDir = await makeTmpDir('tipdesk-bench-raw-');
  const rawFsyncDir = await makeTmpDir('tipdesk-bench-rawfsync-');
  const appDir = await makeTmpDir('tipdesk-bench-app-');
  const blobsDir = join(appDir, 'blobs');

  const raw = await startRawUploadServer(rawDir);
  const rawFsync = SKIP_FSYNC_BASELINE ? undefined : await startRawUploadServer(rawFsyncDir, { fsync: true });
  console.log('starting tipdesk (node <copy of dist>/main.js, its own embedded PostgreSQL)...');
  const maxFileBytes = Math.max(2 * GiB, SIZE, CONCURRENT_SIZE) + MiB;
  const nodeArgs = [...APP_NODE_ARGS, ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [])];
  const app = await startTipdesk({ distDir, dataDir: appDir, maxFileBytes, nodeArgs });
  const appUrl = `${app.url}/api/tips`;
  console.log(`tipdesk pid ${app.pid} on ${app.url}; RSS after start ${mb(readProcMemory(app.pid).rss)} MB`);

  // Warm-up: one small upload each (JIT, first directories, database connections).
  for (const target of [raw, rawFsync, { url: appUrl, name: 'tipdesk' }].filter(Boolean)) {
    const r = await postUpload(target.url, 16 * MiB);
    expectStatus(r, 201, `warm-up upload to ${target.name}`);
  }
  await removeFilesUnder(rawDir);
  await removeFilesUnder(rawFsyncDir);
  await removeFilesUnder(join(blobsDir, 'media'));

  const times = { raw: [], rawFsync: [], ours: [] };
  const cpu = { raw: [], rawFsync: [], ours: [] };
  const clientCpu = [];
  // Each upload starts on a settled disk (sync, then a short pause), and the order rotates every
  // round: otherwise whichever server goes right after another's 1 GiB pays for its writeback.
  for (let round = 1; round <= ROUNDS; round++) {
    let r1, r2, r3;
    const steps = [
      async () => {
        r1 = await timedUpload(raw.url, SIZE, raw.pid);
        expectStatus(r1, 201, 'raw pipe server');
        if (JSON.parse(r1.body).bytes < SIZE) throw new Error(`raw pipe server stored only ${r1.body}`);
        times.raw.push(r1.seconds);
        cpu.raw.push(r1.serverCpu);
        await removeFilesUnder(rawDir);
      },
      rawFsync &&
        (async () => {
          r2 = await timedUpload(rawFsync.url, SIZE, rawFsync.pid);
          expectStatus(r2, 201, 'raw pipe + fsync server');
          times.rawFsync.push(r2.seconds);
          cpu.rawFsync.push(r2.serverCpu);
          await removeFilesUnder(rawFsyncDir);
        }),
      async () => {
        r3 = await timedUpload(appUrl, SIZE, app.pid);
        expectStatus(r3, 201, 'tipdesk POST /api/tips');
        const receipt = JSON.parse(r3.body);
        if (!/^TD-/.test(receipt.reference ?? '')) throw new Error(`tipdesk answered 201 without a reference: ${r3.body}`);
        const stored = await listFiles(join(blobsDir, 'media'));
        if (stored.length !== 1) throw new Error(`expected 1 stored blob under blobs/media, found ${stored.length}`);
        times.ours.push(r3.seconds);
        cpu.ours.push(r3.serverCpu);
        await removeFilesUnder(join(blobsDir, 'media'));
      },
    ].filter(Boolean);
    const shift = (round - 1) % steps.length;
    for (const step of [...steps.slice(shift), ...steps.slice(0, shift)]) {
      await settleDisk();
      await step();
    }
    clientCpu.push(r1.clientCpu, r3.clientCpu);

    console.log(
      `  round ${round}: raw pipe ${r1.seconds.toFixed(2)} s (server CPU ${r1.serverCpu.toFixed(2)} s)` +
        (r2 ? ` | raw pipe+fsync ${r2.seconds.toFixed(2)} s (CPU ${r2.serverCpu.toFixed(2)} s)` : '') +
        ` | tipdesk ${r3.seconds.toFixed(2)} s (CPU ${r3.serverCpu.toFixed(2)} s; 201 ${JSON.parse(r3.body).reference})`,
    );
  }

  // ---- 8 concurrent uploads: peak RSS of the app process ----
  await raw.stop();
  await rawFsync?.stop();
  const idle = readProcMemory(app.pid);
  const hwmReset = resetPeakRss(app.pid);
  const afterReset = readProcMemory(app.pid);
  console.log(
    `concurrent: ${CONCURRENCY} × ${formatBytes(CONCURRENT_SIZE)} to tipdesk; RSS before ${mb(idle.rss)} MB, ` +
      `VmHWM so far ${mb(idle.hwm)} MB${hwmReset ? `, reset to ${mb(afterReset.hwm)} MB for this phase` : ' (could not reset VmHWM: the figure includes earlier phases)'}`,
  );
  const sampler = sampleRss(app.pid, 100);
  const startedAll = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: CONCURRENCY }, () => postUpload(appUrl, CONCURRENT_SIZE)));
  const allSeconds = Number(process.hrtime.bigint() - startedAll) / 1e9;
  const peak = sampler.stop();
  results.forEach((r, i) => expectStatus(r, 201, `concurrent upload ${i + 1}`));
  const storedConcurrent = await listFiles(join(blobsDir, 'media'));
  if (storedConcurrent.length !== CONCURRENCY) throw new Error(`expected ${CONCURRENCY} stored blobs, found ${storedConcurrent.length}`);
  await removeFilesUnder(join(blobsDir, 'media'));

  await app.stop();
  if (CPU_PROF_DIR) console.log(`CPU profile of the app written to ${CPU_PROF_DIR}`);

  // ---- summary ----
  const rawT = median(times.raw);
  const oursT = median(times.ours);
  const ratio = oursT / rawT;
  const mbps = (bytes, s) => (bytes / s / 1e6).toFixed(0);
  const peakMb = Math.max(peak.hwm, peak.maxRss) / 1e6;
  const lines = [
    '',
    '================ upload bench summary ================',
    `upload ${formatBytes(SIZE)} (median of ${ROUNDS}): raw pipe ${rawT.toFixed(2)} s (${mbps(SIZE, rawT)} MB/s) | ` +
      `tipdesk ${oursT.toFixed(2)} s (${mbps(SIZE, oursT)} MB/s) | ratio ${ratio.toFixed(2)} (target ≤ ${RATIO_TARGET}) ${ratio <= RATIO_TARGET ? 'MET' : 'MISSED'}`,
  ];
  if (times.rawFsync.length) {
    const fsT = median(times.rawFsync);
    lines.push(`  (info) raw pipe + fsync before answering: ${fsT.toFixed(2)} s (${mbps(SIZE, fsT)} MB/s) | tipdesk / raw+fsync ${(oursT / fsT).toFixed(2)}`);
  }
  lines.push(
    `  runs: raw ${times.raw.map((t) => t.toFixed(2)).join(', ')} s` +
      (times.rawFsync.length ? ` | raw+fsync ${times.rawFsync.map((t) => t.toFixed(2)).join(', ')} s` : '') +
      ` | tipdesk ${times.ours.map((t) => t.toFixed(2)).join(', ')} s; every tipdesk answer 201`,
    `  server CPU per upload (median, user+system): raw pipe ${median(cpu.raw).toFixed(2)} s` +
      (cpu.rawFsync.length ? ` | raw+fsync ${median(cpu.rawFsync).toFixed(2)} s` : '') +
      ` | tipdesk ${median(cpu.ours).toFixed(2)} s | upload client (this process) ${median(clientCpu).toFixed(2)} s`,
    `concurrent ${CONCURRENCY} × ${formatBytes(CONCURRENT_SIZE)}: all 201 in ${allSeconds.toFixed(1)} s ` +
      `(${mbps(CONCURRENCY * CONCURRENT_SIZE, allSeconds)} MB/s total) | app peak RSS: VmHWM ${mb(peak.hwm)} MB, ` +
      `max sampled VmRSS ${mb(peak.maxRss)} MB (${peak.samples} samples @100 ms) | target ≤ ${RSS_TARGET_MB} MB ${peakMb <= RSS_TARGET_MB ? 'MET' : 'MISSED'}`,
    '  (RSS is the tipdesk Node process alone; its embedded PostgreSQL runs as separate processes and is not counted)',
    `  machine: ${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (includes the bench itself; other work on the machine skews every figure)`,
    '======================================================',
  );
  console.log(lines.join('\n'));
}

run(main);
