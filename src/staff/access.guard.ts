import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { sameSecret } from '../crypto/constant-time.js';
import { DomainError } from '../http/errors.js';
import { ACCESS_METADATA, ALLOW_PENDING_TOTP_METADATA, CSRF_IN_MEDIA_FORM_METADATA, SKIP_CSRF_METADATA, type Audience, type Caller } from './access.js';
import { SESSION_COOKIES, SessionsService } from './sessions.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

export class AuthRequiredError extends DomainError {
  constructor(expired: boolean) {
    super(
      HttpStatus.UNAUTHORIZED,
      expired ? 'SESSION_EXPIRED' : 'AUTH_REQUIRED',
      expired ? 'Your session has ended. Please sign in again.' : 'Please sign in first.',
    );
  }
}

export class ForbiddenError extends DomainError {
  constructor(code = 'FORBIDDEN', message = 'You are not allowed to do that.') {
    super(HttpStatus.FORBIDDEN, code, message);
  }
}

const csrfRefused = () => new ForbiddenError('CSRF_TOKEN_INVALID', 'This request did not carry a valid CSRF token. Reload the page and try again.');

/**
 * The CSRF check the guard left to a media form's reader (CsrfInMediaForm): throws 403 unless
 * the `_csrf` field read so far matches the session's token. Called before the first file is
 * stored and once the form is read, so a form without a valid token leaves nothing behind.
 */
export function checkMediaFormCsrf(req: Request): void {
  const body = req.body as Record<string, unknown> | undefined;
  const expected = req.pendingCsrfToken;
  if (expected !== undefined) {
    if (!sameSecret(body?.[CSRF_FIELD], expected)) throw csrfRefused();
    req.pendingCsrfToken = undefined;
  }
  // Checked here or by the guard (header): either way DTO validation must not see it.
  if (body && CSRF_FIELD in body) delete body[CSRF_FIELD];
}

/**
 * The one gate every request passes (registered as APP_GUARD): works out who is calling from
 * the session cookie, checks the route's @Access declaration, and checks the CSRF token of
 * every state-changing request made with a session.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const audience = this.reflector.getAllAndOverride<Audience[] | undefined>(ACCESS_METADATA, targets);
    // Fail closed: a route nobody thought about is a route nobody may call.
    if (!audience?.length) throw new Error(`${context.getClass().name}.${context.getHandler().name} declares no @Access`);

    const req = context.switchToHttp().getRequest<Request>();
    const { caller, expired } = await this.callerOf(req, audience);
    req.caller = caller;
    const skipCsrf = this.reflector.getAllAndOverride<boolean>(SKIP_CSRF_METADATA, targets) ?? false;
    if (skipCsrf) this.checkOrigin(req);
    if (audience.includes('public')) return true;

    if (caller.kind === 'anonymous') throw new AuthRequiredError(expired);
    // A contributor's session is no staff sign-in: on a staff route it counts as none (401, and the
    // desk pages' sign-in redirect), exactly as for someone signed out.
    if (caller.kind === 'contributor' && !audience.includes('contributor')) throw new AuthRequiredError(false);
    if (caller.kind === 'staff' && !audience.includes(caller.user.role)) throw new ForbiddenError();
    if (caller.kind === 'staff' && caller.pendingTotp && !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_TOTP_METADATA, targets)) {
      throw new ForbiddenError('TOTP_ENROLMENT_REQUIRED', 'Set up two-factor sign-in before you use the desk.');
    }
    if (!SAFE_METHODS.has(req.method) && !skipCsrf) {
      if (this.tokenComesWithMediaForm(req, context)) req.pendingCsrfToken = caller.session.csrfToken;
      else this.checkCsrf(req, caller.session.csrfToken);
    }
    return true;
  }

  private async callerOf(req: Request, audience: Audience[]): Promise<{ caller: Caller; expired: boolean }> {
    // A request that changes something reads its session from PostgreSQL, never the cache.
    const fresh = !SAFE_METHODS.has(req.method);
    const cookies = (req.cookies ?? {}) as Record<string, string | undefined>;
    const staffToken = cookies[SESSION_COOKIES.staff];
    const contributorToken = cookies[SESSION_COOKIES.contributor];
    // A browser may hold both (an editor testing the status page): the route decides which counts first.
    const order = audience.includes('contributor') ? (['contributor', 'staff'] as const) : (['staff', 'contributor'] as const);
    for (const kind of order) {
      const token = kind === 'staff' ? staffToken : contributorToken;
      if (!token) continue;
      const caller = await this.sessions.resolve(kind, token, { fresh });
      if (!caller) continue;
      // A contributor acting in a browser that holds a staff cookie too: whatever they enter is
      // marked (an editor could be giving their own bank details as "the caller").
      if (caller.kind === 'contributor' && staffToken) {
        const staff = await this.sessions.resolve('staff', staffToken, { fresh });
        req.staffBrowser = { staffId: staff?.kind === 'staff' ? staff.user.id : null };
      }
      return { caller, expired: false };
    }
    return { caller: { kind: 'anonymous' }, expired: Boolean(staffToken || contributorToken) };
  }

  /** A multipart post without the header, to a route whose media form carries the token as a field. */
  private tokenComesWithMediaForm(req: Request, context: ExecutionContext): boolean {
    if (!this.reflector.getAllAndOverride<boolean>(CSRF_IN_MEDIA_FORM_METADATA, [context.getHandler(), context.getClass()])) return false;
    return Boolean(req.is('multipart/form-data')) && req.header(CSRF_HEADER) === undefined;
  }

  private checkCsrf(req: Request, expected: string): void {
    const body = req.body as Record<string, unknown> | undefined;
    const given = req.header(CSRF_HEADER) ?? body?.[CSRF_FIELD];
    if (!sameSecret(given, expected)) throw csrfRefused();
    // The token has done its job; DTO validation (forbidNonWhitelisted) must not see it.
    if (body && CSRF_FIELD in body) delete body[CSRF_FIELD];
  }

  /**
   * Routes that start a session have no token to check: refuse a cross-site form post instead.
   * Browsers say where a request came from in Sec-Fetch-Site; older ones only in Origin, which
   * is `null` under a no-referrer policy, so `null` alone proves nothing either way.
   */
  private checkOrigin(req: Request): void {
    const site = req.header('sec-fetch-site');
    if (site) {
      if (site === 'same-origin' || site === 'none') return;
      throw new ForbiddenError('CROSS_SITE_REQUEST', 'This request came from another site.');
    }
    const origin = req.header('origin');
    if (!origin || origin === 'null') return; // not a browser, or one that will not say
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      host = '';
    }
    if (host !== req.header('host')) throw new ForbiddenError('CROSS_SITE_REQUEST', 'This request came from another site.');
  }
}
