// The /desk pages over plain HTTP: what a browser without JavaScript (or an attacker's form)
// sends, and what comes back — pages, 303 redirects and the right status codes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AuthService } from '../../src/staff/auth.service.js';
import { SIGN_IN_FAILURES_BEFORE_LOCK } from '../../src/staff/sign-in-throttle.service.js';
import { createStaff, sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let editor: SignedInStaff;
let admin: SignedInStaff;
let tipId: string;

beforeAll(async () => {
  t = await startTestApp();
  editor = await signedInStaff(t, 'editor');
  admin = await signedInStaff(t, 'admin');
  const receipt = await request(t.url)
    .post('/api/tips')
    .send({ story: 'A tip for the page tests', consentTerms: true, consentOwnWork: true, consentOver18: true });
  tipId = (await t.db.query('SELECT id FROM tips WHERE reference = $1', [receipt.body.reference])).rows[0].id;
});

const tipVersion = async () => Number((await t.db.query('SELECT version FROM tips WHERE id = $1', [tipId])).rows[0].version);

afterAll(async () => {
  await t?.close();
});

/** Signs in through the page form, as a browser without JavaScript does. */
async function pageSignIn(email: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await request(t.url).post('/desk/login').type('form').send({ email, password });
  expect(res.status).toBe(303);
  const cookie = sessionCookie(res);
  const page = await request(t.url).get('/desk/account').set('Cookie', cookie);
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1];
  expect(csrf).toBeDefined();
  return { cookie, csrf: csrf! };
}

