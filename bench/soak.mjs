// bench/soak.mjs (npm run bench:soak): two tipdesk processes on one PostgreSQL and one data
// directory, a bounded load of everything people do, and faults on a schedule: kill -9 and
// restart a process, restart PostgreSQL, a full disk for a minute, 100 trickling tus PATCHes, an
// IPv6 flood. At the end it checks what must never happen (acknowledged tips missing, orphan
// blobs or rows, double claims, a payout in two live batches) and exits 1 if any is not zero.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { open, rm } from 'node:fs/promises';
import http from 'node:http';
import { join, relative } from 'node:path';
import pg from 'pg';
import {
  ROOT,
  MiB,
  distImport,
  envInt,
  freePort,
  listFiles,
  makeTmpDir,
  mb,
  onCleanup,
  percentile,
  readProcMemory,
  run,
  sleep,
  snapshotDist,
  startTipdesk,
} from './lib.mjs';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const DISK_MB = envInt('SOAK_DISK_MB', 3072);
const WORKERS = envInt('SOAK_WORKERS', 6);
const DURATION_MS = MINUTES * 60_000;
const CONSENT = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const TUS = { 'Tus-Resumable': '1.0.0' };

// ---------------------------------------------------------------------------------------------
// PostgreSQL that can be restarted on the same port: initialised by the app's own embedded
// PostgreSQL code, then run from its binaries directly (as `postgres` when we are root).

async function startRestartablePostgres(distDir) {
  const base = await makeTmpDir('tipdesk-soak-pg-');
  const { createLogger } = await distImport(distDir, 'logging/logger.js');
  const { startEmbeddedPostgres } = await distImport(distDir, 'database/embedded-postgres.js');
  const first = await startEmbeddedPostgres(base, createLogger('warn'), { persistent: true });
  await first.stop();
  const credentials = JSON.parse(readFileSync(join(base, 'postgres.json'), 'utf8'));
  const { postgres: bin } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const port = await freePort();
  const dataDir = join(base, 'postgres');
  let proc;
  const asPostgres = process.getuid?.() === 0;
  const start = async () => {
    const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
    proc = asPostgres ? spawn('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'ignore' }) : spawn(bin, args, { stdio: 'ignore' });
    const url = `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/tipdesk`;
    for (let i = 0; i < 300; i++) {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.end();
        return url;
      } catch {
        await sleep(100);
      }
    }
    throw new Error('PostgreSQL did not come back');
  };
  const stop = async () => {
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    // Fast shutdown, as a service manager's restart would do: sessions are cut.
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');
    await exited;
  };
  const url = await start();
  onCleanup(stop);
  return { url, restart: async () => (await stop(), await start()) };
}

// ---------------------------------------------------------------------------------------------
// The data directory on a small tmpfs: a real full disk when the filler takes the rest.

async function smallDisk() {
  const dir = await makeTmpDir('tipdesk-soak-data-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', dir], { stdio: 'ignore' });
    onCleanup(async () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }));
    return { dir, mounted: true };
  } catch {
    return { dir, mounted: false };
  }
}

async function fillDisk(dir) {
  const filler = join(dir, 'soak-filler');
  const handle = await open(filler, 'w');
  const chunk = Buffer.alloc(4 * MiB);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if (error.code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return () => rm(filler, { force: true });
}

// ---------------------------------------------------------------------------------------------
// Requests, with outcomes and latencies per endpoint

const outcomes = new Map(); // endpoint → Map(status → count)
const latencies = new Map(); // endpoint → ms[]
function record(endpoint, status, ms) {
  if (!outcomes.has(endpoint)) outcomes.set(endpoint, new Map());
  const byStatus = outcomes.get(endpoint);
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  if (!latencies.has(endpoint)) latencies.set(endpoint, []);
  latencies.get(endpoint).push(ms);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request; never throws: a cut connection is status 0. */
function call(base, method, path, { headers = {}, body, endpoint, timeoutMs = 60_000 } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          ...(payload && !Buffer.isBuffer(body) ? { 'Content-Type': 'application/json' } : {}),
          ...(payload ? { 'Content-Length': payload.length } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          record(endpoint ?? `${method} ${path}`, res.statusCode, performance.now() - started);
          resolve({ status: res.statusCode, headers: res.headers, json, text });
        });
        res.on('error', () => (record(endpoint, 0, performance.now() - started), resolve({ status: 0, headers: {} })));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      record(endpoint ?? `${method} ${path}`, 0, performance.now() - started);
      resolve({ status: 0, headers: {} });
    });
    req.end(payload);
  });
}

