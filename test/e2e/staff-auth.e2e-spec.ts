import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AuthService } from '../../src/staff/auth.service.js';
import { totpCode } from '../../src/staff/totp.js';
import { createStaff, sessionCookie, signIn, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

describe('first admin from the one-time setup link', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const setupToken = () => {
    const line = t.logs.find((l) => l.includes('/desk/setup?token='));
    if (!line) throw new Error('no setup link in the log');
    return /token=([A-Za-z0-9_-]+)/.exec(line)![1];
  };

  it('prints a one-time link on first start with no staff', () => {
    expect(setupToken()).toHaveLength(43);
  });

  it('refuses a wrong token with 410 and creates nobody', async () => {
    const res = await request(t.url)
      .post('/api/auth/setup')
      .send({ token: 'x'.repeat(43), email: 'chief@paper.test', name: 'Chief', password: 'a long enough passphrase' });
    expect(res.status).toBe(410);
    expect(res.body.code).toBe('SETUP_LINK_INVALID');
    expect(await t.count('staff_users')).toBe(0);
  });

  it('refuses a weak password with 400 and creates nobody', async () => {
    const res = await request(t.url).post('/api/auth/setup').send({ token: setupToken(), email: 'chief@paper.test', name: 'Chief', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.fields.password).toBeDefined();
    expect(await t.count('staff_users')).toBe(0);
  });

  it('creates the first admin, signs them in, and then stops working', async () => {
    const token = setupToken();
    const res = await request(t.url).post('/api/auth/setup').send({ token, email: 'Chief@Paper.test', name: 'Chief', password: 'a long enough passphrase' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'chief@paper.test', role: 'admin' });
    const cookie = sessionCookie(res);
    await request(t.url).get('/api/auth/me').set('Cookie', cookie).expect(200);

    const again = await request(t.url).post('/api/auth/setup').send({ token, email: 'other@paper.test', name: 'Other', password: 'a long enough passphrase' });
    expect(again.status).toBe(410);
    expect(await t.count('staff_users')).toBe(1);
    expect(await t.count('staff_setup_tokens')).toBe(0);
    expect(await t.app.get(AuthService).offerFirstAdminSetup()).toBeUndefined();
  });
});

describe('staff sign-in', () => {
  let t: TestApp;
  let admin: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await signedInStaff(t, 'admin');
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs in with a session cookie that is HttpOnly, SameSite=Lax and not readable by scripts', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const res = await request(t.url).post('/api/auth/login').send({ email: user.email.toUpperCase(), password }).expect(200);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'])[0];
    expect(cookie).toMatch(/^tipdesk_staff=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ user: { email: user.email, role: 'editor' }, totpEnrolmentRequired: false });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.now() - Date.parse(res.body.user.lastSignInAt)).toBeLessThan(60_000);
    const me = await request(t.url).get('/api/auth/me').set('Cookie', sessionCookie(res)).expect(200);
    expect(me.body.csrfToken).toBe(res.body.csrfToken);
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const res = await request(t.url).post('/api/auth/login').set('X-Forwarded-Proto', 'https').send({ email: user.email, password }).expect(200);
    expect(([] as string[]).concat(res.headers['set-cookie'])[0]).toMatch(/; Secure/);
  });

  it('gives a new session id at every sign-in and ends the one the browser had', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const first = await signIn(t, user.email, password);
    const second = await request(t.url).post('/api/auth/login').set('Cookie', first.cookie).send({ email: user.email, password }).expect(200);
    expect(sessionCookie(second)).not.toBe(first.cookie);
    await first.get('/api/auth/me').expect(401);
    await request(t.url).get('/api/auth/me').set('Cookie', sessionCookie(second)).expect(200);
  });

  it('wrong password: 401 INVALID_CREDENTIALS, audited, password never logged', async () => {
    const { user } = await createStaff(t, 'editor');
    const res = await request(t.url).post('/api/auth/login').send({ email: user.email, password: 'not-the-password-123' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(res.headers['set-cookie']).toBeUndefined();
    const { rows } = await t.db.query(`SELECT after FROM audit_events WHERE action = 'staff.sign_in_failed' AND entity_id = $1`, [user.id]);
    expect(rows).toEqual([{ after: { reason: 'password' } }]);
    expect(t.logs.join('\n')).not.toContain('not-the-password-123');
  });

  it('unknown email: the same answer as a wrong password, in about the same time', async () => {
    const { user } = await createStaff(t, 'editor');
    const wrongPassword = await request(t.url).post('/api/auth/login').send({ email: user.email, password: 'wrong password here' });
    const unknownEmail = await request(t.url).post('/api/auth/login').send({ email: 'nobody@paper.test', password: 'wrong password here' });
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(unknownEmail.body).toEqual(wrongPassword.body);

    // Both verify an argon2id hash; without the decoy an unknown email would answer ~10x faster.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(
        await timed(() =>
          request(t.url)
            .post('/api/auth/login')
            .send({ email: user.email, password: `wrong ${i} password` }),
        ),
      );
      unknown.push(
        await timed(() =>
          request(t.url)
            .post('/api/auth/login')
            .send({ email: `nobody${i}@paper.test`, password: 'wrong password' }),
        ),
      );
    }
    // Wide bounds: other test files load the same two cores; the failure this guards against is ~10x.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.4);
    expect(median(unknown)).toBeLessThan(median(known) * 2.5);
  });

  it('locks an account after 10 failures in a row (429 with Retry-After), even for the right password; an admin can unlock', async () => {
    const { user, password } = await createStaff(t, 'editor');
    for (let i = 0; i < 10; i++) {
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: `guess number ${i}` })
        .expect(401);
    }
    const locked = await request(t.url).post('/api/auth/login').send({ email: user.email, password });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('SIGN_IN_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await admin.get('/api/staff').expect(200)).body.find((u: { id: string }) => u.id === user.id).locked).toBe(true);

    await admin.post(`/api/staff/${user.id}/unlock`).expect(200);
    await request(t.url).post('/api/auth/login').send({ email: user.email, password }).expect(200);
  });

  it('locks an unknown email the same way, so a lock says nothing about which accounts exist', async () => {
    for (let i = 0; i < 10; i++)
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: 'ghost@paper.test', password: `guess ${i} password` })
        .expect(401);
    const res = await request(t.url).post('/api/auth/login').send({ email: 'ghost@paper.test', password: 'another guess' });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('SIGN_IN_LOCKED');
  });

  it('disabled account: refused like a wrong password, and signed out everywhere', async () => {
    const editor = await signedInStaff(t, 'editor');
    await admin.patch(`/api/staff/${editor.user.id}`).send({ disabled: true }).expect(200);
    await editor.get('/api/auth/me').expect(401);
    const res = await request(t.url).post('/api/auth/login').send({ email: editor.user.email, password: editor.password });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    await admin.patch(`/api/staff/${editor.user.id}`).send({ disabled: false }).expect(200);
    await signIn(t, editor.user.email, editor.password);
  });

  it('expired session (idle too long): 401 SESSION_EXPIRED', async () => {
    const editor = await signedInStaff(t, 'editor');
    await t.db.query(`UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE staff_user_id = $1`, [editor.user.id]);
    const res = await editor.get('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SESSION_EXPIRED');
  });

  it('expired session (past its absolute limit, however busy): 401 SESSION_EXPIRED', async () => {
    const editor = await signedInStaff(t, 'editor');
    await t.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE staff_user_id = $1`, [editor.user.id]);
    expect((await editor.get('/api/auth/me')).body.code).toBe('SESSION_EXPIRED');
  });

  it('keeps a busy session alive by moving its idle clock', async () => {
    const editor = await signedInStaff(t, 'editor');
    await t.db.query(`UPDATE sessions SET last_seen_at = now() - interval '30 minutes' WHERE staff_user_id = $1`, [editor.user.id]);
    await editor.get('/api/auth/me').expect(200);
    const { rows } = await t.db.query(`SELECT now() - last_seen_at < interval '1 minute' AS fresh FROM sessions WHERE staff_user_id = $1`, [editor.user.id]);
    expect(rows).toEqual([{ fresh: true }]);
  });

  it('missing CSRF token: 403 CSRF_TOKEN_INVALID and nothing stored', async () => {
    const before = await t.count('staff_users');
    const res = await request(t.url)
      .post('/api/staff')
      .set('Cookie', admin.cookie)
      .send({ email: 'new@paper.test', name: 'New', role: 'editor', password: 'a long enough passphrase' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_TOKEN_INVALID');
    expect(await t.count('staff_users')).toBe(before);
  });

  it("forged CSRF token (another session's token): 403 and nothing stored", async () => {
    const other = await signedInStaff(t, 'admin');
    const before = await t.count('staff_users');
    const res = await request(t.url)
      .post('/api/staff')
      .set('Cookie', admin.cookie)
      .set('X-CSRF-Token', other.csrfToken)
      .send({ email: 'forged@paper.test', name: 'Forged', role: 'editor', password: 'a long enough passphrase' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_TOKEN_INVALID');
    expect(await t.count('staff_users')).toBe(before);
  });

  it('accepts the CSRF token as a `_csrf` form field (browser forms) and does not treat it as input', async () => {
    const res = await request(t.url)
      .post('/api/staff')
      .set('Cookie', admin.cookie)
      .type('form')
      .send({ _csrf: admin.csrfToken, email: 'formed@paper.test', name: 'Formed', role: 'editor', password: 'a long enough passphrase' });
    expect(res.status).toBe(201);
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const res = await request(t.url).post('/api/auth/login').set('Origin', 'https://evil.example').send({ email: user.email, password });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CROSS_SITE_REQUEST');
    const fetchSite = await request(t.url)
      .post('/api/auth/login')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Origin', 'null')
      .send({ email: user.email, password });
    expect(fetchSite.body.code).toBe('CROSS_SITE_REQUEST');
    // A same-origin form under a no-referrer policy sends `Origin: null`: Sec-Fetch-Site vouches for it.
    await request(t.url).post('/api/auth/login').set('Sec-Fetch-Site', 'same-origin').set('Origin', 'null').send({ email: user.email, password }).expect(200);
  });

  it('an editor calling an admin route: 403 FORBIDDEN', async () => {
    const editor = await signedInStaff(t, 'editor');
    const res = await editor.post('/api/staff').send({ email: 'x@paper.test', name: 'X', role: 'admin', password: 'a long enough passphrase' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    await editor.get('/api/staff').expect(403);
  });

  it('a role change takes effect at once: the person is signed out', async () => {
    const editor = await signedInStaff(t, 'editor');
    await admin.patch(`/api/staff/${editor.user.id}`).send({ role: 'accounting' }).expect(200);
    await editor.get('/api/auth/me').expect(401);
    const again = await signIn(t, editor.user.email, editor.password);
    expect(again.user.role).toBe('accounting');
  });

  it('the last active admin cannot be demoted or disabled (409 LAST_ADMIN)', async () => {
    const { rows } = await t.db.query(`SELECT id FROM staff_users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1`, [admin.user.id]);
    for (const { id } of rows) await admin.patch(`/api/staff/${id}`).send({ disabled: true }).expect(200);
    expect((await admin.patch(`/api/staff/${admin.user.id}`).send({ role: 'editor' })).body.code).toBe('LAST_ADMIN');
    expect((await admin.patch(`/api/staff/${admin.user.id}`).send({ disabled: true })).status).toBe(409);
  });

  it('staff admin: bad inputs are 400/404/409 and store nothing', async () => {
    const before = await t.count('staff_users');
    const post = (body: object) => admin.post('/api/staff').send(body);
    expect((await post({ email: 'not-an-email', name: 'A', role: 'editor', password: 'a long enough passphrase' })).body.fields.email).toBeDefined();
    expect((await post({ email: 'a@paper.test', name: 'A', role: 'boss', password: 'a long enough passphrase' })).body.fields.role).toBeDefined();
    expect((await post({ email: 'a@paper.test', name: 'A', role: 'editor', password: 'short' })).body.fields.password).toBeDefined();
    expect((await post({ email: 'a@paper.test', name: 'A', role: 'editor', password: 'a long enough passphrase', isAdmin: true })).status).toBe(400);
    expect((await post({ email: admin.user.email, name: 'A', role: 'editor', password: 'a long enough passphrase' })).body.code).toBe('STAFF_EMAIL_TAKEN');
    expect(await t.count('staff_users')).toBe(before);
    expect((await admin.patch('/api/staff/not-a-uuid').send({ name: 'X' })).status).toBe(400);
    expect((await admin.patch('/api/staff/00000000-0000-4000-8000-000000000000').send({ name: 'X' })).status).toBe(404);
  });

  it('records staff changes in the audit log with before and after', async () => {
    const { user } = await createStaff(t, 'editor');
    await admin.patch(`/api/staff/${user.id}`).send({ name: 'Renamed Editor' }).expect(200);
    const { rows } = await t.db.query(`SELECT actor_id, before, after FROM audit_events WHERE action = 'staff.updated' AND entity_id = $1`, [user.id]);
    expect(rows).toEqual([
      { actor_id: admin.user.id, before: expect.objectContaining({ name: user.name }), after: expect.objectContaining({ name: 'Renamed Editor' }) },
    ]);
  });

  it('changes a password: the current one is checked, weak ones refused, other sessions end', async () => {
    const editor = await signedInStaff(t, 'editor');
    const elsewhere = await signIn(t, editor.user.email, editor.password);
    expect(
      (await editor.post('/api/auth/password').send({ currentPassword: 'wrong wrong wrong', newPassword: 'a brand new passphrase' })).body.fields
        .currentPassword,
    ).toBeDefined();
    expect((await editor.post('/api/auth/password').send({ currentPassword: editor.password, newPassword: 'short' })).body.fields.newPassword).toBeDefined();
    await editor.post('/api/auth/password').send({ currentPassword: editor.password, newPassword: 'a brand new passphrase' }).expect(204);
    await editor.get('/api/auth/me').expect(200);
    await elsewhere.get('/api/auth/me').expect(401);
    await signIn(t, editor.user.email, 'a brand new passphrase');
  });

  it('signs out: the cookie is cleared and the session is gone from the database', async () => {
    const editor = await signedInStaff(t, 'editor');
    const res = await editor.post('/api/auth/logout').expect(204);
    expect(([] as string[]).concat(res.headers['set-cookie'])[0]).toMatch(/^tipdesk_staff=;/);
    await editor.get('/api/auth/me').expect(401);
    expect((await t.db.query(`SELECT 1 FROM sessions WHERE staff_user_id = $1`, [editor.user.id])).rowCount).toBe(0);
  });
});

describe('an admin sets a new password for someone who forgot theirs (POST /api/staff/:id/password)', () => {
  let t: TestApp;
  let admin: SignedInStaff;
  const NEW_PASSWORD = 'a fresh passphrase from the admin';

  beforeAll(async () => {
    t = await startTestApp();
    admin = await signedInStaff(t, 'admin');
  });
  afterAll(async () => {
    await t.close();
  });

  const passwordHash = async (id: string) => (await t.db.query(`SELECT password_hash FROM staff_users WHERE id = $1`, [id])).rows[0].password_hash as string;

  it('sets it: the old password fails, the new one signs in, and every session the person had is now 401', async () => {
    const editor = await signedInStaff(t, 'editor');
    const elsewhere = await signIn(t, editor.user.email, editor.password);
    const res = await admin.post(`/api/staff/${editor.user.id}/password`).send({ password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: editor.user.id, email: editor.user.email, locked: false });
    expect(res.body).not.toHaveProperty('password');
    expect(res.body).not.toHaveProperty('passwordHash');
    await editor.get('/api/auth/me').expect(401);
    await elsewhere.get('/api/auth/me').expect(401);
    expect((await t.db.query(`SELECT 1 FROM sessions WHERE staff_user_id = $1`, [editor.user.id])).rowCount).toBe(0);
    const old = await request(t.url).post('/api/auth/login').send({ email: editor.user.email, password: editor.password });
    expect(old.status).toBe(401);
    expect(old.body.code).toBe('INVALID_CREDENTIALS');
    await signIn(t, editor.user.email, NEW_PASSWORD);
    await admin.get('/api/auth/me').expect(200); // the admin's own session is untouched
  });

  it('lifts a sign-in lock, so the new password works at once', async () => {
    const { user } = await createStaff(t, 'editor');
    for (let i = 0; i < 10; i++)
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: `guess number ${i}` })
        .expect(401);
    expect((await request(t.url).post('/api/auth/login').send({ email: user.email, password: NEW_PASSWORD })).status).toBe(429);
    const res = await admin.post(`/api/staff/${user.id}/password`).send({ password: NEW_PASSWORD }).expect(200);
    expect(res.body.locked).toBe(false);
    await signIn(t, user.email, NEW_PASSWORD);
  });

  it('audits staff.password_reset with the admin as actor, and the password is in no audit event and no log line', async () => {
    const { user } = await createStaff(t, 'editor');
    const password = 'an audited but secret passphrase';
    await admin.post(`/api/staff/${user.id}/password`).send({ password }).expect(200);
    const { rows } = await t.db.query(
      `SELECT actor_type, actor_id, entity_type, before, after FROM audit_events WHERE action = 'staff.password_reset' AND entity_id = $1`,
      [user.id],
    );
    expect(rows).toEqual([{ actor_type: 'staff', actor_id: admin.user.id, entity_type: 'staff_user', before: null, after: null }]);
    const leaks = await t.db.query(`SELECT id FROM audit_events WHERE row_to_json(audit_events)::text LIKE $1`, ['%secret passphrase%']);
    expect(leaks.rowCount).toBe(0);
    expect(t.logs.join('\n')).not.toContain(password);
    expect(await passwordHash(user.id)).toMatch(/^\$argon2id\$/);
  });

  it('an editor calling it: 403 FORBIDDEN, the password unchanged', async () => {
    const editor = await signedInStaff(t, 'editor');
    const { user } = await createStaff(t, 'editor');
    const before = await passwordHash(user.id);
    const res = await editor.post(`/api/staff/${user.id}/password`).send({ password: NEW_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(await passwordHash(user.id)).toBe(before);
  });

  it('a weak, empty or missing password: 400 VALIDATION_FAILED naming password; nothing changed, nobody signed out', async () => {
    const editor = await signedInStaff(t, 'editor');
    const before = await passwordHash(editor.user.id);
    for (const body of [{ password: 'short' }, { password: '' }, { password: 'aaaabbbbaaaabbbb' }, { password: 'x'.repeat(257) }, {}]) {
      const res = await admin.post(`/api/staff/${editor.user.id}/password`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.fields.password).toBeDefined();
    }
    expect(await passwordHash(editor.user.id)).toBe(before);
    await editor.get('/api/auth/me').expect(200);
  });

  it('an unknown field next to the password: 400', async () => {
    const { user } = await createStaff(t, 'editor');
    expect((await admin.post(`/api/staff/${user.id}/password`).send({ password: NEW_PASSWORD, role: 'admin' })).status).toBe(400);
  });

  it('an unknown id: 404 STAFF_NOT_FOUND', async () => {
    const res = await admin.post('/api/staff/00000000-0000-4000-8000-000000000000/password').send({ password: NEW_PASSWORD });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('STAFF_NOT_FOUND');
  });

  it('a non-uuid id: 400', async () => {
    const res = await admin.post('/api/staff/not-a-uuid/password').send({ password: NEW_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it("the admin's own account: 400 OWN_PASSWORD_NEEDS_CURRENT pointing to POST /api/auth/password; nothing changed, still signed in", async () => {
    const before = await passwordHash(admin.user.id);
    const res = await admin.post(`/api/staff/${admin.user.id}/password`).send({ password: NEW_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('OWN_PASSWORD_NEEDS_CURRENT');
    expect(res.body.message).toContain('/api/auth/password');
    expect(await passwordHash(admin.user.id)).toBe(before);
    await admin.get('/api/auth/me').expect(200);
  });

  it('missing CSRF token: 403 CSRF_TOKEN_INVALID, the password unchanged, the person still signed in', async () => {
    const editor = await signedInStaff(t, 'editor');
    const before = await passwordHash(editor.user.id);
    const res = await request(t.url).post(`/api/staff/${editor.user.id}/password`).set('Cookie', admin.cookie).send({ password: NEW_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_TOKEN_INVALID');
    expect(await passwordHash(editor.user.id)).toBe(before);
    await editor.get('/api/auth/me').expect(200);
  });
});

describe('two-factor sign-in (TOTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** An editor with TOTP enrolled; returns the secret and the recovery codes. */
  async function enrolled() {
    const editor = await signedInStaff(t, 'editor');
    const setup = await editor.post('/api/auth/totp/setup').expect(200);
    expect(setup.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/tipdesk:/);
    const confirmed = await editor
      .post('/api/auth/totp/confirm')
      .send({ code: totpCode(setup.body.secret) })
      .expect(200);
    return { editor, secret: setup.body.secret as string, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  }

  it('enrols with a code from the app and returns ten recovery codes once; the secret is stored encrypted', async () => {
    const { editor, secret, recoveryCodes } = await enrolled();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const {
      rows: [row],
    } = await t.db.query(`SELECT totp_secret_encrypted, recovery_code_hashes FROM staff_users WHERE id = $1`, [editor.user.id]);
    expect(row.totp_secret_encrypted).not.toContain(secret);
    expect(row.recovery_code_hashes.join()).not.toContain(recoveryCodes[0].replace('-', ''));
    expect((await editor.post('/api/auth/totp/setup')).body.code).toBe('TOTP_ALREADY_ENABLED');
  });

  it('refuses a wrong code at enrolment (400) and leaves two-factor off', async () => {
    const editor = await signedInStaff(t, 'editor');
    const setup = await editor.post('/api/auth/totp/setup').expect(200);
    const wrong = String((Number(totpCode(setup.body.secret)) + 1) % 1_000_000).padStart(6, '0');
    expect((await editor.post('/api/auth/totp/confirm').send({ code: wrong })).status).toBe(400);
    expect((await editor.post('/api/auth/totp/confirm').send({ code: 'abcdef' })).status).toBe(400);
    expect((await editor.get('/api/auth/me')).body.user.totpEnabled).toBe(false);
  });

  it('asks for the code after a right password (401 TOTP_REQUIRED), and signs in with it', async () => {
    const { editor, secret } = await enrolled();
    const withoutCode = await request(t.url).post('/api/auth/login').send({ email: editor.user.email, password: editor.password });
    expect(withoutCode.status).toBe(401);
    expect(withoutCode.body.code).toBe('TOTP_REQUIRED');
    // The enrolment used this step's code; the next step's is within the accepted window.
    await signIn(t, editor.user.email, editor.password, totpCode(secret, Date.now() + 30_000));
  });

  it('bad code: 401 TOTP_INVALID, counted towards the lock', async () => {
    const { editor, secret } = await enrolled();
    const wrong = String((Number(totpCode(secret)) + 1) % 1_000_000).padStart(6, '0');
    const res = await request(t.url).post('/api/auth/login').send({ email: editor.user.email, password: editor.password, totp: wrong });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOTP_INVALID');
    const { rows } = await t.db.query(`SELECT after FROM audit_events WHERE action = 'staff.sign_in_failed' AND entity_id = $1`, [editor.user.id]);
    expect(rows).toEqual([{ after: { reason: 'totp' } }]);
  });

  it('expired code (from five minutes ago): 401 TOTP_INVALID', async () => {
    const { editor, secret } = await enrolled();
    const res = await request(t.url)
      .post('/api/auth/login')
      .send({ email: editor.user.email, password: editor.password, totp: totpCode(secret, Date.now() - 5 * 60_000) });
    expect(res.body.code).toBe('TOTP_INVALID');
  });

  it('a code is accepted once: a replay in the same window is refused', async () => {
    const { editor, secret } = await enrolled();
    const code = totpCode(secret, Date.now() + 30_000);
    await signIn(t, editor.user.email, editor.password, code);
    const replay = await request(t.url).post('/api/auth/login').send({ email: editor.user.email, password: editor.password, totp: code });
    expect(replay.body.code).toBe('TOTP_INVALID');
  });

  it('a recovery code stands in for the app, once', async () => {
    const { editor, recoveryCodes } = await enrolled();
    await signIn(t, editor.user.email, editor.password, recoveryCodes[3].toLowerCase());
    const again = await request(t.url).post('/api/auth/login').send({ email: editor.user.email, password: editor.password, totp: recoveryCodes[3] });
    expect(again.body.code).toBe('TOTP_INVALID');
    const { rows } = await t.db.query(`SELECT cardinality(recovery_code_hashes) AS n FROM staff_users WHERE id = $1`, [editor.user.id]);
    expect(rows).toEqual([{ n: 9 }]);
  });

  it('an admin resets a lost authenticator: the person signs in with the password alone', async () => {
    const admin = await signedInStaff(t, 'admin');
    const { editor } = await enrolled();
    await admin.post(`/api/staff/${editor.user.id}/reset-2fa`).expect(200);
    await signIn(t, editor.user.email, editor.password);
  });
});

describe('REQUIRE_2FA', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ REQUIRE_2FA: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets a person without TOTP do nothing but enrol; after enrolling, everything', async () => {
    const admin = await signedInStaff(t, 'admin');
    expect((await admin.get('/api/auth/me').expect(200)).body.totpEnrolmentRequired).toBe(true);
    const refused = await admin.get('/api/staff');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('TOTP_ENROLMENT_REQUIRED');
    const setup = await admin.post('/api/auth/totp/setup').expect(200);
    await admin
      .post('/api/auth/totp/confirm')
      .send({ code: totpCode(setup.body.secret) })
      .expect(200);
    await admin.get('/api/staff').expect(200);
  });
});

describe('sign-in throttle per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_SIGN_INS_PER_15_MINUTES: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After once one address passes the limit, across accounts', async () => {
    for (let i = 0; i < 3; i++)
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: `p${i}@paper.test`, password: 'whatever password' })
        .expect(401);
    const res = await request(t.url).post('/api/auth/login').send({ email: 'p9@paper.test', password: 'whatever password' });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(res.body.message).toMatch(/sign-in attempts/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('contributor sign-in', () => {
  let t: TestApp;
  let receipt: { reference: string; secret: string };

  beforeAll(async () => {
    t = await startTestApp();
    receipt = (
      await request(t.url)
        .post('/api/tips')
        .send({ story: 'Flooding on the high street', consentTerms: true, consentOwnWork: true, consentOver18: true })
        .expect(201)
    ).body;
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs in with the receipt and sees only that tip', async () => {
    const res = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference.toLowerCase(), secret: receipt.secret }).expect(200);
    const cookie = sessionCookie(res, 'tipdesk_contributor');
    const tip = await request(t.url).get('/api/contributor/tip').set('Cookie', cookie).expect(200);
    expect(tip.body).toMatchObject({ reference: receipt.reference, status: 'new', messages: [], payouts: [] });
  });

  it('wrong secret and unknown reference: the same 401', async () => {
    const wrong = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: 'AAAA-BBBB' });
    const unknown = await request(t.url).post('/api/contributor/session').send({ reference: 'TD-0000-0000', secret: receipt.secret });
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.code).toBe('INVALID_REFERENCE_OR_SECRET');
  });

  it('locks a reference after 10 failures, even for the right secret', async () => {
    const other = (
      await request(t.url).post('/api/tips').send({ story: 'Another tip', consentTerms: true, consentOwnWork: true, consentOver18: true }).expect(201)
    ).body;
    for (let i = 0; i < 10; i++)
      await request(t.url)
        .post('/api/contributor/session')
        .send({ reference: other.reference, secret: `WRONG-${i}` })
        .expect(401);
    const res = await request(t.url).post('/api/contributor/session').send({ reference: other.reference, secret: other.secret });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('SIGN_IN_LOCKED');
  });

  it('a contributor session calling desk and staff routes: 401 AUTH_REQUIRED, as signed out', async () => {
    const res = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret }).expect(200);
    const cookie = sessionCookie(res, 'tipdesk_contributor');
    for (const path of ['/api/auth/me', '/api/staff']) {
      const answer = await request(t.url).get(path).set('Cookie', cookie);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ statusCode: 401, code: 'AUTH_REQUIRED' });
    }
  });
});
