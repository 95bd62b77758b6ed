// The contributor's /status pages over HTTP: signing in with the receipt (and every way that
// fails), the tip page, replying, signing out, and what a contributor session may not reach.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { MESSAGE_MAX_LENGTH } from '../../src/desk/desk.entities.js';
import { postTip, type Receipt } from '../support/fixtures.js';
import { sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let editor: SignedInStaff;

beforeAll(async () => {
  t = await startTestApp();
  editor = await signedInStaff(t, 'editor');
});
afterAll(async () => {
  await t?.close();
});

/** Posts the /status sign-in form as a browser without JavaScript does. */
function signInForm(reference: string, secret: string) {
  return request(t.url).post('/status/sign-in').type('form').set('Accept', 'text/html').send({ reference, secret });
}

interface ContributorPage {
  cookie: string;
  csrfToken: string;
  html: string;
}

/** Signs in through the form and loads /status/tip; the CSRF token comes from the page's own forms. */
async function signedInContributor(receipt: Receipt): Promise<ContributorPage> {
  const res = await signInForm(receipt.reference, receipt.secret);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/status/tip');
  const cookie = sessionCookie(res, 'tipdesk_contributor');
  const page = await request(t.url).get('/status/tip').set('Cookie', cookie).expect(200);
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(csrfToken).toBeDefined();
  return { cookie, csrfToken: csrfToken!, html: page.text };
}

function reply(page: ContributorPage, fields: Record<string, string>) {
  return request(t.url).post('/status/tip/messages').type('form').set('Accept', 'text/html').set('Cookie', page.cookie).send(fields);
}

const messagesOf = async (tipId: string) =>
  (await t.db.query('SELECT direction, channel, body FROM messages WHERE tip_id = $1 ORDER BY created_at', [tipId])).rows;

describe('signing in on /status', () => {
  it('GET /status shows the sign-in form with the reference from the receipt link, not cached', async () => {
    const res = await request(t.url).get('/status?reference=TD-ABCD-EFGH').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).toContain('action="/status/sign-in"');
    expect(res.text).toContain('value="TD-ABCD-EFGH"');
  });

  it('the right reference and secret: a contributor cookie and 303 to /status/tip, which shows the tip', async () => {
    const receipt = await postTip(t);
    const res = await signInForm(receipt.reference.toLowerCase(), receipt.secret);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status/tip');
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tipdesk_contributor='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const page = await request(t.url).get('/status/tip').set('Cookie', sessionCookie(res, 'tipdesk_contributor')).expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain(receipt.reference);
    expect(page.text).toContain('Received: an editor will look at it soon');
    expect(page.text).toContain('aria-current="step"');
  });

  it('wrong secret and unknown reference: the same page and the same 401', async () => {
    const receipt = await postTip(t);
    const wrong = await signInForm(receipt.reference, 'AAAA-BBBB-CCCC');
    const unknown = await signInForm('TD-0000-0000', receipt.secret);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.text).toContain('That reference and secret do not match a tip.');
    // The form keeps what was typed as the reference; apart from that the two pages are identical.
    expect(unknown.text.replace('TD-0000-0000', 'REF')).toBe(wrong.text.replace(receipt.reference, 'REF'));
  });

  it('brute force: 10 wrong secrets, then the locked page (429 with Retry-After), even for the right secret', async () => {
    const receipt = await postTip(t);
    for (let i = 0; i < 10; i++) expect((await signInForm(receipt.reference, `WRONG-${i}`)).status).toBe(401);
    const locked = await signInForm(receipt.reference, receipt.secret);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.text).toContain('Too many failed sign-ins. Please wait');
    expect(locked.headers['set-cookie']).toBeUndefined();
    // An unknown reference locks exactly the same way, so the lock says nothing about existence.
    for (let i = 0; i < 10; i++) expect((await signInForm('TD-ZZZZ-ZZZZ', `WRONG-${i}`)).status).toBe(401);
    expect((await signInForm('TD-ZZZZ-ZZZZ', 'WRONG')).status).toBe(429);
  });

  it('an empty form: 400 naming both fields, no session', async () => {
    const res = await signInForm('', '');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter the reference from your receipt');
    expect(res.text).toContain('Enter the secret from your receipt');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a sign-in form posted from another site: 403', async () => {
    const receipt = await postTip(t);
    const res = await signInForm(receipt.reference, receipt.secret).set('Sec-Fetch-Site', 'cross-site');
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('sign-in throttle per client address (RATE_LIMIT_SIGN_INS_PER_15_MINUTES), apart from the reference lock', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ RATE_LIMIT_SIGN_INS_PER_15_MINUTES: '4' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  // TRUST_PROXY is loopback by default, so the test names each client address as a proxy on this host would.
  const api = (from: string, reference: string, secret: string) =>
    request(limited.url).post('/api/contributor/session').set('X-Forwarded-For', from).send({ reference, secret });
  const form = (from: string, reference: string, secret: string) =>
    request(limited.url).post('/status/sign-in').type('form').set('Accept', 'text/html').set('X-Forwarded-For', from).send({ reference, secret });
  const tip = async () =>
    (
      await request(limited.url)
        .post('/api/tips')
        .send({ story: 'Flooding on the high street', consentTerms: true, consentOwnWork: true, consentOver18: true })
        .expect(201)
    ).body as Receipt;

  it('one address past the limit, across references and both the API and the form: 429 RATE_LIMITED with Retry-After, even for the right secret; another address still signs in', async () => {
    const receipts = [await tip(), await tip()];
    // Four attempts from one address, spread over two references (two failures each: far from the
    // ten that lock a reference), half through the API and half through the /status form.
    expect((await api('203.0.113.7', receipts[0].reference, 'AAAA-BBBB')).status).toBe(401);
    expect((await form('203.0.113.7', receipts[1].reference, 'AAAA-BBBB')).status).toBe(401);
    expect((await api('203.0.113.7', receipts[1].reference, 'AAAA-BBBB')).status).toBe(401);
    expect((await form('203.0.113.7', receipts[0].reference, 'AAAA-BBBB')).status).toBe(401);

    const throttled = await api('203.0.113.7', receipts[0].reference, receipts[0].secret);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(throttled.body.message).toMatch(/Too many attempts from your connection/);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect(throttled.headers['set-cookie']).toBeUndefined();

    const page = await form('203.0.113.7', receipts[1].reference, receipts[1].secret);
    expect(page.status).toBe(429);
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
    expect(page.text).toContain('Too many attempts from your connection');
    expect(page.headers['set-cookie']).toBeUndefined();

    // The throttle is the address's, not the references': neither reference is locked, and another
    // address signs in to both with the right secret (through the API and through the form).
    const locks = await limited.db.query(`SELECT count(*)::int AS n FROM sign_in_throttles WHERE locked_until > now()`);
    expect(locks.rows[0].n).toBe(0);
    expect((await api('198.51.100.20', receipts[0].reference, receipts[0].secret)).status).toBe(200);
    const other = await form('198.51.100.20', receipts[1].reference, receipts[1].secret);
    expect(other.status).toBe(303);
    expect(other.headers.location).toBe('/status/tip');
  });

  it('the reference lock is separate: ten failures from ten addresses lock the reference (429 SIGN_IN_LOCKED), not any address', async () => {
    const receipt = await tip();
    for (let i = 0; i < 10; i++) expect((await api(`192.0.2.${i + 1}`, receipt.reference, `WRONG-${i}`)).status).toBe(401);
    const locked = await api('192.0.2.99', receipt.reference, receipt.secret);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('SIGN_IN_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // The fresh address is not throttled: another tip signs in from it.
    const fresh = await tip();
    expect((await api('192.0.2.99', fresh.reference, fresh.secret)).status).toBe(200);
  });
});

describe('the tip page', () => {
  it('signed out, /status/tip is a 303 to /status; an ended session says so', async () => {
    const res = await request(t.url).get('/status/tip').set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status');
    expect(res.headers['cache-control']).toBe('no-store');
    const ended = await request(t.url).get('/status/tip').set('Cookie', 'tipdesk_contributor=not-a-session');
    expect(ended.status).toBe(303);
    expect(ended.headers.location).toBe('/status?notice=session-ended');
  });

  it('shows only its own tip: the desk’s messages to it, escaped with line breaks kept, and none of another tip', async () => {
    const mine = await postTip(t);
    const other = await postTip(t, { story: 'Another story' });
    await editor.post(`/api/tips/${mine.id}/messages`).send({ body: 'Did you film this yourself?\nAnd <b>when</b>?' }).expect(201);
    await editor.post(`/api/tips/${other.id}/messages`).send({ body: 'A message for somebody else' }).expect(201);
    const page = await signedInContributor(mine);
    expect(page.html).toContain('Did you film this yourself?\nAnd &lt;b&gt;when&lt;/b&gt;?');
    expect(page.html).not.toContain('<b>when</b>');
    expect(page.html).not.toContain('somebody else');
    expect(page.html).not.toContain(other.reference);
  });

  it('a reply through the form: 303 back with a notice; stored on the tip’s channel and audited without its text', async () => {
    const receipt = await postTip(t);
    const page = await signedInContributor(receipt);
    const res = await reply(page, { _csrf: page.csrfToken, body: '  I filmed it at 7pm.\n\nFrom my balcony.  ' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status/tip?notice=reply-sent#messages');
    const [{ channel }] = (await t.db.query('SELECT channel FROM tips WHERE id = $1', [receipt.id])).rows;
    expect(await messagesOf(receipt.id)).toEqual([{ direction: 'from_contributor', channel, body: 'I filmed it at 7pm.\n\nFrom my balcony.' }]);
    const events = (await t.db.query(`SELECT actor_type, after FROM audit_events WHERE action = 'contributor.message_sent' AND entity_id = $1`, [receipt.id]))
      .rows;
    expect(events).toHaveLength(1);
    expect(events[0].actor_type).toBe('contributor');
    expect(JSON.stringify(events[0].after)).not.toContain('balcony');

    const after = await request(t.url).get('/status/tip?notice=reply-sent').set('Cookie', page.cookie).expect(200);
    expect(after.text).toContain('Your reply has been sent to the newsroom.');
    expect(after.text).toContain('I filmed it at 7pm.\n\nFrom my balcony.');
    // The desk reads it on the tip.
    const tip = await editor.get(`/api/tips/${receipt.id}`).expect(200);
    expect(tip.body.messages).toEqual([
      expect.objectContaining({ direction: 'from_contributor', author: null, body: 'I filmed it at 7pm.\n\nFrom my balcony.' }),
    ]);
    // The desk's tip page names the reply in the tip's history.
    const deskPage = await editor.get(`/desk/tips/${receipt.id}`).expect(200);
    expect(deskPage.text).toContain('Reply from the contributor (status page)');
    expect(deskPage.text).toContain('I filmed it at 7pm.');
  });

  it('a reply without _csrf: 403 and nothing stored', async () => {
    const receipt = await postTip(t);
    const page = await signedInContributor(receipt);
    const res = await reply(page, { body: 'No token here' });
    expect(res.status).toBe(403);
    const wrongToken = await reply(page, { _csrf: 'x'.repeat(page.csrfToken.length), body: 'A wrong token' });
    expect(wrongToken.status).toBe(403);
    expect(await messagesOf(receipt.id)).toEqual([]);
  });

  it('a reply too long, empty or only spaces: 400 with the page and what was typed, nothing stored', async () => {
    const receipt = await postTip(t);
    const page = await signedInContributor(receipt);
    const long = 'x'.repeat(MESSAGE_MAX_LENGTH + 1);
    const tooLong = await reply(page, { _csrf: page.csrfToken, body: long });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain(`A reply can be at most ${MESSAGE_MAX_LENGTH} characters`);
    expect(tooLong.text).toContain(long);
    for (const body of ['', '   \n  ']) {
      const res = await reply(page, { _csrf: page.csrfToken, body });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Write your reply');
    }
    expect((await reply(page, { _csrf: page.csrfToken })).status).toBe(400);
    expect(await messagesOf(receipt.id)).toEqual([]);
  });

  it('signing out ends the session: the cookie no longer opens the tip page', async () => {
    const receipt = await postTip(t);
    const page = await signedInContributor(receipt);
    const res = await request(t.url).post('/status/sign-out').type('form').set('Cookie', page.cookie).send({ _csrf: page.csrfToken });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status?notice=signed-out');
    const after = await request(t.url).get('/status/tip').set('Cookie', page.cookie);
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/status/);
  });

  it('signing out without _csrf: 403, still signed in', async () => {
    const receipt = await postTip(t);
    const page = await signedInContributor(receipt);
    expect((await request(t.url).post('/status/sign-out').type('form').set('Cookie', page.cookie).send({})).status).toBe(403);
    await request(t.url).get('/status/tip').set('Cookie', page.cookie).expect(200);
  });
});

describe('a contributor session elsewhere', () => {
  it('calling /api/tips or /desk: 401 AUTH_REQUIRED and the desk sign-in, as when signed out (the session is no staff sign-in)', async () => {
    const page = await signedInContributor(await postTip(t));
    const api = await request(t.url).get('/api/tips').set('Cookie', page.cookie);
    const anonymous = await request(t.url).get('/api/tips');
    expect(api.status).toBe(401);
    expect(api.body).toEqual(anonymous.body);
    expect(api.body).toMatchObject({ statusCode: 401, code: 'AUTH_REQUIRED' });
    const desk = await request(t.url).get('/desk').set('Accept', 'text/html').set('Cookie', page.cookie);
    const deskSignedOut = await request(t.url).get('/desk').set('Accept', 'text/html');
    expect(desk.status).toBe(303);
    expect(desk.headers.location).toBe(deskSignedOut.headers.location);
    expect(desk.headers.location).toMatch(/^\/desk\/login/);
    const claimed = async () => (await t.db.query(`SELECT count(*)::int AS n FROM tips WHERE assignee_id IS NOT NULL`)).rows[0].n as number;
    const claimedBefore = await claimed();
    const next = await request(t.url).post('/api/tips/next').set('Cookie', page.cookie).set('X-CSRF-Token', page.csrfToken);
    expect(next.status).toBe(401);
    expect(next.body.code).toBe('AUTH_REQUIRED');
    expect(await claimed()).toBe(claimedBefore);
    // The contributor's own session is untouched: their page still opens.
    await request(t.url).get('/status/tip').set('Cookie', page.cookie).expect(200);
  });

  it('POST /api/contributor/messages: 201 with the message; too long 400; without the CSRF header 403', async () => {
    const receipt = await postTip(t);
    const session = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret }).expect(200);
    const cookie = sessionCookie(session, 'tipdesk_contributor');
    const csrf = session.body.csrfToken as string;
    const sent = await request(t.url).post('/api/contributor/messages').set('Cookie', cookie).set('X-CSRF-Token', csrf).send({ body: 'Yes, it is mine.' });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ direction: 'from_contributor', body: 'Yes, it is mine.' });
    const tooLong = await request(t.url)
      .post('/api/contributor/messages')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ body: 'x'.repeat(MESSAGE_MAX_LENGTH + 1) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.fields.body).toBeDefined();
    expect((await request(t.url).post('/api/contributor/messages').set('Cookie', cookie).send({ body: 'No token' })).status).toBe(403);
    const tip = await request(t.url).get('/api/contributor/tip').set('Cookie', cookie).expect(200);
    expect(tip.body.messages).toEqual([expect.objectContaining({ direction: 'from_contributor', body: 'Yes, it is mine.' })]);
  });
});

