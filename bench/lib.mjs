// Shared helpers for the bench scripts: child servers, bench databases, RSS sampling, clean-up. Plain Node and pg.
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/**
 * Copies dist/ to bench/.dist-<pid>/ (removed at the end) and returns its path, so a `nest build`
 * started elsewhere during a long run (it deletes dist/ first) cannot pull the app out from under
 * the bench. Inside the repository, so the copy still resolves ../node_modules.
 */
export async function snapshotDist() {
  // BENCH_DIST: bench another build of the app (e.g. one from another branch) instead of ./dist.
  const dist = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(ROOT, 'dist');
  const needed = ['main.js', 'app-setup.js', 'database/migrate.js', 'database/embedded-postgres.js', 'tips/terms.js'];
  const missing = needed.filter((f) => !existsSync(join(dist, f)));
  if (missing.length) {
    throw new Error(`${dist} is missing or incomplete (${missing.join(', ')}): run \`npx nest build\` first (npm run bench:* does it for you)`);
  }
  const copy = join(ROOT, 'bench', `.dist-${process.pid}`);
  onCleanup(() => rm(copy, { recursive: true, force: true }));
  await cp(dist, copy, { recursive: true });
  const stillMissing = needed.filter((f) => !existsSync(join(copy, f)));
  if (stillMissing.length) throw new Error(`dist/ changed while it was copied (a build running?): ${stillMissing.join(', ')} missing; try again`);
  return copy;
}

/** import() of a module inside the dist snapshot, e.g. distImport(dir, 'database/migrate.js'). */
export const distImport = (distDir, file) => import(pathToFileURL(join(distDir, file)).href);

export function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

export function formatBytes(bytes) {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes} B`;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const percentile = (sortedValues, p) =>
  sortedValues.length ? sortedValues[Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1)] : NaN;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Throws unless `dir`'s file system has `neededBytes` free (`how` says what the figure is made of and
 * how to shrink it); returns the free bytes.
 */
export async function requireFreeSpace(dir, neededBytes, how) {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < neededBytes) {
    throw new Error(`Not enough free disk space in ${dir}: ${(free / GiB).toFixed(1)} GiB free, ${(neededBytes / GiB).toFixed(1)} GiB needed (${how})`);
  }
  return free;
}

/** `sync`, then a short pause: the next timed upload does not pay for the previous one's writeback. */
export async function settleDisk() {
  spawnSync('sync');
  await sleep(500);
}

/**
 * Writes a `bytes`-long file that the app sniffs as video: test/fixtures/sample.mp4, then an
 * AES-256-CTR keystream from a fixed seed (incompressible, never repeating, cheap to make).
 * Resolves with its SHA-256 (hex).
 */
export async function writeSampleVideoFile(path, bytes) {
  const sample = readFileSync(join(ROOT, 'test', 'fixtures', 'sample.mp4'));
  if (bytes < sample.length) throw new Error(`the file must be at least ${sample.length} bytes (the MP4 sample at its head)`);
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 0x7d), Buffer.alloc(16, 0x42));
  const zeros = Buffer.alloc(4 * MiB);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const write = async (chunk) => {
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(sample);
  for (let left = bytes - sample.length; left > 0; left -= zeros.length) {
    await write(cipher.update(left >= zeros.length ? zeros : zeros.subarray(0, left)));
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Everything a run creates is registered here and removed by cleanup(), also on errors and ^C.

const tmpDirs = [];
const children = new Set();
const cleanups = [];

export async function makeTmpDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

/** Registers an async clean-up step (run in reverse order, after the child processes are stopped). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

let cleaning;
export function cleanup() {
  cleaning ??= (async () => {
    for (const child of [...children]) await child.stop().catch((e) => console.error(`stopping ${child.name} failed: ${e.message}`));
    for (const fn of cleanups.reverse()) await fn().catch((e) => console.error(`clean-up step failed: ${e.message}`));
    for (const dir of tmpDirs) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  })();
  return cleaning;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: cleaning up...`);
    cleanup().finally(() => process.exit(130));
  });
}

/**
 * Runs `main`, always cleans up, exits 1 on an error (never on a missed target). A proof script's
 * `main` may resolve to its own exit code (a failed check is its answer, not an error).
 */
export function run(main) {
  main()
    .then(
      (code) => (Number.isInteger(code) ? code : 0),
      (error) => {
        if (!interrupted) console.error(`\nbench failed: ${error?.stack ?? error}`);
        return 1;
      },
    )
    .then(async (code) => {
      await cleanup();
      process.exit(code);
    });
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * Spawns `node <args>` with `env` added. Its stderr (and stdout) are kept (last 200 lines) for
 * error messages and echoed when BENCH_VERBOSE=1.
 */
export function spawnNode(name, args, env, { dataDir } = {}) {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const keep = (chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (!line) continue;
      output.push(line);
      if (output.length > 200) output.shift();
      if (process.env.BENCH_VERBOSE) console.error(`[${name}] ${line}`);
    }
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const child = {
    name,
    proc,
    pid: proc.pid,
    output,
    exited,
    get running() {
      return proc.exitCode === null && proc.signalCode === null;
    },
    /** SIGTERM, wait for a clean exit (the app stops its embedded PostgreSQL); SIGKILL after 45 s. */
    async stop() {
      children.delete(child);
      if (child.running) {
        proc.kill('SIGTERM');
        const done = await Promise.race([exited.then(() => true), sleep(45_000).then(() => false)]);
        if (!done) {
          console.error(`${name} (pid ${proc.pid}) did not stop after SIGTERM; sending SIGKILL`);
          proc.kill('SIGKILL');
          await exited;
        }
      }
      // If the app died without stopping its embedded PostgreSQL, stop that server (by its pid file).
      if (dataDir) await stopOrphanedPostgres(join(dataDir, 'postgres'));
    },
  };
  children.add(child);
  return child;
}

async function stopOrphanedPostgres(pgDataDir) {
  let pid;
  try {
    pid = Number(readFileSync(join(pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return;
  }
  console.error(`stopping the PostgreSQL (pid ${pid}) left behind in ${pgDataDir}`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
}

/** Polls `url` until it answers 200 (or the child dies, or the timeout passes). */
export async function waitForHttp200(child, url, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running) throw new Error(`${child.name} exited before it was ready:\n${child.output.slice(-30).join('\n')}`);
    const status = await new Promise((r) => {
      const req = http.get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => r(res.statusCode));
      });
      req.on('error', () => r(0));
      req.setTimeout(5000, () => req.destroy());
    });
    if (status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`${child.name} was not ready at ${url} after ${timeoutMs / 1000} s (last status ${status}):\n${child.output.slice(-30).join('\n')}`);
    await sleep(200);
  }
}