describe('first-admin setup page', () => {
  it('GET /desk/setup with an unknown token answers 410 with a page that says the link does not work', async () => {
    const res = await request(t.url).get('/desk/setup?token=not-a-real-token');
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('This setup link does not work any more');
  });

  it('GET /desk/setup with no token at all answers 410', async () => {
    expect((await request(t.url).get('/desk/setup')).status).toBe(410);
  });

  it('POST /desk/setup from another site (Origin) is refused with a 403 page', async () => {
    const res = await request(t.url).post('/desk/setup').set('Origin', 'https://evil.example').type('form').send({ token: 'x' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This request came from another site.');
  });

  it('POST /desk/setup with a stale token answers 410 once staff exist', async () => {
    const link = await t.app.get(AuthService).offerFirstAdminSetup(); // staff exist: no link
    expect(link).toBeUndefined();
    const res = await request(t.url)
      .post('/desk/setup')
      .type('form')
      .send({ token: 'stale-token', name: 'Ada', email: 'ada@newsroom.test', password: 'a long enough password', passwordAgain: 'a long enough password' });
    expect(res.status).toBe(410);
  });
});

describe('sign-in page', () => {
  it('GET /desk/login is a no-store page with the form', async () => {
    const res = await request(t.url).get('/desk/login');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('<form method="post" action="/desk/login"');
  });

  it('a desk page asked for while signed out answers 303 to /desk/login with next=', async () => {
    const res = await request(t.url).get('/desk/account?x=1');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk/login?next=%2Fdesk%2Faccount%3Fx%3D1');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a desk page with an ended session answers 303 to /desk/login with a notice', async () => {
    const res = await request(t.url).get('/desk/account').set('Cookie', 'tipdesk_staff=ended-session-token');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk/login?next=%2Fdesk%2Faccount&notice=session-ended');
  });

  it('a wrong password answers 401 and the same words as an unknown email', async () => {
    const wrong = await request(t.url).post('/desk/login').type('form').send({ email: editor.user.email, password: 'not the password' });
    const unknown = await request(t.url).post('/desk/login').type('form').send({ email: 'nobody@newsroom.test', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (html: string) => /<div class="alert" role="alert" id="form-error"><p>([^<]*)<\/p>/.exec(html)?.[1];
    expect(message(wrong.text)).toBe('That email address and password do not match an account.');
    expect(message(unknown.text)).toBe(message(wrong.text));
    expect(wrong.text).toContain(`value="${editor.user.email}"`);
    expect(wrong.text).not.toContain('not the password');
  });

  it(`the ${SIGN_IN_FAILURES_BEFORE_LOCK + 1}th try after ${SIGN_IN_FAILURES_BEFORE_LOCK} wrong passwords answers 429 with the wait, even with the right password`, async () => {
    const { user, password } = await createStaff(t, 'editor');
    for (let i = 0; i < SIGN_IN_FAILURES_BEFORE_LOCK; i++) {
      expect((await request(t.url).post('/desk/login').type('form').send({ email: user.email, password: 'wrong password' })).status).toBe(401);
    }
    const res = await request(t.url).post('/desk/login').type('form').send({ email: user.email, password });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.text).toContain('Too many failed sign-ins. Please wait 1 minute and try again.');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('an empty form answers 400 with a message for each field', async () => {
    const res = await request(t.url).post('/desk/login').type('form').send({});
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter your email address');
    expect(res.text).toContain('Enter your password');
  });

  it('a good sign-in answers 303 to next= when it is a desk path', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const res = await request(t.url).post('/desk/login').type('form').send({ email: user.email, password, next: '/desk/account?tab=2' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk/account?tab=2');
    expect(res.headers['set-cookie']?.[0]).toMatch(/^tipdesk_staff=.+; Path=\/; HttpOnly; SameSite=Lax/);
  });

  it.each([
    ['an absolute URL', 'https://evil.example/desk'],
    ['a protocol-relative URL', '//evil.example/desk'],
    ['a backslash trick', '/\\evil.example'],
    ['a path outside the desk', '/api/tips'],
    ['a dot-dot escape from the desk', '/desk/../api/staff'],
    ['the sign-in page itself', '/desk/login'],
    ['a javascript: URL', 'javascript:alert(1)'],
  ])('a bad next= (%s) is ignored: sign-in goes to the desk', async (_name, next) => {
    const { user, password } = await createStaff(t, 'editor');
    const res = await request(t.url).post('/desk/login').type('form').send({ email: user.email, password, next });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk');
    const form = await request(t.url).get(`/desk/login?next=${encodeURIComponent(next)}`);
    expect(form.text).not.toContain('name="next"');
  });

  it('GET /desk/login while signed in goes straight on', async () => {
    const res = await request(t.url).get('/desk/login?next=%2Fdesk%2Faccount').set('Cookie', editor.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk/account');
  });
});

describe('forms without the CSRF token', () => {
  it('POST /desk/logout without _csrf answers a 403 page and keeps the session', async () => {
    const res = await request(t.url).post('/desk/logout').set('Cookie', editor.cookie).type('form').send({});
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('did not carry a valid CSRF token');
    expect((await request(t.url).get('/desk/account').set('Cookie', editor.cookie)).status).toBe(200);
  });

  it('POST /desk/account/password with a wrong _csrf answers a 403 page', async () => {
    const res = await request(t.url)
      .post('/desk/account/password')
      .set('Cookie', editor.cookie)
      .type('form')
      .send({ _csrf: 'wrong', currentPassword: editor.password, newPassword: 'x' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('did not carry a valid CSRF token');
  });

  it('POST /desk/logout with the page token signs out and lands on the sign-in page', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const { cookie, csrf } = await pageSignIn(user.email, password);
    const res = await request(t.url).post('/desk/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk/login?notice=signed-out');
    expect((await request(t.url).get('/desk/account').set('Cookie', cookie)).status).toBe(303);
  });
});

describe('desk forms with bad input', () => {
  const form = (path: string, fields: Record<string, string>, who: SignedInStaff = editor) =>
    request(t.url)
      .post(path)
      .set('Cookie', who.cookie)
      .type('form')
      .send({ _csrf: who.csrfToken, ...fields });

  it.each([
    ['POST /desk/next', '/desk/next'],
    ['POST /desk/tips/:id/status', '/desk/tips/{tip}/status'],
    ['POST /desk/tips/:id/notes', '/desk/tips/{tip}/notes'],
    ['POST /desk/staff', '/desk/staff'],
  ])('%s without _csrf answers a 403 page and changes nothing', async (_name, path) => {
    const before = { version: await tipVersion(), notes: await t.count('notes'), staff: await t.count('staff_users') };
    const res = await request(t.url)
      .post(path.replace('{tip}', tipId))
      .set('Cookie', path.includes('staff') ? admin.cookie : editor.cookie)
      .type('form')
      .send({
        status: 'spam',
        body: 'x',
        version: String(before.version),
        email: 'x@newsroom.test',
        name: 'X',
        role: 'admin',
        password: 'long enough password 1',
      });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('did not carry a valid CSRF token');
    expect({ version: await tipVersion(), notes: await t.count('notes'), staff: await t.count('staff_users') }).toEqual(before);
  });

  it('the queue and the tip page show the channel as an icon beside its name (inline SVG, hidden from screen readers)', async () => {
    const queue = await request(t.url).get('/desk').set('Cookie', editor.cookie).expect(200);
    expect(queue.text).toMatch(
      /<dd class="channel"><svg class="channel-icon channel-api" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d="M[^"]+"\/><\/svg>API<\/dd>/,
    );
    const page = await request(t.url).get(`/desk/tips/${tipId}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain('<svg class="channel-icon channel-api"');
  });

  it('GET /desk/tips/not-a-uuid answers a 400 page naming the id', async () => {
    const res = await request(t.url).get('/desk/tips/not-a-uuid').set('Cookie', editor.cookie);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Not a valid tip id');
  });

  it('GET /desk/tips/<unknown uuid> answers a 404 page', async () => {
    const res = await request(t.url).get('/desk/tips/00000000-0000-4000-8000-000000000000').set('Cookie', editor.cookie);
    expect(res.status).toBe(404);
    expect(res.text).toContain('There is no tip with that id.');
  });

  it('a status change with a stale version answers 409 with the tip as it is now', async () => {
    const version = await tipVersion();
    expect((await form(`/desk/tips/${tipId}/status`, { status: 'in_review', version: String(version) })).status).toBe(303);
    const res = await form(`/desk/tips/${tipId}/status`, { status: 'spam', version: String(version) });
    expect(res.status).toBe(409);
    expect(res.text).toContain('Someone else changed this tip');
    expect(res.text).toContain(`name="version" value="${version + 1}"`);
    expect((await t.db.query('SELECT status FROM tips WHERE id = $1', [tipId])).rows[0].status).toBe('in_review');
  });

  it.each([
    ['a status that is not one', { status: 'published' }, 'There is no status'],
    ['a move the state machine forbids', { status: 'new' }, 'cannot go from'],
  ])('a status change with %s answers a page with the reason and changes nothing', async (_name, fields, message) => {
    const version = await tipVersion();
    const res = await form(`/desk/tips/${tipId}/status`, { ...fields, version: String(version) });
    expect([400, 409]).toContain(res.status);
    expect(res.text).toContain(message);
    expect(await tipVersion()).toBe(version);
  });

  it('a status change without a version answers 400', async () => {
    const res = await form(`/desk/tips/${tipId}/status`, { status: 'spam' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('version must be the whole number');
  });

  it.each([
    ['a priority out of range', { priority: '9' }, 'priority-error'],
    ['a tag with odd characters', { tags: 'ok, <b>bold</b>' }, 'tags-error'],
    ['an assignee who is not staff', { assigneeId: '00000000-0000-4000-8000-000000000000' }, undefined],
  ])('the triage form with %s answers a page with the reason and changes nothing', async (_name, fields, errorId) => {
    const version = await tipVersion();
    const res = await form(`/desk/tips/${tipId}`, { priority: '0', tags: '', assigneeId: '', duplicateOf: '', version: String(version), ...fields });
    expect(res.status).toBeGreaterThanOrEqual(400);
    if (errorId) expect(res.text).toContain(`id="${errorId}"`);
    expect(res.text).not.toContain('<b>bold</b>');
    expect(await tipVersion()).toBe(version);
  });

  it('a note longer than the limit answers 400 and keeps the text', async () => {
    const res = await form(`/desk/tips/${tipId}/notes`, { body: 'n'.repeat(10_001) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="note-error"');
  });

  it('a non-uuid staff id answers a 400 page', async () => {
    const res = await form('/desk/staff/not-a-uuid/disable', {}, admin);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Not a valid staff id');
  });

  it('an editor posting to the staff pages gets a 403 page', async () => {
    const res = await form('/desk/staff', { email: 'sneaky@newsroom.test', name: 'Sneaky', role: 'admin', password: 'long enough password 1' });
    expect(res.status).toBe(403);
    expect(await t.count("staff_users WHERE email = 'sneaky@newsroom.test'")).toBe(0);
  });

  it('queue filters that are not valid are named and dropped; a forged cursor falls back to the first page', async () => {
    const res = await request(t.url).get('/desk?status=published&channel=pigeon&from=soon&cursor=forged').set('Cookie', editor.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('id="filter-errors"');
    expect(res.text).toContain('This page link is not valid any more');
    expect(res.text).toContain('A tip for the page tests');
  });

  it('?notice= only shows the fixed sentences, never text from the address', async () => {
    const res = await request(t.url).get('/desk?notice=%3Cscript%3Ealert(1)%3C%2Fscript%3E').set('Cookie', editor.cookie);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('id="notice"');
    expect(res.text).not.toContain('alert(1)');
  });
});

describe('account page', () => {
  it('a new password that is too short answers 400 with the message next to the field', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const { cookie, csrf } = await pageSignIn(user.email, password);
    const res = await request(t.url)
      .post('/desk/account/password')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, currentPassword: password, newPassword: 'short', newPasswordAgain: 'short' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="newPassword-error"');
    expect(res.text).toContain('Use at least 12 characters');
  });

  it('confirming two-factor sign-in with a wrong code answers 400 and shows the same QR code', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const { cookie, csrf } = await pageSignIn(user.email, password);
    const started = await request(t.url).post('/desk/account/2fa').set('Cookie', cookie).type('form').send({ _csrf: csrf });
    expect(started.status).toBe(200);
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(started.text)?.[1];
    expect(secret).toBeDefined();
    const res = await request(t.url).post('/desk/account/2fa/confirm').set('Cookie', cookie).type('form').send({ _csrf: csrf, code: '000000', secret });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`id="totp-secret">${secret}<`);
    expect(res.text).toContain('id="code-error"');
  });
});

describe('REQUIRE_2FA', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ REQUIRE_2FA: 'true' });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it('a staff member without two-factor sign-in is sent to /desk/account by sign-in and by every desk page', async () => {
    const { user, password } = await createStaff(strict, 'admin');
    const login = await request(strict.url).post('/desk/login').type('form').send({ email: user.email, password, next: '/desk/staff' });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/desk/account');
    const cookie = sessionCookie(login);
    const account = await request(strict.url).get('/desk/account').set('Cookie', cookie);
    expect(account.status).toBe(200);
    expect(account.text).toContain('Set up two-factor sign-in first');
  });
});
