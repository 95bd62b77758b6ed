// Small JSON tips throughput (issue "Performance"): POST /api/tips as JSON against a bare Node
// http + pg server doing the same statements, both on the SAME embedded PostgreSQL, same pool
// size, same load generator, same run. Runs the COMPILED app (a copy of dist/) in its own process.
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import {
  cpuSeconds,
  distImport,
  envInt,
  freePort,
  makeTmpDir,
  median,
  onCleanup,
  percentile,
  snapshotDist,
  run,
  spawnNode,
  startTipdesk,
  waitForHttp200,
} from './lib.mjs';

const CONNECTIONS = envInt('BENCH_CONNECTIONS', 32);
const SECONDS = envInt('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envInt('BENCH_WARMUP_SECONDS', 2);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const RATIO_TARGET = 0.6;
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF; // a directory: profile both servers with --cpu-prof
// Extra node flags for the app child only, e.g. "--max-semi-space-size=4" (space-separated).
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);

/**
 * K workers, each one request at a time over a keep-alive agent of K sockets, for warm-up + D
 * seconds. Only requests STARTED after the warm-up and finished before the end count.
 */
async function load(url, label, server) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const target = new URL(url);
  const cpuBefore = cpuSeconds(server.pid);
  const benchCpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const measureFrom = t0 + WARMUP_SECONDS * 1000;
  const end = measureFrom + SECONDS * 1000;
  const latencies = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const statuses = {};
  let firstFailure;

  const post = (body) =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'tipdesk-bench' },
        },
        (res) => {
          const parts = [];
          res.on('data', (c) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
          res.on('error', (error) => resolve({ status: 0, body: String(error) }));
        },
      );
      req.on('error', (error) => resolve({ status: 0, body: String(error) }));
      req.end(body);
    });

  const worker = async (w) => {
    for (let i = 0; ; i++) {
      const started = performance.now();
      if (started >= end || !server.running) return;
      const body = JSON.stringify({
        story: `Bench tip ${w}-${i}: a burst water main on the high street, traffic stopped both ways.`,
        consentTerms: true,
        consentOwnWork: true,
        consentOver18: true,
        name: 'Sam Reader',
        email: `reader${w}@example.org`,
      });
      const result = await post(body);
      sent++;
      const finished = performance.now();
      if (started < measureFrom || finished > end) continue;
      statuses[result.status] = (statuses[result.status] ?? 0) + 1;
      if (result.status === 0) errors++;
      else if (result.status < 200 || result.status > 299) non2xx++;
      else {
        ok++;
        latencies.push(finished - started);
        continue;
      }
      firstFailure ??= `${result.status} ${result.body.slice(0, 300)}`;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));
  agent.destroy();
  const serverCpu = cpuSeconds(server.pid) - cpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const wall = (performance.now() - t0) / 1000;
  if (!server.running) {
    throw new Error(`${label} (pid ${server.pid}) died during the run; its last output:\n${server.output.slice(-40).join('\n')}`);
  }
  latencies.sort((a, b) => a - b);
  const r = {
    label,
    rps: ok / SECONDS,
    ok,
    non2xx,
    errors,
    sent,
    statuses,
    firstFailure,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    latencies,
    // CPU of the server process over the whole phase (warm-up included), per request it answered.
    cpuMsPerRequest: (serverCpu * 1000) / sent,
    serverCores: serverCpu / wall,
    clientCores: (benchCpu.user + benchCpu.system) / 1e6 / wall,
  };
  console.log(
    `  ${label.padEnd(9)} ${r.rps.toFixed(0).padStart(6)} req/s | p50 ${r.p50.toFixed(1)} ms p95 ${r.p95.toFixed(1)} ms | ` +
      `2xx ${ok}, non-2xx ${non2xx}, errors ${errors} | server CPU ${r.cpuMsPerRequest.toFixed(2)} ms/req (${r.serverCores.toFixed(2)} cores), ` +
      `load generator ${r.clientCores.toFixed(2)} cores` +
      (firstFailure ? ` | first failure: ${firstFailure}` : ''),
  );
  return r;
}