/**
 * Starts the compiled app (`node <dist snapshot>/main.js`) in its own process. Without `databaseUrl` it
 * starts its own embedded PostgreSQL under `dataDir`.
 */
export async function startTipdesk({ distDir, dataDir, databaseUrl, maxFileBytes = 2 * GiB, extraEnv = {}, nodeArgs = [] }) {
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_TIPS_PER_HOUR: '1000000',
    // The benches' clients solve no proof-of-work challenges.
    POW_AFTER_TIPS_PER_HOUR: '1000000',
    // Every bench client is one loopback address: its 8 concurrent uploads are the load, not a flood.
    UPLOADS_CONCURRENT_PER_CLIENT: '1000',
    MAX_FILE_BYTES: String(maxFileBytes),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    NODE_ENV: 'production',
    // The benches check free space themselves; the soak sets its own reserve.
    STORAGE_MIN_FREE_BYTES: '0',
    ...extraEnv,
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else env.DATABASE_URL = ''; // never inherit one from the caller's shell
  const child = spawnNode('tipdesk', [...nodeArgs, join(distDir, 'main.js')], env, { dataDir });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp200(child, `${url}/health`);
  return Object.assign(child, { url, port });
}

/**
 * Starts bench/servers/raw-upload-server.mjs (the uploads' baseline: a bare `http` server that
 * pipes each POST body to a new file in `outDir`; with `fsync`, fsyncs it before answering).
 * Its `url` is the upload URL.
 */
export async function startRawUploadServer(outDir, { fsync = false } = {}) {
  const port = await freePort();
  const child = spawnNode(fsync ? 'raw-pipe+fsync' : 'raw-pipe', ['bench/servers/raw-upload-server.mjs'], {
    PORT: String(port),
    OUT_DIR: outDir,
    RAW_FSYNC: fsync ? '1' : '0',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp200(child, `${url}/health`, 30_000);
  return Object.assign(child, { url: `${url}/upload`, outDir });
}

// ---------------------------------------------------------------------------------------------
// Memory of one process, from /proc (Linux)

export function readProcMemory(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** Asks the kernel to reset VmHWM to the current RSS (Linux >= 4.0; we must own the process). */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS/VmHWM of `pid` every `intervalMs`; stop() returns the maxima. */
export function sampleRss(pid, intervalMs = 100) {
  let maxRss = 0;
  let lastHwm = 0;
  let samples = 0;
  const take = () => {
    const m = readProcMemory(pid);
    if (!m) return;
    samples++;
    if (m.rss > maxRss) maxRss = m.rss;
    lastHwm = m.hwm;
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { maxRss, hwm: lastHwm, samples };
    },
  };
}

export const mb = (bytes) => (bytes / 1e6).toFixed(1);

/** All files under `dir`, recursively (absolute paths). */
export async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

export async function removeFilesUnder(dir) {
  let bytes = 0;
  for (const file of await listFiles(dir)) {
    bytes += (await stat(file).catch(() => ({ size: 0 }))).size;
    await rm(file, { force: true });
  }
  return bytes;
}

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat; clock ticks of 10 ms). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/**
 * A fresh, migrated database named `tipdesk_bench_<label>_<random>` on DATABASE_URL's server,
 * or on an embedded PostgreSQL of the bench's own (from the compiled app in `distDir`). Dropped
 * at the end unless `keep` (its URL is printed then, for exploring with psql).
 */
export async function freshBenchDatabase(distDir, label, { keep = false } = {}) {
  const { createLogger } = await distImport(distDir, 'logging/logger.js');
  const { startEmbeddedPostgres } = await distImport(distDir, 'database/embedded-postgres.js');
  const { runMigrations } = await distImport(distDir, 'database/migrate.js');
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    console.log('starting an embedded PostgreSQL...');
    const database = await startEmbeddedPostgres(await makeTmpDir('tipdesk-bench-pg-'), createLogger('warn'), { persistent: false });
    onCleanup(() => database.stop());
    serverUrl = database.url;
  }
  const name = `tipdesk_bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  if (keep) console.log(`BENCH_KEEP_DATABASE=1: the database stays: ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  else {
    onCleanup(async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    });
  }
  await runMigrations(databaseUrl);
  return { serverUrl, databaseUrl, name };
}
