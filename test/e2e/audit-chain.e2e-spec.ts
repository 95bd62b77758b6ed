// Issue 12's tamper evidence: the audit events and payout events are hash chains; `npm run cli --
// audit:verify` walks them, and the signed NDJSON export can be checked later without the
// database. Tampering is done as the database superuser with the append-only triggers off
// (session_replication_role = replica), as an attacker with the database's keys could.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { pgJsonText } from '../../src/audit/event-chain.js';
import { verifyChains } from '../../src/audit/chain-verifier.js';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { runCli } from '../support/cli-process.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const PAYER_ENV = { PAYER_NAME: 'TIPDESK NEWS', PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911', BACS_SERVICE_USER_NUMBER: '123456' };

describe('the audit and payout-event hash chains', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let admin: SignedInStaff;
  let editor: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp(PAYER_ENV);
    env = { DATABASE_URL: t.databaseUrl, DATA_DIR: t.dataDir, ENCRYPTION_KEY: t.encryptionKey.key.toString('base64'), LOG_LEVEL: 'warn' };
    admin = await signedInStaff(t, 'admin', { name: 'Ada Admin' });
    editor = await signedInStaff(t, 'editor');
    const accountant = await signedInStaff(t, 'accounting');
    // Some of everything: tips, an offer, an acceptance, an approval, a batch (set-based events), sent.
    for (let i = 0; i < 3; i += 1) {
      const receipt = (
        await request(t.url)
          .post('/api/tips')
          .send({ story: `Chain tip ${i} with “quotes”, a tab\tand ünïcödé`, ...consent })
          .expect(201)
      ).body;
      const tipId = (await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [receipt.reference])).rows[0].id;
      const offered = (
        await editor
          .post(`/api/tips/${tipId}/payouts`)
          .send({ amountMinor: 1_000 + i, currency: 'GBP', licence: 'exclusive' })
          .expect(201)
      ).body;
      const signIn = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret }).expect(200);
      await request(t.url)
        .post(`/api/contributor/payouts/${offered.id}/accept`)
        .set('Cookie', sessionCookie(signIn, 'tipdesk_contributor'))
        .set(CSRF_HEADER, signIn.body.csrfToken)
        .send({ confirmLicence: true, method: 'uk_bank', accountName: 'Cháin Payee', sortCode: '20-00-00', accountNumber: String(55_000_000 + i) })
        .expect(200);
      const { version } = (await accountant.get(`/api/payouts/${offered.id}`).expect(200)).body;
      await accountant
        .post(`/api/payouts/${offered.id}/approve`)
        .send({ version, acknowledgeRisks: await openRiskCodes(accountant, offered.id) })
        .expect(200);
    }
    const batch = (await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' }).expect(201)).body;
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
  });
  afterAll(async () => {
    await t.close();
  });

  /** As the database superuser with every trigger off: what an attacker with the keys to the database could do. */
  async function asSuperuser<T>(work: (q: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>) => Promise<T>): Promise<T> {
    const client = await t.db.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      return await work((sql, params) => client.query(sql, params));
    } finally {
      await client.query(`SET session_replication_role = DEFAULT`);
      client.release();
    }
  }

  const total = async () => (await t.count('audit_events')) + (await t.count('payout_events'));

  it('audit:verify on an intact log: exit 0, “N events, chain intact”', async () => {
    const result = await runCli(['audit:verify'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${await total()} events, chain intact`);
    expect(result.stdout).toMatch(/payout_events: \d+ events, chain intact/);
  });

  it('one audit event’s payload altered: audit:verify exits 1 naming that event', async () => {
    const [victim] = (await t.db.query(`SELECT id, seq::text AS seq, after FROM audit_events WHERE action = 'payout.approved' ORDER BY seq LIMIT 1`)).rows;
    await asSuperuser((q) => q(`UPDATE audit_events SET after = jsonb_set(after, '{state}', '"paid"') WHERE id = $1`, [victim.id]));
    try {
      const result = await runCli(['audit:verify'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`audit_events: chain broken at event ${victim.seq} (${victim.id})`);
      expect(result.stdout).toContain('do not match its hash');
    } finally {
      await asSuperuser((q) => q(`UPDATE audit_events SET after = $2 WHERE id = $1`, [victim.id, JSON.stringify(victim.after)]));
    }
    expect((await runCli(['audit:verify'], env)).code).toBe(0);
  });

  it('one payout event’s reason altered: names that payout event', async () => {
    const [victim] = (await t.db.query(`SELECT id, seq::text AS seq, reason FROM payout_events WHERE reason IS NOT NULL ORDER BY seq LIMIT 1`)).rows;
    await asSuperuser((q) => q(`UPDATE payout_events SET reason = 'nothing to see' WHERE id = $1`, [victim.id]));
    try {
      const result = await runCli(['audit:verify'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`payout_events: chain broken at event ${victim.seq} (${victim.id})`);
    } finally {
      await asSuperuser((q) => q(`UPDATE payout_events SET reason = $2 WHERE id = $1`, [victim.id, victim.reason]));
    }
  });

  it('one event deleted: names the event where the gap is', async () => {
    const [{ victim }] = (await asSuperuser((q) => q(`DELETE FROM audit_events e WHERE seq = 5 RETURNING to_jsonb(e.*) AS victim`))).rows;
    try {
      const result = await runCli(['audit:verify'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/audit_events: chain broken at event 6 \([0-9a-f-]{36}\): event 5 is missing/);
    } finally {
      await asSuperuser((q) => q(`INSERT INTO audit_events SELECT * FROM jsonb_populate_record(NULL::audit_events, $1::jsonb)`, [JSON.stringify(victim)]));
    }
    expect((await runCli(['audit:verify'], env)).code).toBe(0);
  });

  it('two events reordered (their places swapped): names the first of them', async () => {
    const rows = (await t.db.query(`SELECT id, seq::text AS seq FROM audit_events WHERE seq IN (3, 4) ORDER BY seq`)).rows;
    const swap = (a: string, b: string) =>
      asSuperuser(async (q) => {
        await q(`UPDATE audit_events SET seq = -1 WHERE id = $1`, [a]);
        await q(`UPDATE audit_events SET seq = 3 WHERE id = $1`, [b]);
        await q(`UPDATE audit_events SET seq = 4 WHERE id = $1`, [a]);
      });
    await swap(rows[0].id as string, rows[1].id as string);
    try {
      const result = await runCli(['audit:verify'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`audit_events: chain broken at event 3 (${rows[1].id})`);
    } finally {
      await swap(rows[1].id as string, rows[0].id as string);
    }
    expect((await runCli(['audit:verify'], env)).code).toBe(0);
  });

  it('the newest events cut off (and the head left alone): names the head', async () => {
    const [{ victim }] = (
      await asSuperuser((q) => q(`DELETE FROM payout_events e WHERE seq = (SELECT max(seq) FROM payout_events) RETURNING to_jsonb(e.*) AS victim`))
    ).rows;
    try {
      const result = await runCli(['audit:verify'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('events were removed from the end');
    } finally {
      await asSuperuser((q) => q(`INSERT INTO payout_events SELECT * FROM jsonb_populate_record(NULL::payout_events, $1::jsonb)`, [JSON.stringify(victim)]));
    }
  });

  it('twenty tips posted at once: every append links to the one before (no fork)', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(t.url)
          .post('/api/tips')
          .send({ story: `Concurrent tip ${i}`, ...consent })
          .expect(201),
      ),
    );
    const reports = await verifyChains(t.databaseUrl);
    expect(reports.map((r) => r.broken)).toEqual([undefined, undefined]);
  });

  it('an intact chain of 100,000 events verifies', async () => {
    // Appended set-based through the chain's own SQL, as a batch of 100,000 writes them.
    await t.db.query(`
      WITH head AS (SELECT audit_seq, audit_hash FROM event_chain_head WHERE id = 1 FOR UPDATE),
      numbered AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 100000) AS n),
      chained AS (
        SELECT m.id, h.audit_seq + m.n AS seq,
               tipdesk_chain(h.audit_hash, audit_event_canonical(h.audit_seq + m.n, m.id, now(), 'system', NULL, 'bench.tick', 'test', m.id, NULL, jsonb_build_object('n', m.n))) OVER (ORDER BY m.n) AS hash
          FROM numbered m CROSS JOIN head h),
      linked AS (SELECT c.*, coalesce(lag(hash) OVER (ORDER BY seq), (SELECT audit_hash FROM head)) AS prev FROM chained c),
      ins AS (INSERT INTO audit_events (id, at, actor_type, action, entity_type, entity_id, after, seq, prev_hash, hash)
              SELECT id, now(), 'system', 'bench.tick', 'test', id, jsonb_build_object('n', seq - (SELECT audit_seq FROM head)), seq, prev, hash FROM linked),
      last AS (SELECT * FROM linked ORDER BY seq DESC LIMIT 1)
      UPDATE event_chain_head h SET audit_seq = last.seq, audit_hash = last.hash, audit_prev_hash = last.prev FROM last WHERE h.id = 1`);
    const result = await runCli(['audit:verify'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/audit_events: 1\d{5} events, chain intact/);
  }, 180_000);

  describe('the signed export', () => {
    let file: string;

    beforeAll(async () => {
      const res = await admin
        .get('/api/audit-events/export')
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => done(null, Buffer.concat(chunks)));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      file = join(t.dataDir, 'audit-export.ndjson');
      await writeFile(file, res.body as Buffer);
    }, 120_000);

    it('GET /api/audit-events/export: every event with its hash, then the signed head', async () => {
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      expect(lines.length).toBe((await t.count('audit_events')) + 1);
      const first = JSON.parse(lines[0]);
      expect(first).toMatchObject({ seq: 1, prevHash: '0'.repeat(64), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const trailer = JSON.parse(lines.at(-1)!);
      const [head] = (await t.db.query(`SELECT audit_seq::int AS seq, audit_hash AS hash FROM event_chain_head`)).rows;
      expect(trailer).toMatchObject({
        chain: 'audit_events',
        events: lines.length - 1,
        head,
        signature: { alg: 'HMAC-SHA256', keyId: t.encryptionKey.id, value: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
    });

    it('an editor: 403', async () => {
      expect((await editor.get('/api/audit-events/export')).status).toBe(403);
    });

    it('audit:verify-export checks the file without the database: exit 0', async () => {
      const result = await runCli(['audit:verify-export', file], { DATA_DIR: t.dataDir, ENCRYPTION_KEY: env.ENCRYPTION_KEY, LOG_LEVEL: 'warn' });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/events, chain intact, signature valid/);
      expect(result.code).toBe(0);
    });

    it('an export with one line edited: exit 1 naming the event', async () => {
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      const event = JSON.parse(lines[1]);
      event.action = 'nothing.happened';
      lines[1] = JSON.stringify(event);
      const edited = `${file}.edited`;
      await writeFile(edited, `${lines.join('\n')}\n`);
      const result = await runCli(['audit:verify-export', edited], { DATA_DIR: t.dataDir, ENCRYPTION_KEY: env.ENCRYPTION_KEY, LOG_LEVEL: 'warn' });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`event 2 (${event.id}) does not match its hash`);
    });

    it('an export cut short, or its head re-signed with another key: exit 1', async () => {
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      const cut = `${file}.cut`;
      await writeFile(cut, `${lines.slice(0, -1).join('\n')}\n`);
      expect((await runCli(['audit:verify-export', cut], { DATA_DIR: t.dataDir, ENCRYPTION_KEY: env.ENCRYPTION_KEY, LOG_LEVEL: 'warn' })).stdout).toContain(
        'the export was cut off',
      );
      const otherKey = Buffer.alloc(32, 7).toString('base64');
      const result = await runCli(['audit:verify-export', file], { DATA_DIR: t.dataDir, ENCRYPTION_KEY: otherKey, LOG_LEVEL: 'warn' });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('which this ENCRYPTION_KEY is not');
    });
  });

  it('the offline checker renders JSON exactly as PostgreSQL’s jsonb text', async () => {
    const samples: unknown[] = [
      { b: 1, a: 2, aa: [1, 'two', null, true], é: 'ü', '10': 'x', '2': 'y' },
      { text: 'quote " backslash \\ newline \n tab \t bell \u0007 del \u007f emoji 😀 ‮' },
      { n: [0, -1, 1.5, 0.1, 123456789012, 1e-7, 2.5e-10, 1e21, -3.25e22] },
      [],
      {},
      'plain',
      { nested: { z: { y: [{ x: 1 }] } }, id: randomUUID() },
    ];
    for (const sample of samples) {
      const [{ text }] = (await t.db.query(`SELECT $1::jsonb::text AS text`, [JSON.stringify(sample)])).rows;
      expect(pgJsonText(sample)).toBe(text);
    }
  });
});