describe('offers on the tip page', () => {
  function offer(tipId: string, amountMinor = 25_000, licence = 'exclusive') {
    return editor.post(`/api/tips/${tipId}/payouts`).send({ amountMinor, currency: 'GBP', licence });
  }
  // Issue 11: the offer form posts to the tip page's own address (so after a mistake the address is still /status/tip).
  function answer(page: ContributorPage, payoutId: string, action: 'accept' | 'decline', fields: Record<string, string> = {}) {
    const path = action === 'accept' ? '/status/tip' : `/status/tip/payouts/${payoutId}/decline`;
    const body = action === 'accept' ? { _csrf: page.csrfToken, payoutId, ...fields } : { _csrf: page.csrfToken, ...fields };
    return request(t.url).post(path).type('form').set('Accept', 'text/html').set('Cookie', page.cookie).send(body);
  }
  const stateOf = async (payoutId: string) => (await t.db.query('SELECT state FROM payouts WHERE id = $1', [payoutId])).rows[0].state as string;
  const UK_BANK = {
    confirmLicence: 'true',
    method: 'uk_bank',
    accountName: 'Jo Bloggs',
    sortCode: '12-34-56',
    accountNumber: '12345678',
    iban: '',
    bic: '',
    paypalEmail: '',
  };

  it('an offer shows in words with its licence, the accept form (asking how to pay first, no way chosen yet) and a link to decline, and moves the steps to "Offer made"', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    expect(page.html).toContain('We’d like to pay you £250 for exclusive use of your story');
    expect(page.html).toContain('Exclusive licence: only we may publish');
    expect(page.html).toContain('action="/status/tip"');
    expect(page.html).toContain(`name="payoutId" value="${payout.id}"`);
    expect(page.html.indexOf('How should we pay you?')).toBeLessThan(page.html.indexOf('Account holder’s name'));
    expect(page.html).not.toMatch(/name="method" value="[a-z_]+" checked/);
    expect(page.html).toContain(`href="/status/tip/payouts/${payout.id}/decline"`);
    expect(page.html).toMatch(/aria-current="step"><span class="step-label">Offer made<\/span>/);
  });

  it('accept without the licence box ticked and with a bad sort code: 400 naming both, typed details kept, still offered', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    const res = await answer(page, payout.id, 'accept', { ...UK_BANK, confirmLicence: '', sortCode: '12-34' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Tick the box to agree to the licence');
    expect(res.text).toContain('Enter the 6-digit sort code');
    expect(res.text).toContain('value="Jo Bloggs"');
    expect(await stateOf(payout.id)).toBe('offered');
  });

  // Issue 11: the form shows only the chosen way's fields, so details left in another way's (hidden) fields are not used.
  it('details typed under a way not chosen are not used: PayPal chosen with stale bank details still hidden in the form is a PayPal payee (303)', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    const res = await answer(page, payout.id, 'accept', { ...UK_BANK, method: 'paypal', paypalEmail: 'jo@example.com' });
    expect(res.status).toBe(303);
    expect(await stateOf(payout.id)).toBe('accepted');
    const {
      rows: [payee],
    } = await t.db.query(`SELECT d.method, d.masked FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id WHERE p.id = $1`, [payout.id]);
    expect(payee.method).toBe('paypal');
  });

  it('accept with no way to pay chosen: 400 asking how we should pay, listed at the top (focus there), the address still /status/tip', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    const res = await answer(page, payout.id, 'accept', { confirmLicence: 'true', accountName: 'Jo Bloggs' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="error-summary" tabindex="-1" autofocus/);
    expect(res.text).toContain('Choose how we should pay you');
    expect(res.text.indexOf('id="error-summary"')).toBeLessThan(res.text.indexOf('id="progress"'));
    expect(await stateOf(payout.id)).toBe('offered');
  });

  it('an offer form naming no offer (or not an id): 400, nothing changes', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    const res = await request(t.url)
      .post('/status/tip')
      .type('form')
      .set('Accept', 'text/html')
      .set('Cookie', page.cookie)
      .send({ _csrf: page.csrfToken, payoutId: 'nope', ...UK_BANK });
    expect(res.status).toBe(400);
    expect(await stateOf(payout.id)).toBe('offered');
  });

  it('“No thanks” asks first on a page of its own (declining is final); going back leaves the offer open', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    const ask = await request(t.url).get(`/status/tip/payouts/${payout.id}/decline`).set('Cookie', page.cookie).expect(200);
    expect(ask.text).toContain('Decline this offer?');
    expect(ask.text).toContain('Declining is final');
    expect(ask.text).toContain(`action="/status/tip/payouts/${payout.id}/decline"`);
    expect(ask.text).toContain('href="/status/tip"');
    expect(await stateOf(payout.id)).toBe('offered');
  });

  it('accept with UK bank details: 303 with a notice; the page shows the payment masked and the steps at "Accepted"', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    const res = await answer(page, payout.id, 'accept', UK_BANK);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status/tip?notice=offer-accepted');
    expect(await stateOf(payout.id)).toBe('accepted');
    const after = await request(t.url).get('/status/tip?notice=offer-accepted').set('Cookie', page.cookie).expect(200);
    expect(after.text).toContain('you have accepted our offer');
    expect(after.text).toContain('****5678');
    expect(after.text).not.toContain('12345678');
    expect(after.text).not.toContain('/accept"');
    expect(after.text).toMatch(/aria-current="step"><span class="step-label">Accepted<\/span>/);

    // Accepting again: 409, said at the top of the page.
    const again = await answer(page, payout.id, 'accept', UK_BANK);
    expect(again.status).toBe(409);
    expect(again.text).toContain('id="notice"');
  });

  it('decline: 303 with a notice, the offer is declined and its forms are gone', async () => {
    const receipt = await postTip(t);
    const payout = (await offer(receipt.id).expect(201)).body;
    const page = await signedInContributor(receipt);
    const res = await answer(page, payout.id, 'decline');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status/tip?notice=offer-declined');
    expect(await stateOf(payout.id)).toBe('declined');
    const after = await request(t.url).get('/status/tip').set('Cookie', page.cookie).expect(200);
    expect(after.text).toContain('You declined this offer');
    expect(after.text).not.toContain('/decline"');
  });

  it('answering without _csrf: 403; answering another tip’s offer: 404; nothing changes', async () => {
    const mine = await postTip(t);
    const other = await postTip(t, { story: 'Another story' });
    const myPayout = (await offer(mine.id).expect(201)).body;
    const theirs = (await offer(other.id).expect(201)).body;
    const page = await signedInContributor(mine);
    const noToken = await request(t.url).post(`/status/tip/payouts/${myPayout.id}/decline`).type('form').set('Cookie', page.cookie).send({});
    expect(noToken.status).toBe(403);
    expect((await answer(page, theirs.id, 'decline')).status).toBe(404);
    expect((await answer(page, theirs.id, 'accept', UK_BANK)).status).toBe(404);
    expect(await stateOf(myPayout.id)).toBe('offered');
    expect(await stateOf(theirs.id)).toBe('offered');
  });
});

