// tus upload benchmark (issue 5): one big file through the resumable endpoint /api/uploads with
// tus-js-client (Node), against the raw Node pipe-to-file server receiving the same file in one
// POST; then the app's peak RSS under 8 concurrent tus uploads. Runs the COMPILED app (dist/, or
// BENCH_DIST) in its own process, like the other benches. See bench/README.md.
import { createReadStream, readFileSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { DefaultHttpStack, Upload } from 'tus-js-client';
import {
  GiB,
  MiB,
  cpuSeconds,
  distImport,
  envInt,
  formatBytes,
  freshBenchDatabase,
  makeTmpDir,
  mb,
  median,
  onCleanup,
  readProcMemory,
  removeFilesUnder,
  requireFreeSpace,
  resetPeakRss,
  run,
  sampleRss,
  settleDisk,
  snapshotDist,
  startRawUploadServer,
  startTipdesk,
  writeSampleVideoFile,
} from './lib.mjs';

// The file size: BENCH_TUS_BYTES, or the first argument (`node bench/tus-upload.mjs 268435456`).
if (process.argv[2]) process.env.BENCH_TUS_BYTES = process.argv[2];
const SIZE = envInt('BENCH_TUS_BYTES', GiB);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 8);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const RATIO_TARGET = 1.3;
const RSS_TARGET_MB = 200;
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF; // a directory: profile the app child with --cpu-prof
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);

// The public form's chunk-size policy, the very browser script (src/web/assets/upload-chunks.js).
const chunkPolicies = (() => {
  const window = {};
  runInNewContext(readFileSync(new URL('../src/web/assets/upload-chunks.js', import.meta.url), 'utf8'), { window });
  return window.tipdeskChunkPolicy;
})();

// The ways a client can send the file: everything in one PATCH (tus-js-client's default, chunkSize
// Infinity), the way the public form sends it (tip-form.js: adaptive chunks, 5 MiB growing to 50
// MiB), and fixed 5 MiB chunks (what the form sent before issue 17). BENCH_TUS_CLIENTS=whole,
// =form or =chunks runs one of them alone (e.g. to profile it with BENCH_CPU_PROF).
const CLIENTS = [
  { key: 'whole', label: 'one PATCH', chunkSize: Number.POSITIVE_INFINITY },
  { key: 'form', label: "the form's adaptive chunks", adaptive: true },
  { key: 'chunks', label: '5 MiB chunks', chunkSize: 5 * MiB },
].filter((c) => (process.env.BENCH_TUS_CLIENTS ?? 'whole,form,chunks').split(',').includes(c.key));
if (CLIENTS.length === 0) throw new Error('BENCH_TUS_CLIENTS must name whole, form and/or chunks (comma-separated)');

/** POSTs the file as the whole body of one request (createReadStream piped into http.request). */
function postFile(url, file, size) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } });
    req.on('response', (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8'), seconds: (performance.now() - started) / 1000 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const source = createReadStream(file);
    source.on('error', (error) => req.destroy(error));
    source.pipe(req);
  });
}

/**
 * tus-js-client's Node HTTP stack, noting when each request's body has been handed to the socket
 * ('finish' of the ClientRequest). onProgress cannot tell: its last call comes with the answer.
 */
class TimingHttpStack extends DefaultHttpStack {
  lastBodySentAt;
  requests = 0;

  createRequest(method, url) {
    const request = super.createRequest(method, url);
    const send = request.send.bind(request);
    request.send = (body) => {
      const answered = send(body);
      this.requests++;
      request.getUnderlyingObject()?.once('finish', () => (this.lastBodySentAt = performance.now()));
      return answered;
    };
    return request;
  }
}

/**
 * One tus upload with tus-js-client: creation (POST) and PATCHes until the last one's answer,
 * which comes after the app's finish work (sniff + SHA-256). No retries: a failure is an error.
 */