async function main() {
  const loadBefore = loadavg()[0];
  const distDir = await snapshotDist();
  const { createLogger } = await distImport(distDir, 'logging/logger.js');
  const { startEmbeddedPostgres } = await distImport(distDir, 'database/embedded-postgres.js');
  const { runMigrations } = await distImport(distDir, 'database/migrate.js');
  const { dataSourceOptions } = await distImport(distDir, 'database/data-source-options.js');

  // Same connection count as the app's TypeORM pool (src/database/data-source-options.ts extra.max).
  const appPoolMax = dataSourceOptions('postgres://x:y@127.0.0.1:1/x').extra?.max ?? 10;
  const poolMax = envInt('BENCH_POOL', appPoolMax);

  console.log(
    `json-tips bench: ${CONNECTIONS} keep-alive connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured, ${ROUNDS} rounds (alternating order); ` +
      (poolMax === appPoolMax
        ? `pool of ${poolMax} PostgreSQL connections for both (tipdesk's extra.max in src/database/data-source-options.ts)`
        : `baseline pool ${poolMax} (BENCH_POOL), tipdesk's own pool ${appPoolMax}`),
  );

  const pgDir = await makeTmpDir('tipdesk-bench-pg-');
  const appDir = await makeTmpDir('tipdesk-bench-app-');
  console.log('starting one embedded PostgreSQL for both servers...');
  const database = await startEmbeddedPostgres(pgDir, createLogger('warn'), { persistent: false });
  onCleanup(() => database.stop());
  await runMigrations(database.url);
  const db = new pg.Pool({ connectionString: database.url, max: 1 });
  onCleanup(() => db.end());
  const settings = (
    await db.query(`SELECT current_setting('server_version') v, current_setting('synchronous_commit') sc, current_setting('max_connections') mc`)
  ).rows[0];

  const basePort = await freePort();
  const profArgs = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
  const baseline = spawnNode('pg-baseline', [...profArgs, 'bench/servers/pg-tips-server.mjs'], {
    PORT: String(basePort),
    POOL_MAX: String(poolMax),
    DATABASE_URL: database.url,
    DIST_DIR: distDir,
  });
  await waitForHttp200(baseline, `http://127.0.0.1:${basePort}/health`, 30_000);

  const app = await startTipdesk({ distDir, dataDir: appDir, databaseUrl: database.url, nodeArgs: [...APP_NODE_ARGS, ...profArgs] });
  console.log(
    `PostgreSQL ${settings.v} (synchronous_commit=${settings.sc}, max_connections=${settings.mc}); baseline pid ${baseline.pid}, tipdesk pid ${app.pid}`,
  );

  const targets = {
    baseline: [`http://127.0.0.1:${basePort}/api/tips`, baseline],
    tipdesk: [`${app.url}/api/tips`, app],
  };
  const countTips = async () => Number((await db.query('SELECT count(*)::int n FROM tips')).rows[0].n);

  const results = { baseline: [], tipdesk: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}:`);
    const order = round % 2 ? ['baseline', 'tipdesk'] : ['tipdesk', 'baseline'];
    for (const name of order) {
      const before = await countTips();
      const [url, server] = targets[name];
      const r = await load(url, name, server);
      const created = (await countTips()) - before;
      // Every request that got 201 (warm-up ones too) must have made exactly one tip.
      if (created < r.ok) throw new Error(`${name}: ${r.ok} answers 201 in the measured window but only ${created} tips were stored`);
      results[name].push(r);
    }
  }

  const summarise = (runs) => {
    const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
    return {
      rps: median(runs.map((r) => r.rps)),
      p50: percentile(all, 50),
      p95: percentile(all, 95),
      cpuMs: median(runs.map((r) => r.cpuMsPerRequest)),
      non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      ok: runs.reduce((n, r) => n + r.ok, 0),
    };
  };
  const base = summarise(results.baseline);
  const ours = summarise(results.tipdesk);
  const ratio = ours.rps / base.rps;
  const ourFailures = ours.non2xx + ours.errors;

  console.log(
    [
      '',
      '================ json-tips bench summary ================',
      `json tips, ${CONNECTIONS} client connections, ${SECONDS} s × ${ROUNDS} rounds, pool ${poolMax}${poolMax === appPoolMax ? '' : ` (tipdesk ${appPoolMax})`}, same embedded PostgreSQL ${settings.v}:`,
      `  bare http+pg: ${base.rps.toFixed(0)} req/s (median; rounds ${results.baseline.map((r) => r.rps.toFixed(0)).join(', ')}) | ` +
        `p50 ${base.p50.toFixed(1)} ms p95 ${base.p95.toFixed(1)} ms | non-2xx ${base.non2xx}, errors ${base.errors} | ${base.cpuMs.toFixed(2)} ms CPU/req`,
      `  tipdesk:      ${ours.rps.toFixed(0)} req/s (median; rounds ${results.tipdesk.map((r) => r.rps.toFixed(0)).join(', ')}) | ` +
        `p50 ${ours.p50.toFixed(1)} ms p95 ${ours.p95.toFixed(1)} ms | non-2xx ${ours.non2xx}, errors ${ours.errors} | ${ours.cpuMs.toFixed(2)} ms CPU/req`,
      `json tips: bare http+pg ${base.rps.toFixed(0)} req/s | tipdesk ${ours.rps.toFixed(0)} req/s | ratio ${ratio.toFixed(2)} (target ≥ ${RATIO_TARGET}) ${ratio >= RATIO_TARGET ? 'MET' : 'MISSED'}`,
      '  (both: one autocommit rate-limit upsert, then BEGIN; one WITH…INSERT for contributor+tip+consent; audit_events; COMMIT.',
      `   The load generator shares the machine (${cpus().length} CPUs) with both servers and PostgreSQL;`,
      `   1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (includes the bench itself; other work on the machine skews every figure).)`,
      '=========================================================',
    ].join('\n'),
  );
  if (CPU_PROF_DIR)
    console.log(
      `CPU profiles are written to ${CPU_PROF_DIR} when the servers exit: CPU.*.<pid>.*.cpuprofile, baseline pid ${baseline.pid}, tipdesk pid ${app.pid}`,
    );
  if (ourFailures > 0) throw new Error(`tipdesk answered ${ours.non2xx} non-2xx and had ${ours.errors} connection errors (expected 0)`);
  if (base.non2xx + base.errors > 0) throw new Error(`the baseline answered ${base.non2xx} non-2xx and had ${base.errors} errors`);
}

run(main);
