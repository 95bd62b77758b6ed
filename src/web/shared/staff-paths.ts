import type { Request } from 'express';
import type { ErrorBody } from '../../http/exception.filter.js';
import { ADMIN_ROLES, isAccountsRole, isDeskRole } from '../../staff/access.js';
import type { StaffRole } from '../../staff/staff.entities.js';

/**
 * Where the staff's pages send people: each role's start page, which pages a role's work
 * includes, and the sign-in redirects. The roles come from staff/access.ts, as the guards' do.
 */

const isAdminRole = (role: StaffRole): boolean => (ADMIN_ROLES as readonly StaffRole[]).includes(role);

/** Where a staff member lands after signing in, when no page asked for them. */
export function landingPage(role: StaffRole): string {
  return isDeskRole(role) ? '/desk' : '/accounts';
}

/**
 * Whether a role's work includes this desk page (the routes' @Access still decides): a page
 * outside it is never where sign-in sends someone, and opening one leads to their own start
 * page rather than to "Not allowed".
 */
export function roleOpens(role: StaffRole, path: string): boolean {
  const page = path.split(/[?#]/)[0];
  if (page === '/desk/account' || page.startsWith('/desk/account/')) return true;
  if (page === '/accounts' || page.startsWith('/accounts/')) return isAccountsRole(role);
  if (/^\/desk\/(staff|audit|admin)(\/|$)/.test(page)) return isAdminRole(role);
  return isDeskRole(role);
}

/** The page a staff member is sent to when they open `path` outside their role: accounting reads a tip on /accounts. */
export function pageForRole(role: StaffRole, path: string): string {
  const tip = /^\/desk\/tips\/([0-9a-f-]{36})$/.exec(path.split(/[?#]/)[0]);
  if (tip && !isDeskRole(role) && isAccountsRole(role)) return `/accounts/tips/${tip[1]}`;
  return `${landingPage(role)}?notice=not-for-your-role`;
}

/** The staff's pages: the desk, and accounting's /accounts (same sign-in, frame and rules). */
export function isDeskPath(path: string): boolean {
  return path === '/desk' || path.startsWith('/desk/') || path === '/accounts' || path.startsWith('/accounts/');
}

const NOT_A_RETURN_PAGE = /^\/desk\/(login|logout|setup)(\/|$)/;

/**
 * `next=` comes from the address bar: only a path on this site, under /desk, survives (never
 * `//evil.example`, `/\evil`, `/desk/../api`, a full URL or the sign-in page itself).
 */
export function localDeskPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000) return undefined;
  if (!value.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, 'http://desk.invalid');
  } catch {
    return undefined;
  }
  if (url.origin !== 'http://desk.invalid' || !isDeskPath(url.pathname) || NOT_A_RETURN_PAGE.test(url.pathname)) return undefined;
  return `${url.pathname}${url.search}`;
}

/**
 * A desk page asked for by someone who must first sign in goes to the sign-in page (and comes
 * back afterwards); someone who must first enrol a second factor goes to their account page.
 */
export function staffRedirect(req: Request, body: ErrorBody): string | undefined {
  if (body.code === 'TOTP_ENROLMENT_REQUIRED') return '/desk/account';
  // A page outside the signed-in person's role (an accountant opening /desk, say): their own start page, not "Not allowed".
  const staff = req.caller?.kind === 'staff' ? req.caller : undefined;
  if (body.code === 'FORBIDDEN' && staff && req.method === 'GET' && !roleOpens(staff.user.role, req.path)) return pageForRole(staff.user.role, req.path);
  if (body.statusCode !== 401) return undefined;
  const back = req.method === 'GET' ? localDeskPath(req.originalUrl) : localDeskPath(refererPath(req));
  const query = new URLSearchParams();
  if (back) query.set('next', back);
  if (body.code === 'SESSION_EXPIRED') query.set('notice', 'session-ended');
  return query.size ? `/desk/login?${query}` : '/desk/login';
}

/** The page a form was posted from, when it is one of ours. */
function refererPath(req: Request): string | undefined {
  const referer = req.header('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return url.host === req.header('host') ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}
