// Baseline for bench/json-tips.mjs: a bare Node http + pg server doing, per JSON tip, the same
// statements tipdesk's intake does (see src/tips/tip-intake.service.ts, src/audit/audit.service.ts,
// src/rate-limits/rate-limits.service.ts), with the same crypto (AES-256-GCM email, HMAC client key,
// SHA-256 secret hash), on a pg.Pool of POOL_MAX connections. No framework, no validation library.
//
// As in tipdesk: the rate-limit upsert is its own statement (autocommit, before the body is used),
// keyed by an HMAC of the address under the window's pepper (read from the database once per
// window, as tipdesk's RateLimitsService keeps it); then one transaction: contributor+tip+consent
// in one statement, the audit event appended to the hash chain (the head row's update and the
// insert in one statement, as AuditRepository.append sends it).
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const port = Number(process.env.PORT);
const poolMax = Number(process.env.POOL_MAX);
const databaseUrl = process.env.DATABASE_URL;
if (!port || !poolMax || !databaseUrl || !process.env.DIST_DIR) throw new Error('PORT, POOL_MAX, DATABASE_URL and DIST_DIR are required');
// The same terms version and hash the app stores (a constant, read from the compiled app).
const { TERMS_SHA256, TERMS_VERSION } = await import(pathToFileURL(join(process.env.DIST_DIR, 'tips', 'terms.js')).href);

// The same pure helpers the app uses (codes, hashes, the field cipher), straight from the
// compiled app: the baseline leaves out the framework, not the work.
const distModule = (...path) => import(pathToFileURL(join(process.env.DIST_DIR, ...path)).href);
const { generateReference: newReference, generateSecret: newSecret, hashSecret } = await distModule('tips', 'reference-codes.js');
const { FieldCipher } = await distModule('crypto', 'field-cipher.js');
const { keyFrom } = await distModule('crypto', 'encryption-key.js');
const { pepperedKey } = await distModule('rate-limits', 'rate-limit-keys.js');
const { addressGroup } = await distModule('network', 'ip-addresses.js');

const cipher = new FieldCipher(keyFrom(process.env.ENCRYPTION_KEY ? Buffer.from(process.env.ENCRYPTION_KEY, 'hex') : randomBytes(32)));
const publicBaseUrl = `http://localhost:${port}`;

const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax, application_name: 'bench-baseline' });

const encrypt = (plain) => cipher.encrypt(plain);

let hourPepper;
async function pepperOfThisHour() {
  if (hourPepper && Date.now() < hourPepper.windowEnd.getTime() - 2000) return hourPepper;
  const [row] = (
    await pool.query(
      `INSERT INTO rate_limit_peppers AS p (window_seconds, window_start, pepper)
       VALUES ($1::int, to_timestamp(floor(extract(epoch FROM now()) / $1::int) * $1::int), $2)
       ON CONFLICT (window_seconds, window_start) DO UPDATE SET pepper = p.pepper
       RETURNING window_start, window_start + make_interval(secs => $1::int) AS window_end, pepper`,
      [3600, randomBytes(32)],
    )
  ).rows;
  hourPepper = { windowStart: row.window_start, windowEnd: row.window_end, pepper: row.pepper };
  return hourPepper;
}

const send = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

async function createTip(req, tip) {
  const address = req.socket.remoteAddress ?? 'unknown';
  const window = await pepperOfThisHour();
  const bucket = `tips:${pepperedKey(window.pepper, 'client-address', addressGroup(address, 64))}`;
  const [limit] = (
    await pool.query(
      `INSERT INTO rate_limit_windows AS w (bucket, window_start, hits)
       VALUES ($1, $2, 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
       RETURNING hits, ceil(extract(epoch FROM w.window_start + make_interval(secs => $3) - now()))::int AS retry_after`,
      [bucket, window.windowStart, 3600],
    )
  ).rows;
  if (limit.hits > 1_000_000) return [429, { statusCode: 429, error: 'Too Many Requests', message: 'rate limited' }];

  const secret = newSecret();
  let tipId;
  let reference;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // The same statement shape as tipdesk's intake (src/tips/tip-intake.service.ts): contributor,
    // tip and consent in one CTE, so the comparison measures the framework, not the SQL.
    reference = newReference();
    const inserted = await client.query(
      `WITH contributor AS (
         INSERT INTO contributors (name, email_encrypted, phone_encrypted) VALUES ($1, $2, $3) RETURNING id
       ), tip AS (
         INSERT INTO tips (reference, secret_hash, channel, story, location, occurred_at, contributor_id)
         SELECT $4, $5, $6, $7, $8, $9, id FROM contributor RETURNING id, contributor_id
       ), consent AS (
         INSERT INTO consents (tip_id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at, user_agent)
         SELECT id, $10, $11, $12, $13, $14, $15, $16, $6, now(), $17 FROM tip
       )
       SELECT id AS tip_id, contributor_id FROM tip`,
      [
        tip.name ?? null,
        tip.email ? encrypt(tip.email) : null,
        tip.phone ? encrypt(tip.phone) : null,
        reference,
        hashSecret(secret),
        'api',
        tip.story.trim(),
        tip.location ?? null,
        tip.occurredAt ?? null,
        TERMS_VERSION,
        TERMS_SHA256,
        tip.licence ?? 'non_exclusive',
        true,
        true,
        tip.creditName ?? null,
        tip.anonymous ?? false,
        req.headers['user-agent']?.slice(0, 512) ?? null,
      ],
    );
    tipId = inserted.rows[0].tip_id;
    const contributorId = inserted.rows[0].contributor_id;
    await client.query(
      `WITH head AS (
         UPDATE event_chain_head SET audit_seq = audit_seq + 1, audit_prev_hash = audit_hash,
                audit_hash = tipdesk_chain_hash(audit_hash, audit_event_canonical(audit_seq + 1, $1::uuid, now(), $2::text, $3::uuid, $4::text, $5::text, $6::uuid, $7::jsonb, $8::jsonb))
          WHERE id = 1
         RETURNING audit_seq, audit_prev_hash, audit_hash)
       INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
       SELECT $1::uuid, now(), $2::text, $3::uuid, $4::text, $5::text, $6::uuid, $7::jsonb, $8::jsonb, audit_seq, audit_prev_hash, audit_hash FROM head
       RETURNING seq`,
      [randomUUID(), 'contributor', contributorId, 'tip.created', 'tip', tipId, null, JSON.stringify({ reference, channel: 'api', mediaCount: 0 })],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return [201, { reference, secret, statusUrl: `${publicBaseUrl}/status?reference=${reference}` }];
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/api/tips') return send(res, 404, { statusCode: 404 });
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 256 * 1024) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    let tip;
    try {
      tip = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { statusCode: 400, error: 'Bad Request', message: 'invalid JSON' });
    }
    if (typeof tip?.story !== 'string' || !tip.story.trim() || tip.consentTerms !== true || tip.consentOwnWork !== true || tip.consentOver18 !== true) {
      return send(res, 422, { statusCode: 422, error: 'Unprocessable Entity', message: 'invalid tip' });
    }
    createTip(req, tip).then(
      ([status, body]) => send(res, status, body),
      (error) => send(res, 500, { statusCode: 500, error: 'Internal Server Error', message: String(error.message) }),
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end().finally(() => process.exit(0))));