describe('changing payment details on the tip page', () => {
  const UK_BANK = { confirmLicence: 'true', method: 'uk_bank', accountName: 'Jo Bloggs', sortCode: '12-34-56', accountNumber: '12345678' };

  async function acceptedOffer(): Promise<{ receipt: Receipt; page: ContributorPage; payoutId: string }> {
    const receipt = await postTip(t);
    const payout = (await editor.post(`/api/tips/${receipt.id}/payouts`).send({ amountMinor: 10_000, currency: 'GBP', licence: 'non_exclusive' }).expect(201))
      .body;
    const page = await signedInContributor(receipt);
    const accepted = await request(t.url)
      .post('/status/tip')
      .type('form')
      .set('Cookie', page.cookie)
      .send({ _csrf: page.csrfToken, payoutId: payout.id, ...UK_BANK });
    expect(accepted.status).toBe(303);
    return { receipt, page, payoutId: payout.id };
  }
  function change(page: ContributorPage, fields: Record<string, string>) {
    return request(t.url)
      .post('/status/tip/payee-details')
      .type('form')
      .set('Accept', 'text/html')
      .set('Cookie', page.cookie)
      .send({ _csrf: page.csrfToken, ...fields });
  }

  it('approved, scheduled, then a failed payment: the page says so and opens the form; a bad IBAN is named (400), PayPal details are saved (303)', async () => {
    const { page, payoutId } = await acceptedOffer();
    const before = await request(t.url).get('/status/tip').set('Cookie', page.cookie).expect(200);
    expect(before.text).toContain('Change your payment details');
    expect(before.text).not.toContain('<details open>');

    // Accounting approves and batches it; the bank returns it.
    const accountant = await signedInStaff(t, 'accounting');
    const current = async () => (await accountant.get(`/api/payouts/${payoutId}`).expect(200)).body as { version: number };
    await accountant
      .post(`/api/payouts/${payoutId}/approve`)
      .send({ version: (await current()).version, acknowledgeRisks: await openRiskCodes(accountant, payoutId) })
      .expect(200);
    expect((await request(t.url).get('/status/tip').set('Cookie', page.cookie)).text).toMatch(/aria-current="step"><span class="step-label">Payment approved</);
    // Issue 11: a ledger export (csv) is a record, not a bank file: what the contributor is told does not change.
    const batch = (await accountant.post('/api/payout-batches').send({ format: 'csv' }).expect(201)).body as { id: string };
    const afterLedger = (await request(t.url).get('/status/tip').set('Cookie', page.cookie)).text;
    expect(afterLedger).toMatch(/aria-current="step"><span class="step-label">Payment approved</);
    expect(afterLedger).not.toContain('Payment scheduled</span><span class="visually-hidden"> (now)');
    // Only a batch marked sent can have its payouts settled (issue 12).
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
    await accountant
      .post(`/api/payouts/${payoutId}/mark-failed`)
      .send({ version: (await current()).version, reason: 'ARUCS 5: no account' })
      .expect(200);
    const failed = await request(t.url).get('/status/tip').set('Cookie', page.cookie).expect(200);
    expect(failed.text).toContain('Payment failed – please update your details.');
    expect(failed.text).toContain('<details open>');
    expect(failed.text).toContain('Update your payment details');
    expect(failed.text).not.toContain('ARUCS');

    const bad = await change(page, { method: 'iban', accountName: 'Jo Bloggs', iban: 'GB00 NOPE 0000', bic: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a valid IBAN');
    expect(bad.text).toContain('value="GB00 NOPE 0000"');

    const versions = async () => Number((await t.db.query('SELECT count(*) AS n FROM payee_details')).rows[0].n);
    const versionsBefore = await versions();
    const saved = await change(page, { method: 'paypal', accountName: 'Jo Bloggs', paypalEmail: 'jo@example.com' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/status/tip?notice=details-updated');
    expect(await versions()).toBe(versionsBefore + 1);
    const after = await request(t.url).get('/status/tip?notice=details-updated').set('Cookie', page.cookie).expect(200);
    expect(after.text).toContain('Your payment details have been saved.');
    expect(after.text).not.toContain('jo@example.com');
  });

  it('before any offer is accepted there is no form, and a post says why (409)', async () => {
    const page = await signedInContributor(await postTip(t));
    expect(page.html).not.toContain('/status/tip/payee-details');
    const res = await change(page, { method: 'paypal', accountName: 'Jo Bloggs', paypalEmail: 'jo@example.com' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('Accept an offer first');
  });

  it('without _csrf: 403 and nothing saved', async () => {
    const { page } = await acceptedOffer();
    const count = Number((await t.db.query('SELECT count(*) AS n FROM payee_details')).rows[0].n);
    const res = await request(t.url)
      .post('/status/tip/payee-details')
      .type('form')
      .set('Cookie', page.cookie)
      .send({ method: 'paypal', accountName: 'X', paypalEmail: 'x@example.com' });
    expect(res.status).toBe(403);
    expect(Number((await t.db.query('SELECT count(*) AS n FROM payee_details')).rows[0].n)).toBe(count);
  });
});
