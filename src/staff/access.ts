import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { StaffRole } from './staff.entities.js';

/**
 * Who may call a route, declared on every controller or handler. The global AccessGuard refuses
 * a route that declares nothing, and the access-matrix test walks every route with every caller.
 *
 * - `public`: anyone, signed in or not.
 * - `contributor`: a contributor signed in with their tip's reference and secret.
 * - a staff role: a staff member with that role (list every role that may call it; no role
 *   implies another).
 */
export type Audience = 'public' | 'contributor' | StaffRole;

/**
 * Who works where, in one place: the guards' @Access lists, the services' role checks and the
 * pages' navigation all read these, so a role added to accounts is added everywhere at once.
 */
export const DESK_ROLES = ['editor', 'admin'] as const satisfies readonly StaffRole[];
export const ACCOUNTS_ROLES = ['accounting', 'admin'] as const satisfies readonly StaffRole[];
export const ADMIN_ROLES = ['admin'] as const satisfies readonly StaffRole[];
export const isDeskRole = (role: StaffRole): boolean => (DESK_ROLES as readonly StaffRole[]).includes(role);
export const isAccountsRole = (role: StaffRole): boolean => (ACCOUNTS_ROLES as readonly StaffRole[]).includes(role);
export const ACCESS_METADATA = 'tipdesk:access';
export const Access = (...audience: [Audience, ...Audience[]]) => SetMetadata(ACCESS_METADATA, audience);

/**
 * Endpoints served outside Nest's router (mounted on Express in app-setup.ts), where the
 * AccessGuard never runs: each path prefix and who may call it, so the decision is written down
 * here like every @Access. The access-matrix test checks each with every caller.
 *
 * - `/api/uploads` (tus): public — a contributor uploads before a tip exists. An upload is
 *   reachable only by its random server-chosen id; attaching it to a tip is the guarded step.
 */
export const ACCESS_OUTSIDE_NEST: Record<string, [Audience, ...Audience[]]> = {
  '/api/uploads': ['public'],
};

/** Reachable by a staff member who must still enrol a second factor (REQUIRE_2FA). */
export const ALLOW_PENDING_TOTP_METADATA = 'tipdesk:allow-pending-totp';
export const AllowPendingTotp = () => SetMetadata(ALLOW_PENDING_TOTP_METADATA, true);

/** Skips the CSRF check: only for routes that create a session (there is no token yet) and check the Origin instead. */
export const SKIP_CSRF_METADATA = 'tipdesk:skip-csrf';
export const SkipCsrf = () => SetMetadata(SKIP_CSRF_METADATA, true);

/**
 * A browser's multipart form cannot set the CSRF header, and its `_csrf` field is not read when
 * the guard runs: on such a route the guard leaves the token to MediaUploadInterceptor, which
 * checks the field before it stores any file. Only for routes that use that interceptor.
 */
export const CSRF_IN_MEDIA_FORM_METADATA = 'tipdesk:csrf-in-media-form';
export const CsrfInMediaForm = () => SetMetadata(CSRF_IN_MEDIA_FORM_METADATA, true);

export interface StaffPrincipal {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  totpEnabled: boolean;
}

export interface SessionInfo {
  tokenHash: string;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'staff'; user: StaffPrincipal; session: SessionInfo; pendingTotp: boolean }
  | { kind: 'contributor'; tipId: string; session: SessionInfo };

export type StaffCaller = Extract<Caller, { kind: 'staff' }>;
export type ContributorCaller = Extract<Caller, { kind: 'contributor' }>;

declare module 'express' {
  interface Request {
    caller?: Caller;
    /** The session's CSRF token, still to be matched by the multipart form's `_csrf` field (see CsrfInMediaForm). */
    pendingCsrfToken?: string;
    /** A contributor request from a browser that also carries a staff session cookie (whose, if still signed in). */
    staffBrowser?: { staffId: string | null };
  }
}

/** The signed-in staff member (the route's @Access must name staff roles only). */
export const CurrentStaff = createParamDecorator((_data: unknown, context: ExecutionContext): StaffPrincipal => {
  const caller = context.switchToHttp().getRequest<Request>().caller;
  if (caller?.kind !== 'staff') throw new Error('CurrentStaff used on a route that does not require a staff session');
  return caller.user;
});

/** The signed-in staff member with their session (for sign-out, CSRF token, password change). */
export const CurrentStaffSession = createParamDecorator((_data: unknown, context: ExecutionContext): StaffCaller => {
  const caller = context.switchToHttp().getRequest<Request>().caller;
  if (caller?.kind !== 'staff') throw new Error('CurrentStaffSession used on a route that does not require a staff session');
  return caller;
});

/** The signed-in contributor's session (the route's @Access must be `contributor`). */
export const CurrentContributor = createParamDecorator((_data: unknown, context: ExecutionContext): ContributorCaller => {
  const caller = context.switchToHttp().getRequest<Request>().caller;
  if (caller?.kind !== 'contributor') throw new Error('CurrentContributor used on a route that does not require a contributor session');
  return caller;
});

/**
 * On a contributor route: `{staffId}` when the same request also carried a staff session cookie
 * (a staff member's browser: PAYEE_FROM_STAFF_BROWSER), else null.
 */
export const StaffBrowser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): { staffId: string | null } | null => context.switchToHttp().getRequest<Request>().staffBrowser ?? null,
);

/** Whoever is calling, signed in or not (resolved by the AccessGuard, also on public routes). */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller => context.switchToHttp().getRequest<Request>().caller ?? { kind: 'anonymous' },
);
