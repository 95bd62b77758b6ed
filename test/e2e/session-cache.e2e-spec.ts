// Sessions cached for SESSION_CACHE_SECONDS (issue 17: one round trip per desk read instead of
// two) and still revoked at once in every process: two app processes on one database, as in the
// docker-compose topology, each with its own cache and its own LISTEN connection.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { signIn, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const CACHE_SECONDS = 2;

let first: TestApp;
let second: TestApp;
let admin: SignedInStaff;

beforeAll(async () => {
  first = await startTestApp({ SESSION_CACHE_SECONDS: String(CACHE_SECONDS) });
  second = await startTestApp({ SESSION_CACHE_SECONDS: String(CACHE_SECONDS) }, { shareWith: first });
  admin = await signedInStaff(first, 'admin');
  // Each process LISTENs from its first session lookup on; until then it caches nothing.
  await cachedInBoth(admin.cookie);
  await eventually(async () => expect(await listeners()).toHaveLength(2));
});

const listeners = () =>
  first.db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tipdesk-notifications'`).then((r) => r.rows);
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const me = (t: TestApp, cookie: string) => request(t.url).get('/api/auth/me').set('Cookie', cookie);

/** Deletes a session behind every process's back: with triggers off, no NOTIFY is sent. */
async function deleteSilently(t: TestApp, staffUserId: string): Promise<void> {
  const client = await t.db.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`DELETE FROM sessions WHERE staff_user_id = $1`, [staffUserId]);
    await client.query(`SET session_replication_role = DEFAULT`);
  } finally {
    client.release();
  }
}

/** Both processes have answered a read with this cookie, so both caches hold it. */
async function cachedInBoth(cookie: string): Promise<void> {
  await me(first, cookie).expect(200);
  await me(second, cookie).expect(200);
}

describe('the session cache', () => {
  it('answers reads from memory: a session deleted without a notification still reads for up to SESSION_CACHE_SECONDS, then not', async () => {
    const editor = await signedInStaff(first, 'editor');
    await cachedInBoth(editor.cookie);
    await deleteSilently(first, editor.user.id);
    // Proof the second read made no round trip for the session: PostgreSQL no longer has it.
    await me(second, editor.cookie).expect(200);
    await eventually(
      async () => {
        const res = await me(second, editor.cookie);
        expect(res.status).toBe(401);
      },
      (CACHE_SECONDS + 2) * 1000,
    );
  });

  it('never lets a write through on a cached session: a state-changing request asks PostgreSQL', async () => {
    const editor = await signedInStaff(first, 'editor');
    await cachedInBoth(editor.cookie);
    await deleteSilently(first, editor.user.id);
    const res = await request(second.url)
      .post('/api/auth/password')
      .set('Cookie', editor.cookie)
      .set('X-CSRF-Token', editor.csrfToken)
      .send({ currentPassword: editor.password, newPassword: 'a brand new long passphrase' });
    expect(res.status).toBe(401);
    expect(await first.db.query(`SELECT 1 FROM sessions WHERE staff_user_id = $1`, [editor.user.id]).then((r) => r.rowCount)).toBe(0);
  });
});