let addressCounter = 0;
/** A client address of its own for each tip (the load is many readers, not one flooding). */
const nextClientAddress = () => {
  addressCounter += 1;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
};

function multipartBody(fields, file) {
  const boundary = `----soak${randomBytes(8).toString('hex')}`;
  const parts = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file)
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: video/mp4\r\n\r\n`),
      file.bytes,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

// ---------------------------------------------------------------------------------------------

run(async () => {
  const distDir = await snapshotDist();
  const sample = readFileSync(join(ROOT, 'test/fixtures/sample.mp4'));
  const video = (bytes) => Buffer.concat([sample, randomBytes(Math.max(0, bytes - sample.length))]);

  console.log(`soak: ${MINUTES} min, ${WORKERS} load workers, data on ${DISK_MB} MB; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  const database = await startRestartablePostgres(distDir);
  const { runMigrations } = await distImport(distDir, 'database/migrate.js');
  await runMigrations(database.url);
  const disk = await smallDisk();
  if (!disk.mounted) console.log('  (could not mount a tmpfs: the full-disk phase is skipped and said so below)');

  const encryptionKey = randomBytes(32).toString('hex');
  const appEnv = {
    ENCRYPTION_KEY: encryptionKey,
    RATE_LIMIT_TIPS_PER_HOUR: '30',
    // The load generator solves no proof-of-work challenges: its clients meet the hourly limit, not a 403.
    POW_AFTER_TIPS_PER_HOUR: '30',
    RATE_LIMIT_SIGN_INS_PER_15_MINUTES: '1000',
    MAX_FILE_BYTES: String(256 * MiB),
    // The small disk's reserve: the full-disk phase must meet 507s for new uploads, not ENOSPC.
    STORAGE_MIN_FREE_BYTES: String(64 * MiB),
  };
  const expectedExit = new Set();
  const crashes = [];
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) process.prependListener(signal, () => (stopping = true));
  const watch = (app) => {
    void app.exited.then(({ code, signal }) => {
      if (expectedExit.has(app) || stopping) return;
      const log = join(tmpdir(), `tipdesk-soak-app-${app.label}-${app.pid}.log`);
      writeFileSync(log, app.output.join('\n'));
      crashes.push(`app ${app.label} (code ${code}, signal ${signal})`);
      note(`app ${app.label} EXITED on its own (code ${code}, signal ${signal}); its last lines are in ${log}`);
    });
    return app;
  };
  const start = (name) =>
    startTipdesk({ distDir, dataDir: disk.dir, databaseUrl: database.url, extraEnv: appEnv, maxFileBytes: 256 * MiB }).then((c) =>
      watch(Object.assign(c, { label: name })),
    );
  const apps = [await start('a'), await start('b')];
  const peakRss = { a: 0, b: 0 };
  const rssTimer = setInterval(() => {
    for (const app of apps) {
      if (!app.running) continue;
      peakRss[app.label] = Math.max(peakRss[app.label], readProcMemory(app.pid)?.hwm ?? 0);
    }
  }, 1000);
  onCleanup(async () => clearInterval(rssTimer));
  const pick = () => {
    const live = apps.filter((a) => a.running);
    return live[Math.floor(Math.random() * live.length)]?.url ?? apps[0].url;
  };

  // Staff, made through the CLI as a newsroom would.
  const cli = async (email, role, password) => {
    const child = spawn(process.execPath, [join(distDir, 'cli.js'), 'staff:add', '--email', email, '--role', role], {
      env: { ...process.env, DATABASE_URL: database.url, DATA_DIR: disk.dir, ENCRYPTION_KEY: encryptionKey, LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    child.stdin.end(password);
    const code = await new Promise((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`staff:add ${email} failed (${code})`);
  };
  const password = 'soak test passphrase 1234';
  await cli('editor@soak.test', 'editor', password);
  await cli('accounts@soak.test', 'accounting', password);
  const signIn = async (email) => {
    for (;;) {
      const res = await call(pick(), 'POST', '/api/auth/login', { body: { email, password }, endpoint: 'POST /api/auth/login' });
      if (res.status === 200)
        return { cookie: String(res.headers['set-cookie'].find((c) => c.startsWith('tipdesk_staff='))).split(';')[0], csrf: res.json.csrfToken };
      await sleep(500);
    }
  };
  let editor = await signIn('editor@soak.test');
  let accountant = await signIn('accounts@soak.test');
  const staffHeaders = (who) => ({ Cookie: who.cookie, 'X-CSRF-Token': who.csrf });

  const acknowledged = []; // { reference, secret, id? }
  const stats = { tusResumed: 0, tusCouldNotResume: 0, offers: 0, batches: 0 };
  const deadline = Date.now() + DURATION_MS;
  const events = [];
  const note = (text) => {
    const at = ((Date.now() - (deadline - DURATION_MS)) / 1000).toFixed(0);
    events.push(`${at}s ${text}`);
    console.log(`  ${at}s ${text}`);
  };

  // ---- the load ------------------------------------------------------------------------------
  const jsonTip = async () => {
    const res = await call(pick(), 'POST', '/api/tips', {
      endpoint: 'POST /api/tips (json)',
      headers: { 'X-Forwarded-For': nextClientAddress(), 'Idempotency-Key': randomUUID() },
      body: { story: `Soak story ${randomUUID()}`, ...CONSENT },
    });
    if (res.status === 201) acknowledged.push({ reference: res.json.reference, secret: res.json.secret });
  };
  const multipartTip = async () => {
    const { body, type } = multipartBody(
      { story: `Soak video ${randomUUID()}`, consentTerms: 'true', consentOwnWork: 'true', consentOver18: 'true' },
      { name: 'clip.mp4', bytes: video(256 * 1024) },
    );
    const res = await call(pick(), 'POST', '/api/tips', {
      endpoint: 'POST /api/tips (multipart)',
      headers: { 'Content-Type': type, 'X-Forwarded-For': nextClientAddress() },
      body,
    });
    if (res.status === 201) acknowledged.push({ reference: res.json.reference, secret: res.json.secret });
  };
  const tusTip = async () => {
    const bytes = video(2 * MiB);
    const client = nextClientAddress();
    const created = await call(pick(), 'POST', '/api/uploads', {
      endpoint: 'POST /api/uploads',
      headers: {
        ...TUS,
        'Upload-Length': String(bytes.length),
        'Upload-Metadata': `filename ${Buffer.from('soak.mp4').toString('base64')}`,
        'X-Forwarded-For': client,
      },
    });
    if (created.status !== 201) return;
    const path = new URL(created.headers.location, 'http://x').pathname;
    // The first chunk is cut part-way (the phone's tunnel drops), then the upload resumes from the server's offset.
    await new Promise((resolve) => {
      const req = http.request(`${pick()}${path}`, {
        method: 'PATCH',
        headers: {
          ...TUS,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': '0',
          'Content-Length': String(bytes.length),
          'X-Forwarded-For': client,
        },
      });
      req.on('error', resolve);
      req.on('response', (res) => (res.resume(), resolve()));
      req.write(bytes.subarray(0, MiB), () => setTimeout(() => req.destroy(), 50));
    });
    for (let attempt = 0; attempt < 20; attempt++) {
      const head = await call(pick(), 'HEAD', path, { endpoint: 'HEAD /api/uploads/:id', headers: { ...TUS, 'X-Forwarded-For': client } });
      if (head.status !== 200) {
        await sleep(500);
        continue;
      }
      const offset = Number(head.headers['upload-offset']);
      if (offset === bytes.length) break;
      const patched = await call(pick(), 'PATCH', path, {
        endpoint: 'PATCH /api/uploads/:id',
        headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), 'X-Forwarded-For': client },
        body: bytes.subarray(offset),
      });
      if (patched.status === 204) break;
      await sleep(500);
      if (attempt === 19) return void stats.tusCouldNotResume++;
    }
    stats.tusResumed++;
    const id = path.split('/').pop();
    const res = await call(pick(), 'POST', '/api/tips', {
      endpoint: 'POST /api/tips (tus)',
      headers: { 'X-Forwarded-For': client },
      body: { story: `Soak tus ${randomUUID()}`, uploads: [id], ...CONSENT },
    });
    if (res.status === 201) acknowledged.push({ reference: res.json.reference, secret: res.json.secret });
  };
  const deskWork = async () => {
    const list = await call(pick(), 'GET', '/api/tips?limit=25', { endpoint: 'GET /api/tips', headers: staffHeaders(editor) });
    if (list.status === 401) editor = await signIn('editor@soak.test');
    const next = await call(pick(), 'POST', '/api/tips/next', { endpoint: 'POST /api/tips/next', headers: staffHeaders(editor) });
    if (next.status !== 200) return;
    const tip = next.json;
    await call(pick(), 'GET', `/api/tips/${tip.id}`, { endpoint: 'GET /api/tips/:id', headers: staffHeaders(editor) });
    const verified = await call(pick(), 'PATCH', `/api/tips/${tip.id}`, {
      endpoint: 'PATCH /api/tips/:id',
      headers: staffHeaders(editor),
      body: { status: 'verified', version: tip.version },
    });
    if (verified.status !== 200 || Math.random() < 0.5) return;
    // The money path: offer, the contributor accepts, accounting approves.
    const offer = await call(pick(), 'POST', `/api/tips/${tip.id}/payouts`, {
      endpoint: 'POST /api/tips/:id/payouts',
      headers: staffHeaders(editor),
      body: { amountMinor: 10_000, currency: 'GBP', licence: 'non_exclusive' },
    });
    if (offer.status !== 201) return;
    stats.offers++;
    const receipt = acknowledged.find((r) => r.reference === tip.reference);
    if (!receipt) return;
    const session = await call(pick(), 'POST', '/api/contributor/session', {
      endpoint: 'POST /api/contributor/session',
      headers: { 'X-Forwarded-For': nextClientAddress() },
      body: { reference: receipt.reference, secret: receipt.secret },
    });
    if (session.status !== 200) return;
    const contributor = {
      Cookie: String(session.headers['set-cookie'].find((c) => c.startsWith('tipdesk_contributor='))).split(';')[0],
      'X-CSRF-Token': session.json.csrfToken,
    };
    const accepted = await call(pick(), 'POST', `/api/contributor/payouts/${offer.json.id}/accept`, {
      endpoint: 'POST /api/contributor/payouts/:id/accept',
      headers: contributor,
      body: {
        confirmLicence: true,
        method: 'uk_bank',
        accountName: 'Soak Reader',
        sortCode: '20-00-00',
        accountNumber: String(40_000_000 + Math.floor(Math.random() * 9_999_999)),
      },
    });
    if (accepted.status !== 200) return;
    const payouts = await call(pick(), 'GET', `/api/tips/${tip.id}/payouts`, { endpoint: 'GET /api/tips/:id/payouts', headers: staffHeaders(accountant) });
    if (payouts.status === 401) accountant = await signIn('accounts@soak.test');
    const payout = payouts.json?.find?.((p) => p.id === offer.json.id);
    if (!payout) return;
    await call(pick(), 'POST', `/api/payouts/${payout.id}/approve`, {
      endpoint: 'POST /api/payouts/:id/approve',
      headers: staffHeaders(accountant),
      body: { version: payout.version, acknowledgeRisks: (payout.risks ?? []).filter((r) => !r.clearedAt).map((r) => r.code) },
    });
  };
  const batchWork = async () => {
    const res = await call(pick(), 'POST', '/api/payout-batches', {
      endpoint: 'POST /api/payout-batches',
      headers: staffHeaders(accountant),
      body: { format: 'csv' },
    });
    if (res.status === 201) stats.batches++;
    if (res.status === 401) accountant = await signIn('accounts@soak.test');
  };

  const jobs = [jsonTip, jsonTip, multipartTip, tusTip, deskWork, deskWork, jsonTip, deskWork];
  const worker = async (n) => {
    let i = n;
    while (Date.now() < deadline) {
      await jobs[i++ % jobs.length]().catch((error) => note(`load error: ${error.message}`));
      if (n === 0 && i % 40 === 0) await batchWork();
    }
  };

  // ---- the faults, on a schedule ---------------------------------------------------------------
  const at = (fraction) => sleep(Math.max(0, deadline - DURATION_MS + DURATION_MS * fraction - Date.now()));
  const faults = async () => {
    await at(0.12);
    note('kill -9 app b');
    expectedExit.add(apps[1]);
    apps[1].proc.kill('SIGKILL');
    await apps[1].exited;
    await sleep(2000);
    apps[1] = await start('b');
    note('app b restarted');

    await at(0.28);
    note('restart PostgreSQL');
    await database.restart();
    note('PostgreSQL back');

    await at(0.42);
    if (disk.mounted) {
      note('disk full for 60 s');
      const free = await fillDisk(disk.dir);
      await sleep(60_000);
      await free();
      note('disk free again');
    } else note('full disk NOT exercised (no tmpfs)');

    await at(0.6);
    note('100 trickling tus PATCHes for 60 s');
    const trickles = [];
    for (let i = 0; i < 100; i++) {
      const created = await call(pick(), 'POST', '/api/uploads', {
        endpoint: 'POST /api/uploads (trickle)',
        headers: { ...TUS, 'Upload-Length': String(MiB), 'X-Forwarded-For': `192.0.2.${i % 250}` },
      });
      if (created.status !== 201) continue;
      const req = http.request(`${apps[0].url}${new URL(created.headers.location, 'http://x').pathname}`, {
        method: 'PATCH',
        headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0', 'Content-Length': String(MiB) },
      });
      req.on('error', () => undefined);
      req.write(sample.subarray(0, 1));
      const timer = setInterval(() => req.write(Buffer.from([0])), 5000);
      trickles.push(() => (clearInterval(timer), req.destroy()));
    }
    await sleep(60_000);
    for (const stop of trickles) stop();
    note(`trickles stopped (${trickles.length} opened)`);

    await at(0.75);
    note('IPv6 flood: 300 tips from one /64');
    let limited = 0;
    for (let i = 0; i < 300; i++) {
      const res = await call(pick(), 'POST', '/api/tips', {
        endpoint: 'POST /api/tips (ipv6 flood)',
        headers: { 'X-Forwarded-For': `2001:db8:f100:d:${((i * 7919) % 65536).toString(16)}:${i.toString(16)}::1` },
        body: { story: 'flood', ...CONSENT },
      });
      if (res.status === 201) acknowledged.push({ reference: res.json.reference, secret: res.json.secret });
      if (res.status === 429) limited++;
    }
    note(`IPv6 flood: ${limited} of 300 refused 429`);
  };

  await Promise.all([...Array.from({ length: WORKERS }, (_, n) => worker(n)), faults()]);
  note('load done; stopping both apps cleanly');
  for (const app of apps) expectedExit.add(app);
  for (const app of apps) await app.stop();
  clearInterval(rssTimer);

  // ---- what must never happen --------------------------------------------------------------------
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const references = acknowledged.map((r) => r.reference);
  const found = new Set((await db.query('SELECT reference FROM tips WHERE reference = ANY($1)', [references])).rows.map((r) => r.reference));
  const missing = references.filter((r) => !found.has(r)).length;
  const mediaKeys = new Set(
    (await db.query('SELECT storage_key, thumbnail_key FROM media')).rows.flatMap((r) => [r.storage_key, r.thumbnail_key]).filter(Boolean),
  );
  const blobRoot = join(disk.dir, 'blobs');
  const blobs = (await listFiles(blobRoot)).map((f) => relative(blobRoot, f)).filter((f) => f.startsWith('media/') || f.startsWith('thumbnails/'));
  const orphanBlobList = blobs.filter((f) => !mediaKeys.has(f));
  const orphanBlobs = orphanBlobList.length;
  if (orphanBlobs) console.log(`orphan blobs: ${orphanBlobList.slice(0, 5).join(', ')}`);
  const blobSet = new Set(blobs);
  const orphanRows = (await db.query(`SELECT storage_key FROM media WHERE state IN ('stored', 'processing', 'ready', 'unprobed')`)).rows.filter(
    (r) => !blobSet.has(r.storage_key),
  ).length;
  const doubleClaims = Number(
    (await db.query(`SELECT count(*) AS n FROM (SELECT entity_id FROM audit_events WHERE action = 'tip.claimed' GROUP BY entity_id HAVING count(*) > 1) d`))
      .rows[0].n,
  );
  const twoBatches = Number(
    (
      await db.query(
        `SELECT count(*) AS n FROM (SELECT i.payout_id FROM payout_batch_items i JOIN payout_batches b ON b.id = i.batch_id
          WHERE b.state <> 'voided' GROUP BY i.payout_id HAVING count(*) > 1) d`,
      )
    ).rows[0].n,
  );
  await db.end();

  console.log(`\nfaults: ${events.join(' | ')}`);
  console.log('\nrequests by outcome, p50/p95 ms:');
  for (const [endpoint, byStatus] of [...outcomes].sort()) {
    const sorted = latencies.get(endpoint).sort((a, b) => a - b);
    const statuses = [...byStatus]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s === 0 ? 'cut' : s}×${n}`)
      .join(' ');
    console.log(`  ${endpoint.padEnd(42)} ${statuses.padEnd(40)} p50 ${percentile(sorted, 50).toFixed(1)} p95 ${percentile(sorted, 95).toFixed(1)}`);
  }
  const mustBeZero = {
    'app processes that died on their own': crashes.length,
    'acknowledged tips missing from the database': missing,
    'orphan blobs': orphanBlobs,
    'orphan media rows (no blob)': orphanRows,
    'double claims': doubleClaims,
    'payouts in two live batches': twoBatches,
  };
  console.log(
    `\nacknowledged tips: ${references.length}; offers ${stats.offers}; batches ${stats.batches}; tus uploads resumed ${stats.tusResumed}, could not resume ${stats.tusCouldNotResume}`,
  );
  console.log(`peak RSS: app a ${mb(peakRss.a)} MB, app b ${mb(peakRss.b)} MB (b: the highest of its lives)`);
  let failed = false;
  for (const [what, n] of Object.entries(mustBeZero)) {
    console.log(`  ${what}: ${n} ${n === 0 ? 'OK' : 'MUST BE 0'}`);
    if (n !== 0) failed = true;
  }
  console.log(`load at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  return failed ? 1 : 0;
});