function tusUpload(endpoint, file, client) {
  return new Promise((resolve, reject) => {
    const httpStack = new TimingHttpStack();
    // The form's policy: the next chunk's size from how long this one took (tip-form.js does the same).
    const policy = client.adaptive ? chunkPolicies.create() : undefined;
    let chunkStartedAt = 0;
    const upload = new Upload(createReadStream(file), {
      endpoint,
      chunkSize: policy ? policy.size() : client.chunkSize,
      httpStack,
      retryDelays: null,
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') chunkStartedAt = performance.now();
      },
      onChunkComplete: (chunkSize) => {
        if (policy) upload.options.chunkSize = policy.succeeded(chunkSize, performance.now() - chunkStartedAt);
      },
      metadata: { filename: 'flood.mp4', filetype: 'video/mp4' },
      onError: reject,
      onSuccess: () => {
        const ended = performance.now();
        resolve({
          url: upload.url,
          id: new URL(upload.url).pathname.split('/').pop(),
          seconds: (ended - started) / 1000,
          tailSeconds: (ended - httpStack.lastBodySentAt) / 1000,
          requests: httpStack.requests,
        });
      },
    });
    const started = performance.now();
    upload.start();
  });
}

/** The server's offset for an upload (tus HEAD). */
async function serverOffset(url) {
  const res = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
  if (res.status !== 200) throw new Error(`HEAD ${url} answered ${res.status}`);
  return Number(res.headers.get('upload-offset'));
}

