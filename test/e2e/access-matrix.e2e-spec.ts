import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { ACCESS_OUTSIDE_NEST, type Audience } from '../../src/staff/access.js';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { SESSION_COOKIES, SessionsService } from '../../src/staff/sessions.service.js';
import type { StaffRole } from '../../src/staff/staff.entities.js';
import { createStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Who may call what, as data: every route the app serves, and the callers allowed through.
 * A new route fails the first test until it is added here, so nobody ships a route whose
 * access nobody decided. (`public` routes may still answer 4xx for other reasons.)
 */
const ACCESS: Record<string, Audience[]> = {
  'GET /health': ['public'],
  'GET /health/live': ['public'],
  'GET /health/ready': ['public'],
  // Public to the guard; the controller itself answers 404 unless the caller is on a private network or has METRICS_TOKEN.
  'GET /metrics': ['public'],
  'GET /': ['public'],
  'POST /': ['public'],
  'GET /privacy': ['public'],
  'GET /favicon.ico': ['public'],
  'GET /paper/logo': ['public'],
  'GET /status': ['public'],
  'POST /status/sign-in': ['public'],
  'GET /status/tip': ['contributor'],
  'POST /status/tip': ['contributor'],
  'POST /status/tip/messages': ['contributor'],
  'POST /status/tip/erasure-request': ['contributor'],
  'POST /status/sign-out': ['contributor'],
  'GET /status/tip/payouts/:id/decline': ['contributor'],
  'POST /status/tip/payouts/:id/decline': ['contributor'],
  'POST /status/tip/payee-details': ['contributor'],
  'POST /status/tip/files': ['contributor'],
  'POST /api/tips': ['public'],
  // Proof of work: a challenge is for anyone (it is what lets a busy connection post at all).
  'GET /api/pow/challenge': ['public'],
  // Meta's webhook: open to the network, but a delivery counts only with a valid X-Hub-Signature-256.
  'GET /api/channels/whatsapp/webhook': ['public'],
  'POST /api/channels/whatsapp/webhook': ['public'],
  // A mail server's pipe or a provider's inbound hook: a message counts only with INBOUND_EMAIL_TOKEN.
  'POST /api/channels/email/inbound': ['public'],

  'POST /api/auth/login': ['public'],
  'POST /api/auth/setup': ['public'],
  'POST /api/auth/logout': ['admin', 'editor', 'accounting'],
  'GET /api/auth/me': ['admin', 'editor', 'accounting'],
  'POST /api/auth/totp/setup': ['admin', 'editor', 'accounting'],
  'POST /api/auth/totp/confirm': ['admin', 'editor', 'accounting'],
  'POST /api/auth/password': ['admin', 'editor', 'accounting'],

  'GET /api/staff': ['admin'],
  'POST /api/staff': ['admin'],
  'PATCH /api/staff/:id': ['admin'],
  'POST /api/staff/:id/reset-2fa': ['admin'],
  'POST /api/staff/:id/unlock': ['admin'],
  'POST /api/staff/:id/password': ['admin'],

  'POST /api/contributor/session': ['public'],
  'DELETE /api/contributor/session': ['contributor'],
  'GET /api/contributor/tip': ['contributor'],
  'POST /api/contributor/messages': ['contributor'],
  'POST /api/contributor/media': ['contributor'],
  'GET /api/contributor/export': ['contributor'],

  'GET /api/tips': ['editor', 'admin'],
  'GET /api/tips/:id': ['editor', 'admin'],
  'POST /api/tips/next': ['editor', 'admin'],
  'PATCH /api/tips/:id': ['editor', 'admin'],
  'POST /api/tips/:id/notes': ['editor', 'admin'],
  'POST /api/tips/:id/messages': ['editor', 'admin'],
  'POST /api/tips/phone': ['editor', 'admin'],
  'POST /api/tips/:id/media': ['editor', 'admin'],
  'GET /api/media/:id/content': ['editor', 'admin'],
  'GET /api/media/:id/thumbnail': ['editor', 'admin'],
  'GET /api/audit-events': ['admin'],
  'GET /api/audit-events/export': ['admin'],
  'GET /api/jobs/dead-letters': ['admin'],
  'POST /api/tips/:id/payouts': ['editor', 'admin'],
  'POST /api/tips/:id/payouts/waivers': ['admin'],
  'GET /api/tips/:id/payouts': ['editor', 'admin', 'accounting'],
  'GET /api/payouts': ['accounting', 'admin'],
  'GET /api/payouts/totals': ['accounting', 'admin'],
  'GET /api/payouts/:id': ['accounting', 'admin'],
  'POST /api/payouts/:id/approve': ['accounting', 'admin'],
  'POST /api/payouts/:id/clear-risk': ['admin'],
  'POST /api/payouts/:id/hold': ['accounting', 'admin'],
  'POST /api/payouts/:id/release': ['accounting', 'admin'],
  'POST /api/payouts/:id/cancel': ['editor', 'accounting', 'admin'],
  'POST /api/payouts/:id/legal-sign-off': ['admin'],
  'POST /api/payouts/:id/mark-paid': ['accounting', 'admin'],
  'POST /api/payouts/:id/mark-failed': ['accounting', 'admin'],
  'POST /api/payouts/:id/reissue': ['accounting', 'admin'],
  'POST /api/payout-batches': ['accounting', 'admin'],
  'GET /api/payout-batches': ['accounting', 'admin'],
  'GET /api/payout-batches/:id': ['accounting', 'admin'],
  'GET /api/payout-batches/:id/file': ['accounting', 'admin'],
  'POST /api/payout-batches/:id/void': ['accounting', 'admin'],
  'POST /api/payout-batches/:id/void-undelivered': ['admin'],
  'POST /api/payout-batches/:id/sent': ['accounting', 'admin'],
  'POST /api/payout-batches/:id/reconcile': ['accounting', 'admin'],
  'POST /api/bank-statements': ['accounting', 'admin'],
  'GET /api/bank-statements': ['accounting', 'admin'],
  'GET /api/bank-statements/:id': ['accounting', 'admin'],
  'POST /api/contributor/payouts/:id/accept': ['contributor'],
  'POST /api/contributor/payouts/:id/decline': ['contributor'],
  'POST /api/contributor/payouts/payee-details': ['contributor'],
  'POST /api/tips/:id/legal-hold': ['admin'],
  'DELETE /api/tips/:id/legal-hold': ['admin'],
  'POST /api/tips/:id/erase': ['admin'],
  'GET /api/tips/:id/erasure-certificate': ['admin'],
  'GET /api/erasure-requests': ['admin'],
  'POST /api/erasure-requests/:id/carry-out': ['admin'],
  'POST /api/erasure-requests/:id/decline': ['admin'],
  'POST /api/contributor/erasure-request': ['contributor'],
  'GET /api/contributor/erasure-certificate': ['contributor'],

  'GET /desk/setup': ['public'],
  'POST /desk/setup': ['public'],
  'GET /desk/login': ['public'],
  'POST /desk/login': ['public'],
  'POST /desk/logout': ['admin', 'editor', 'accounting'],
  'GET /desk/account': ['admin', 'editor', 'accounting'],
  'POST /desk/account/password': ['admin', 'editor', 'accounting'],
  'POST /desk/account/2fa': ['admin', 'editor', 'accounting'],
  'POST /desk/account/2fa/confirm': ['admin', 'editor', 'accounting'],
  'GET /desk': ['editor', 'admin'],
  'POST /desk/next': ['editor', 'admin'],
  'GET /desk/tips/:id': ['editor', 'admin'],
  'POST /desk/tips/:id': ['editor', 'admin'],
  'POST /desk/tips/:id/status': ['editor', 'admin'],
  'POST /desk/tips/:id/claim': ['editor', 'admin'],
  'POST /desk/tips/:id/notes': ['editor', 'admin'],
  'POST /desk/tips/:id/messages': ['editor', 'admin'],
  'POST /desk/tips/:id/files': ['editor', 'admin'],
  // The confirmation before downloading a file the virus scan has not cleared.
  'GET /desk/tips/:id/media/:mediaId/download': ['editor', 'admin'],
  'POST /desk/tips/:id/payouts': ['editor', 'admin'],
  'POST /desk/tips/:id/payouts/:payoutId/cancel': ['editor', 'admin'],
  'POST /desk/tips/:id/payout-waivers': ['admin'],
  'POST /desk/tips/:id/legal-hold': ['admin'],
  'POST /desk/tips/:id/legal-hold/lift': ['admin'],
  'POST /desk/tips/:id/erase': ['admin'],
  'GET /desk/admin/erasure': ['admin'],
  'POST /desk/admin/erasure/:id/carry-out': ['admin'],
  'POST /desk/admin/erasure/:id/decline': ['admin'],
  'GET /desk/admin/retention': ['admin'],
  'POST /desk/admin/retention/run': ['admin'],
  'GET /desk/phone': ['editor', 'admin'],
  'POST /desk/phone': ['editor', 'admin'],
  'GET /desk/staff': ['admin'],
  'POST /desk/staff': ['admin'],
  'POST /desk/staff/:id/role': ['admin'],
  'POST /desk/staff/:id/disable': ['admin'],
  'POST /desk/staff/:id/enable': ['admin'],
  'POST /desk/staff/:id/reset-2fa': ['admin'],
  'POST /desk/staff/:id/unlock': ['admin'],
  'POST /desk/staff/:id/password': ['admin'],
  'GET /desk/audit': ['admin'],
  'GET /desk/admin/settings': ['admin'],
  'POST /desk/admin/settings': ['admin'],
  'POST /desk/admin/settings/logo': ['admin'],
  'POST /desk/admin/settings/logo/remove': ['admin'],
  'POST /desk/admin/settings/payer': ['admin'],
  'POST /desk/admin/settings/payer/:id/approve': ['admin'],
  'POST /desk/admin/settings/payer/:id/reject': ['admin'],
  'GET /accounts': ['accounting', 'admin'],
  'GET /accounts/tips/:id': ['accounting', 'admin'],
  'POST /accounts/approve': ['accounting', 'admin'],
  'GET /accounts/approve': ['accounting', 'admin'],
  'GET /accounts/payouts/:id/approve': ['accounting', 'admin'],
  'POST /accounts/payouts/:id/approve': ['accounting', 'admin'],
  'POST /accounts/payouts/:id/hold': ['accounting', 'admin'],
  'POST /accounts/payouts/:id/release': ['accounting', 'admin'],
  'POST /accounts/payouts/:id/cancel': ['accounting', 'admin'],
  'POST /accounts/payouts/:id/legal-sign-off': ['admin'],
  'POST /accounts/payouts/:id/mark-paid': ['accounting', 'admin'],
  'POST /accounts/payouts/:id/mark-failed': ['accounting', 'admin'],
  'POST /accounts/payouts/:id/reissue': ['accounting', 'admin'],
  'POST /accounts/bank-statements': ['accounting', 'admin'],
  'GET /accounts/statements/:id': ['accounting', 'admin'],
  'GET /accounts/batches': ['accounting', 'admin'],
  'POST /accounts/batches': ['accounting', 'admin'],
  'GET /accounts/batches/:id': ['accounting', 'admin'],
  'POST /accounts/batches/:id/sent': ['accounting', 'admin'],
  'POST /accounts/batches/:id/void': ['accounting', 'admin'],
  'POST /accounts/batches/:id/void-undelivered': ['admin'],
  'POST /accounts/batches/:id/reconcile': ['accounting', 'admin'],
};

type CallerName = 'anonymous' | 'contributor' | StaffRole;
/** Where a signed-out browser is sent: the contributor's pages to their own sign-in form, the rest to the desk's. */
const signInPage = (path: string) => (path.startsWith('/status') ? /^\/status(\?|$)/ : /^\/desk\/login/);
const CALLERS: CallerName[] = ['anonymous', 'contributor', 'editor', 'accounting', 'admin'];

/** Every method + path the Express app routes, as Nest registered it. */
function routesOf(t: TestApp): string[] {
  const express = t.app.getHttpAdapter().getInstance() as Express & { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  const routes = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods)) {
      if (method === '_all') continue;
      routes.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...routes].filter((route) => !route.includes('/api/docs')).sort();
}