describe('a revoked session is refused on the next request in every process', () => {
  it('signing out in one process: the other refuses the cookie on its very next request (20 rounds)', async () => {
    const editor = await signedInStaff(first, 'editor');
    for (let round = 0; round < 20; round++) {
      const session = await signIn(first, editor.user.email, editor.password);
      await cachedInBoth(session.cookie);
      const [signingOut, stayingOn] = round % 2 === 0 ? [first, second] : [second, first];
      await request(signingOut.url).post('/api/auth/logout').set('Cookie', session.cookie).set('X-CSRF-Token', session.csrfToken).expect(204);
      const res = await me(stayingOn, session.cookie);
      expect({ round, status: res.status }).toEqual({ round, status: 401 });
      await me(signingOut, session.cookie).expect(401);
    }
  });

  it('disabling an account in one process signs it out of the other at once', async () => {
    const editor = await signedInStaff(first, 'editor');
    await cachedInBoth(editor.cookie);
    await admin.patch(`/api/staff/${editor.user.id}`).send({ disabled: true }).expect(200);
    await me(second, editor.cookie).expect(401);
    await me(first, editor.cookie).expect(401);
  });

  it('a role change in one process: the other stops treating the person as their old role at once', async () => {
    const accountant = await signedInStaff(first, 'accounting');
    await request(second.url).get('/api/payouts').set('Cookie', accountant.cookie).expect(200);
    await me(second, accountant.cookie).expect(200);
    await admin.patch(`/api/staff/${accountant.user.id}`).send({ role: 'editor' }).expect(200);
    await me(second, accountant.cookie).expect(401);
    await request(second.url).get('/api/payouts').set('Cookie', accountant.cookie).expect(401);
  });

  it('an operator ending sessions in SQL (past their absolute limit): refused as soon as the NOTIFY arrives, SESSION_EXPIRED', async () => {
    const editor = await signedInStaff(first, 'editor');
    await cachedInBoth(editor.cookie);
    await first.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE staff_user_id = $1`, [editor.user.id]);
    // No request of tipdesk's waited for the NOTIFY here: it arrives within milliseconds.
    await eventually(async () => {
      const res = await me(second, editor.cookie);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('SESSION_EXPIRED');
    }, 1000);
  });

  it('while a process cannot hear notifications it caches nothing, and caches again once it can', async () => {
    const editor = await signedInStaff(first, 'editor');
    await cachedInBoth(editor.cookie);
    await first.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tipdesk-notifications'`,
    );
    // Whether or not it has reconnected yet, nothing cached before the loss may answer: delete
    // silently and the very next read is refused.
    await deleteSilently(first, editor.user.id);
    await me(second, editor.cookie).expect(401);
    // It reconnects by itself, and then caches again.
    await eventually(async () => expect((await listeners()).length).toBe(2), 10_000);
    const again = await signIn(first, editor.user.email, editor.password);
    await cachedInBoth(again.cookie);
    await deleteSilently(first, editor.user.id);
    await me(second, again.cookie).expect(200);
  });
});

describe('the triggers that tell every process', () => {
  let listener: pg.Client;
  const heard: string[] = [];
  beforeAll(async () => {
    listener = new pg.Client({ connectionString: first.databaseUrl });
    await listener.connect();
    listener.on('notification', (message) => heard.push(message.channel));
    await listener.query('LISTEN tipdesk_sessions');
  });
  afterAll(async () => {
    await listener?.end();
  });

  /** How many notifications `change` sent (waiting a moment for them to arrive). */
  async function notificationsFrom(change: () => Promise<unknown>): Promise<number> {
    heard.length = 0;
    await change();
    await listener.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 100));
    return heard.length;
  }

  it('stay quiet when a request only moves a session’s idle clock forward (the cache would be useless otherwise)', async () => {
    const editor = await signedInStaff(first, 'editor');
    expect(await notificationsFrom(() => first.db.query(`UPDATE sessions SET last_seen_at = now() WHERE staff_user_id = $1`, [editor.user.id]))).toBe(0);
    expect(await notificationsFrom(() => first.db.query(`UPDATE staff_users SET last_sign_in_at = now() WHERE id = $1`, [editor.user.id]))).toBe(0);
  });

  it('speak once per transaction for a delete, an idle clock moved back, or a staff member’s role, 2FA or disabled state', async () => {
    const editor = await signedInStaff(first, 'editor');
    const other = await signedInStaff(first, 'editor');
    expect(
      await notificationsFrom(() =>
        first.db.query(`UPDATE sessions SET last_seen_at = now() - interval '5 minutes' WHERE staff_user_id = $1`, [editor.user.id]),
      ),
    ).toBe(1);
    expect(await notificationsFrom(() => first.db.query(`UPDATE staff_users SET role = 'accounting' WHERE id = $1`, [editor.user.id]))).toBe(1);
    expect(await notificationsFrom(() => first.db.query(`UPDATE staff_users SET totp_enabled_at = now() WHERE id = $1`, [other.user.id]))).toBe(1);
    expect(await notificationsFrom(() => first.db.query(`DELETE FROM sessions WHERE staff_user_id IN ($1, $2)`, [editor.user.id, other.user.id]))).toBe(1);
  });
});