async function main() {
  const loadBefore = loadavg()[0];
  const phaseBytes = Math.max(1, CONCURRENCY) * SIZE;
  const free = await requireFreeSpace(
    tmpdir(),
    SIZE + phaseBytes * 1.2 + 2 * GiB,
    `the ${formatBytes(SIZE)} source file + ${CONCURRENCY} × ${formatBytes(SIZE)} uploads × 1.2 + 2 GiB; set BENCH_TUS_BYTES smaller, e.g. 268435456`,
  );
  console.log(
    `tus upload bench: ${formatBytes(SIZE)}, ${ROUNDS} rounds (raw pipe, ${CLIENTS.map((c) => `tus ${c.label}`).join(', ')}; order rotates), ` +
      `then ${CONCURRENCY} concurrent per client; ${(free / GiB).toFixed(1)} GiB free in ${tmpdir()}; ${cpus().length} CPUs, 1-min load ${loadBefore.toFixed(2)}`,
  );

  const workDir = await makeTmpDir('tipdesk-bench-tus-');
  const file = join(workDir, 'flood.mp4');
  let t = performance.now();
  const sha256 = await writeSampleVideoFile(file, SIZE);
  console.log(
    `source file: ${formatBytes(SIZE)} (sample.mp4 + AES-CTR keystream) in ${((performance.now() - t) / 1000).toFixed(1)} s, sha256 ${sha256.slice(0, 16)}…`,
  );

  const distDir = await snapshotDist();
  const { sniffMedia } = await distImport(distDir, 'media/blob-storage-engine.js');
  const { BlobMeter } = await distImport(distDir, 'storage/blob-store.js');
  const { databaseUrl } = await freshBenchDatabase(distDir, 'tus');
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  onCleanup(() => db.end());

  const rawDir = await makeTmpDir('tipdesk-bench-tus-raw-');
  const appDir = await makeTmpDir('tipdesk-bench-tus-app-');
  const uploadsDir = join(appDir, 'uploads');
  const raw = await startRawUploadServer(rawDir);
  const nodeArgs = [...APP_NODE_ARGS, ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [])];
  const app = await startTipdesk({ distDir, dataDir: appDir, databaseUrl, maxFileBytes: SIZE + MiB, nodeArgs, extraEnv: { UPLOADS_PER_HOUR: '1000000' } });
  const endpoint = `${app.url}/api/uploads`;
  console.log(`tipdesk pid ${app.pid} on ${app.url}; RSS after start ${mb(readProcMemory(app.pid).rss)} MB`);

  /** Checks a finished upload (row finished with the file's SHA-256 and size; bytes on disk), then removes it. */
  const checkAndRemove = async (ids, { keepFiles = false } = {}) => {
    const { rows } = await db.query(
      `SELECT id, size_bytes, sha256, kind FROM uploads WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL AND sha256 = $2 AND size_bytes = $3`,
      [ids, sha256, SIZE],
    );
    if (rows.length !== ids.length) throw new Error(`expected ${ids.length} finished uploads rows with the file's sha256 and size, found ${rows.length}`);
    for (const id of ids) {
      const onDisk = (await stat(join(uploadsDir, id))).size;
      if (onDisk !== SIZE) throw new Error(`upload ${id} has ${onDisk} bytes on disk, expected ${SIZE}`);
    }
    if (keepFiles) return rows;
    for (const id of ids) {
      await rm(join(uploadsDir, id), { force: true });
      await rm(join(uploadsDir, `${id}.json`), { force: true });
    }
    await db.query('DELETE FROM uploads WHERE id = ANY($1::uuid[])', [ids]);
    return rows;
  };

  // Warm-up: a 16 MiB file to each (JIT, first directories, database connections).
  const warm = join(workDir, 'warm.mp4');
  await writeSampleVideoFile(warm, 16 * MiB);
  if ((await postFile(raw.url, warm, 16 * MiB)).status !== 201) throw new Error('warm-up upload to the raw pipe server failed');
  for (const client of CLIENTS) {
    const w = await tusUpload(endpoint, warm, client);
    await rm(join(uploadsDir, w.id), { force: true });
    await rm(join(uploadsDir, `${w.id}.json`), { force: true });
  }
  await rm(warm);
  await db.query('DELETE FROM uploads');
  await removeFilesUnder(rawDir);

  // ---- sequential rounds ----
  const times = { raw: [], whole: [], form: [], chunks: [] };
  const cpu = { raw: [], whole: [], form: [], chunks: [] };
  const tails = { whole: [], form: [], chunks: [] };
  const requests = { whole: 0, form: 0, chunks: 0 };
  // The app's finish work replayed in this process on the first client's stored file (see below).
  const finishWork = [];
  const steps = [
    async () => {
      const before = cpuSeconds(raw.pid);
      const r = await postFile(raw.url, file, SIZE);
      if (r.status !== 201 || JSON.parse(r.body).bytes !== SIZE) throw new Error(`raw pipe server answered ${r.status} ${r.body}`);
      times.raw.push(r.seconds);
      cpu.raw.push(cpuSeconds(raw.pid) - before);
      await removeFilesUnder(rawDir);
      return `raw pipe ${r.seconds.toFixed(2)} s (CPU ${cpu.raw.at(-1).toFixed(2)} s)`;
    },
    ...CLIENTS.map((client) => async () => {
      const before = cpuSeconds(app.pid);
      const r = await tusUpload(endpoint, file, client);
      const serverCpu = cpuSeconds(app.pid) - before;
      times[client.key].push(r.seconds);
      cpu[client.key].push(serverCpu);
      tails[client.key].push(r.tailSeconds);
      requests[client.key] = r.requests;
      if ((await serverOffset(r.url)) !== SIZE) throw new Error(`upload ${r.id}: the server's offset is not ${SIZE}`);
      await checkAndRemove([r.id], { keepFiles: client === CLIENTS[0] });
      let note = '';
      if (client === CLIENTS[0]) {
        // The app's finish work alone, run here on the stored file (in the page cache, as on the server).
        const s = performance.now();
        const { stream, media } = await sniffMedia(createReadStream(join(uploadsDir, r.id)));
        const meter = new BlobMeter();
        await pipeline(stream, meter, new Writable({ write: (_c, _e, done) => done() }));
        if (!media || meter.result().sha256 !== sha256) throw new Error('finish-work replay: wrong type or hash');
        finishWork.push((performance.now() - s) / 1000);
        note = `; finish work replayed ${finishWork.at(-1).toFixed(2)} s`;
        await checkAndRemove([r.id]);
      }
      return `tus ${client.label} ${r.seconds.toFixed(2)} s (CPU ${serverCpu.toFixed(2)} s, ${r.requests} requests, last byte → answer ${r.tailSeconds.toFixed(2)} s${note})`;
    }),
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    const shift = (round - 1) % steps.length;
    const parts = [];
    for (const step of [...steps.slice(shift), ...steps.slice(0, shift)]) {
      await settleDisk();
      parts.push(await step());
    }
    console.log(`  round ${round}: ${parts.join(' | ')}`);
  }
  await raw.stop();

  // ---- concurrent uploads, once per client kind: peak RSS of the app process ----
  const concurrent = [];
  for (const client of CLIENTS) {
    await settleDisk();
    const idle = readProcMemory(app.pid);
    const reset = resetPeakRss(app.pid);
    const sampler = sampleRss(app.pid, 100);
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: CONCURRENCY }, () => tusUpload(endpoint, file, client)));
    const seconds = (performance.now() - started) / 1000;
    const peak = sampler.stop();
    const offsets = await Promise.all(results.map((r) => serverOffset(r.url)));
    if (offsets.some((o) => o !== SIZE)) throw new Error(`concurrent ${client.label}: final offsets ${offsets.join(', ')}, expected ${SIZE} each`);
    await checkAndRemove(results.map((r) => r.id)); // all CONCURRENCY rows finished with the sha256, or it throws
    concurrent.push({ client, idle, reset, peak, seconds });
    console.log(
      `  concurrent ${CONCURRENCY} × ${formatBytes(SIZE)}, ${client.label}: ${seconds.toFixed(1)} s; RSS before ${mb(idle.rss)} MB, ` +
        `peak VmHWM ${mb(peak.hwm)} MB${reset ? '' : ' (VmHWM not reset: includes earlier phases)'}, max sampled VmRSS ${mb(peak.maxRss)} MB (${peak.samples} samples)`,
    );
  }
  await app.stop();
  if (CPU_PROF_DIR) console.log(`CPU profile of the app written to ${CPU_PROF_DIR}`);

  // ---- summary ----
  const mbps = (bytes, s) => (bytes / s / 1e6).toFixed(0);
  const rawT = median(times.raw);
  const best = CLIENTS.map((c) => ({ c, t: median(times[c.key]) })).sort((a, b) => a.t - b.t)[0];
  const ratio = best.t / rawT;
  const runs = (list) => list.map((x) => x.toFixed(2)).join(', ');
  const lines = [
    '',
    '================ tus upload bench summary ================',
    `tus upload ${formatBytes(SIZE)} (median of ${ROUNDS}): raw pipe ${rawT.toFixed(2)} s (${mbps(SIZE, rawT)} MB/s) | ` +
      CLIENTS.map(
        (c) =>
          `tus ${c.label} ${median(times[c.key]).toFixed(2)} s (${mbps(SIZE, median(times[c.key]))} MB/s, ratio ${(median(times[c.key]) / rawT).toFixed(2)})`,
      ).join(' | '),
    `  target (best-configured client: ${best.c.label}): ratio ${ratio.toFixed(2)} (target ≤ ${RATIO_TARGET}) ${ratio <= RATIO_TARGET ? 'met' : 'MISSED'}`,
    ...(times.form.length
      ? [
          `  the way the public form sends it (issue 17): ratio ${(median(times.form) / rawT).toFixed(2)} (target ≤ ${RATIO_TARGET}) ${median(times.form) / rawT <= RATIO_TARGET ? 'met' : 'MISSED'}`,
        ]
      : []),
    `  runs: raw ${runs(times.raw)} s | ` + CLIENTS.map((c) => `${c.label} ${runs(times[c.key])} s (${requests[c.key]} requests each)`).join(' | '),
    `  server CPU per upload (median, user+system): raw pipe ${median(cpu.raw).toFixed(2)} s | ` +
      CLIENTS.map((c) => `tus ${c.label} ${median(cpu[c.key]).toFixed(2)} s`).join(' | '),
    `  last byte sent → final answer (median): ` +
      CLIENTS.map((c) => `${c.label} ${median(tails[c.key]).toFixed(2)} s`).join(' | ') +
      ` | the finish work (sniff + SHA-256 re-read of the stored file) replayed in the bench process: ${median(finishWork).toFixed(2)} s`,
  ];
  const worst = Math.max(...concurrent.map((x) => Math.max(x.peak.hwm, x.peak.maxRss)));
  for (const x of concurrent) {
    lines.push(
      `concurrent ${CONCURRENCY} × ${formatBytes(SIZE)} (${x.client.label}): all finished (offset = size, ${CONCURRENCY} rows with the sha256) in ${x.seconds.toFixed(1)} s ` +
        `(${mbps(CONCURRENCY * SIZE, x.seconds)} MB/s total) | RSS before ${mb(x.idle.rss)} MB, peak VmHWM ${mb(x.peak.hwm)} MB, max sampled VmRSS ${mb(x.peak.maxRss)} MB`,
    );
  }
  lines.push(
    `  app peak RSS ${mb(worst)} MB (target ≤ ${RSS_TARGET_MB} MB) ${worst / 1e6 <= RSS_TARGET_MB ? 'met' : 'MISSED'} (the tipdesk Node process alone; PostgreSQL not counted)`,
    `  machine: ${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (includes the bench itself; other work on the machine skews every figure)`,
    '==========================================================',
  );
  console.log(lines.join('\n'));
}

run(main);
