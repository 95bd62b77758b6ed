// Issue 14, "no address kept": rate-limit buckets are HMACs under a random pepper per window, kept
// in PostgreSQL only while the window is open, so once it closes nothing stored matches an address.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { FieldCipher } from '../../src/crypto/field-cipher.js';
import { addressGroup } from '../../src/network/ip-addresses.js';
import { pepperedKey } from '../../src/rate-limits/rate-limit-keys.js';
import { RateLimitsService } from '../../src/rate-limits/rate-limits.service.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { CONSENT } from '../support/fixtures.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const tip = { story: 'The pier lights went out at midnight', ...CONSENT };
const IPV4 = '203.0.113.77';
const IPV6 = '2001:db8:4:7:a1b2:c3d4:e5f6:1';
/** Another address in the same /64: counts as the same client. */
const IPV6_SAME_64 = '2001:db8:4:7::99';

/** A post as a reverse proxy on this host would pass it on (TRUST_PROXY=loopback trusts X-Forwarded-For). */
const postFrom = (t: TestApp, address: string) => request(t.url).post('/api/tips').set('X-Forwarded-For', address).send(tip);

/**
 * Every value someone holding the database (and every server key) could compute for an address:
 * the address and its group as text, the bucket key under every pepper the database still holds,
 * and the keyed hash of the old scheme (server key + date).
 */
async function candidateKeys(t: TestApp, address: string): Promise<string[]> {
  const group = addressGroup(address, t.config.RATE_LIMIT_IPV6_PREFIX);
  const { rows } = await t.db.query<{ pepper: Buffer }>('SELECT pepper FROM rate_limit_peppers');
  const cipher = t.app.get(FieldCipher);
  const days = [-1, 0, 1].map((offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10));
  return [
    address,
    group,
    ...rows.flatMap(({ pepper }) => [pepperedKey(pepper, 'client-address', group), pepperedKey(pepper, 'subject', group)]),
    ...days.map((day) => cipher.keyedHash(`client-address:${day}`, group)),
  ];
}

/** Every row of every table in the app's schema, cast to text (as a seized database would be read). */
async function everyRowAsText(t: TestApp): Promise<string> {
  const { rows: tables } = await t.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const texts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await t.db.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    texts.push(...rows.map((r) => r.row));
  }
  return texts.join('\n');
}

/** Moves every open window (pepper and counters) back by a day: as if the clock had passed their end. */
async function closeWindows(t: TestApp): Promise<void> {
  await t.db.query(`UPDATE rate_limit_peppers SET window_start = window_start - interval '1 day'`);
  await t.db.query(`UPDATE rate_limit_windows SET window_start = window_start - interval '1 day'`);
  // The process keeps a window's pepper until the window ends; a day has "passed" for it too.
  t.app.get(RateLimitsService).forgetPeppers();
}