describe('access control matrix: every route × {anonymous, contributor, editor, accounting, admin}', () => {
  let t: TestApp;
  let tipId: string;
  const staffIds: Partial<Record<StaffRole, string>> = {};

  beforeAll(async () => {
    t = await startTestApp();
    const receipt = (
      await request(t.url).post('/api/tips').send({ story: 'Matrix tip', consentTerms: true, consentOwnWork: true, consentOver18: true }).expect(201)
    ).body;
    tipId = (await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [receipt.reference])).rows[0].id;
    for (const role of ['editor', 'accounting', 'admin'] as const) staffIds[role] = (await createStaff(t, role)).user.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('declares the access of every route the app serves, and of no route it does not', () => {
    expect(routesOf(t)).toEqual(Object.keys(ACCESS).sort());
  });

  /** A fresh session per request, so a route that signs out or claims cannot disturb the next. */
  async function as(caller: CallerName): Promise<{ cookie?: string; csrf?: string }> {
    if (caller === 'anonymous') return {};
    const sessions = t.app.get(SessionsService);
    const created = caller === 'contributor' ? await sessions.create({ tipId }) : await sessions.create({ staffUserId: staffIds[caller]! });
    return { cookie: `${SESSION_COOKIES[caller === 'contributor' ? 'contributor' : 'staff']}=${created.token}`, csrf: created.csrfToken };
  }

  // Outside Nest's router (tus at /api/uploads): the guard never sees these, so check each is
  // served to every caller its declaration allows, and is not also a Nest route.
  for (const [prefix, audience] of Object.entries(ACCESS_OUTSIDE_NEST)) {
    it(`${prefix} is not a Nest route`, () => {
      expect(routesOf(t).filter((route) => route.split(' ')[1].startsWith(prefix))).toEqual([]);
    });
    for (const caller of CALLERS) {
      if (!audience.includes('public')) throw new Error(`Only public endpoints outside Nest are checked so far: ${prefix}`);
      it(`OPTIONS ${prefix} (tus) as ${caller}: through the gate`, async () => {
        const { cookie } = await as(caller);
        let req = request(t.url).options(prefix);
        if (cookie) req = req.set('Cookie', cookie);
        const res = await req;
        expect(res.status).toBe(204);
        expect(res.headers['tus-version']).toBeDefined();
      });
    }
  }

  for (const [route, audience] of Object.entries(ACCESS)) {
    const [method, path] = route.split(' ');
    for (const caller of CALLERS) {
      const allowed = audience.includes('public') || audience.includes(caller as Audience);
      // Pages answer a signed-out browser with the sign-in page, not a JSON 401.
      const page = !path.startsWith('/api/');
      // A contributor is refused only staff routes, where their session is no sign-in at all: the
      // same answer as for someone signed out (issue 4: "a staff route (401)").
      const signedOut = caller === 'anonymous' || caller === 'contributor';
      // A page outside a staff member's role leads to their own start page (issue 11: no "Not allowed"
      // first screen); an accountant's desk tip to the read-only tip on /accounts. Posts stay 403.
      const ownHome = !signedOut && method === 'GET' && (path.startsWith('/desk') || path.startsWith('/accounts'));
      const expected = allowed ? 'through the gate' : signedOut ? (page ? '303 to sign-in' : '401') : ownHome ? '303 to their own start page' : '403';
      it(`${route} as ${caller}: ${expected}`, async () => {
        const { cookie, csrf } = await as(caller);
        const url = path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
        let req = request(t.url)[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](url);
        if (cookie) req = req.set('Cookie', cookie);
        if (csrf) req = req.set(CSRF_HEADER, csrf);
        req = req.set('Accept', 'application/json');
        const res = method === 'GET' || method === 'DELETE' ? await req : await req.send({});
        if (allowed) {
          expect([401, 403]).not.toContain(res.status);
          if (page && method === 'GET') expect(res.headers.location ?? '').not.toMatch(signInPage(path));
        } else if (ownHome) {
          expect(res.status).toBe(303);
          const home =
            caller === 'accounting' ? (path === '/desk/tips/:id' ? '/accounts/tips/' : '/accounts?notice=not-for-your-role') : '/desk?notice=not-for-your-role';
          expect(res.headers.location).toContain(home);
        } else if (page) {
          expect(res.status).toBe(signedOut ? 303 : 403);
          if (signedOut) expect(res.headers.location).toMatch(signInPage(path));
        } else {
          expect(res.status).toBe(signedOut ? 401 : 403);
          expect(res.body.code).toBe(signedOut ? 'AUTH_REQUIRED' : 'FORBIDDEN');
        }
      });
    }
  }
});