describe('rate-limit keys: a random pepper per window', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_TIPS_PER_HOUR: '3', RATE_LIMIT_SIGN_INS_PER_15_MINUTES: '5' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('while the window is open the limit holds (an IPv6 /64 counts as one client); the bucket is the HMAC under the pepper in the database', async () => {
    for (let i = 0; i < 3; i++) await postFrom(t, i === 1 ? IPV6_SAME_64 : IPV6).expect(201);
    const refused = await postFrom(t, IPV6).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    await postFrom(t, IPV4).expect(201);
    // A contributor sign-in from the same address counts in its own 15-minute window, with its own pepper.
    await request(t.url).post('/api/contributor/session').set('X-Forwarded-For', IPV4).send({ reference: 'TD-0000-0000', secret: 'not-it' }).expect(401);

    const { rows: peppers } = await t.db.query<{ window_seconds: number; pepper: Buffer }>(
      'SELECT window_seconds, pepper FROM rate_limit_peppers ORDER BY window_seconds',
    );
    expect(peppers.map((p) => p.window_seconds)).toEqual([900, 3600]);
    for (const p of peppers) expect(p.pepper).toHaveLength(32);
    const hour = peppers.find((p) => p.window_seconds === 3600)!.pepper;
    // hits is bigint (it also counts a day's upload bytes): read as int.
    const { rows: buckets } = await t.db.query<{ bucket: string; hits: number }>('SELECT bucket, hits::int AS hits FROM rate_limit_windows');
    const group = (address: string) => addressGroup(address, t.config.RATE_LIMIT_IPV6_PREFIX);
    expect(buckets).toEqual(
      expect.arrayContaining([
        { bucket: `tips:${pepperedKey(hour, 'client-address', group(IPV6))}`, hits: 4 },
        { bucket: `tips:${pepperedKey(hour, 'client-address', group(IPV4))}`, hits: 1 },
      ]),
    );
    // The consent keeps no address-derived value any more.
    const { rows: columns } = await t.db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'consents' AND column_name LIKE 'ip%'`);
    expect(columns).toEqual([]);
  });

  it("after the window closes (the next window's first hit closes it) no stored value matches the address: every pepper left in the database is tried", async () => {
    await closeWindows(t);
    // The next window opens with a hit from someone else; its first hit deletes the closed windows' peppers and counters.
    await postFrom(t, '198.51.100.5').expect(201);
    const { rows: peppers } = await t.db.query<{ window_start: Date }>('SELECT window_start FROM rate_limit_peppers');
    expect(peppers).toHaveLength(1);
    expect(peppers[0].window_start.getTime()).toBeGreaterThan(Date.now() - 3_600_000);

    const everything = await everyRowAsText(t);
    for (const address of [IPV4, IPV6, IPV6_SAME_64]) {
      for (const candidate of await candidateKeys(t, address)) expect(everything).not.toContain(candidate);
    }
    // And the client is a stranger to the new window: a fresh count.
    await postFrom(t, IPV6).expect(201);
  });

  it('the sweep closes windows too (a process that stopped before its timer ran): no pepper and no counter of a closed window is left', async () => {
    await closeWindows(t);
    await t.app.get(RateLimitsService).sweep();
    expect(await t.count('rate_limit_peppers')).toBe(0);
    expect(await t.count('rate_limit_windows')).toBe(0);
    const everything = await everyRowAsText(t);
    for (const candidate of await candidateKeys(t, IPV6)) expect(everything).not.toContain(candidate);
  });
});

describe('a window closing on its own', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('with no later hit and no sweep, the pepper and the counters of a 2-second window are deleted by the timer just after it ends', async () => {
    const limits = t.app.get(RateLimitsService);
    const rule = { purpose: 'closing-test', limit: 10, windowSeconds: 2 };
    await limits.hit(rule, IPV4);
    await limits.hit(rule, IPV4);
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rate_limit_peppers WHERE window_seconds = 2`);
    expect(rows[0].n).toBe(1);
    expect((await t.db.query(`SELECT hits::int AS hits FROM rate_limit_windows WHERE bucket LIKE 'closing-test:%'`)).rows).toEqual([{ hits: 2 }]);
    // The window ends within 2 s; the timer runs 2 s after that (the margin for clock skew).
    await eventually(async () => {
      expect((await t.db.query(`SELECT 1 FROM rate_limit_peppers WHERE window_seconds = 2`)).rows).toEqual([]);
      expect((await t.db.query(`SELECT 1 FROM rate_limit_windows WHERE bucket LIKE 'closing-test:%'`)).rows).toEqual([]);
    }, 8000);
  });
});

describe('rate limits across two app processes sharing a database', () => {
  let a: TestApp;
  let b: AppProcess;
  beforeAll(async () => {
    a = await startTestApp({ RATE_LIMIT_TIPS_PER_HOUR: '3' });
    // `node dist/main.js` on the same database, with an ENCRYPTION_KEY of its own: the pepper,
    // not a server key, is what the two processes share.
    b = await startAppProcess({
      DATABASE_URL: a.databaseUrl,
      DATA_DIR: a.dataDir,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      RATE_LIMIT_TIPS_PER_HOUR: '3',
      JOBS_ENABLED: 'false',
    });
  });
  afterAll(async () => {
    b.kill('SIGTERM');
    await b.exited;
    await a.close();
  });

  it('hits on either process count in one window under one pepper: the fourth post is refused by both', async () => {
    const fromB = () => request(b.url).post('/api/tips').set('X-Forwarded-For', IPV4).send(tip);
    await postFrom(a, IPV4).expect(201);
    await fromB().expect(201);
    await postFrom(a, IPV4).expect(201);
    expect((await fromB().expect(429)).body.code).toBe('RATE_LIMITED');
    await postFrom(a, IPV4).expect(429);
    expect(await a.count('rate_limit_peppers')).toBe(1);
    const { rows } = await a.db.query<{ hits: number }>('SELECT hits::int AS hits FROM rate_limit_windows');
    expect(rows).toEqual([{ hits: 5 }]);
  });
});
