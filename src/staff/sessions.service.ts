import { Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager, type EntitySubscriberInterface } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DatabaseNotifications } from '../database/database-notifications.js';
import type { Caller, SessionInfo } from './access.js';
import { SESSIONS_CHANNEL, SessionCache } from './session-cache.js';
import { SessionsRepository, type SessionRow } from './sessions.repository.js';
import type { SessionKind } from './staff.entities.js';

export const SESSION_COOKIES: Record<SessionKind, string> = { staff: 'tipdesk_staff', contributor: 'tipdesk_contributor' };

// Writing last_seen_at on every request would turn each read into a write; a minute is fine
// against idle timeouts measured in tens of minutes.
const TOUCH_AFTER_SECONDS = 60;

// Set on a transaction's query runner that revoked sessions: its commit waits for the echo.
const SESSIONS_REVOKED = 'tipdeskSessionsRevoked';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface NewSession {
  token: string;
  csrfToken: string;
  session: SessionInfo;
}

/**
 * Sessions live in PostgreSQL (any app process can serve any request). The cookie carries 256
 * random bits; the table keeps only their SHA-256, so a database dump signs nobody in.
 */
@Injectable()
export class SessionsService {
  private readonly cache: SessionCache;
  private listeningForChanges = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly notifications: DatabaseNotifications,
  ) {
    this.cache = new SessionCache(config.SESSION_CACHE_SECONDS * 1000);
    // A revocation inside a transaction (a role change, a password reset) counts from its commit:
    // the commit returns once every process has been told (revocationHeard).
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => {
        if (queryRunner.isTransactionActive || !queryRunner.data?.[SESSIONS_REVOKED]) return;
        delete queryRunner.data[SESSIONS_REVOKED];
        return this.revocationHeard();
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive && queryRunner.data) delete queryRunner.data[SESSIONS_REVOKED];
      },
    };
    dataSource.subscribers.push(subscriber);
  }

  /**
   * Waits until this process has heard the NOTIFY of the revocation just committed, so the
   * answer to a sign-out or a disabled account leaves only after every process was told: the
   * person's next request finds no cached session anywhere (test/e2e/session-cache).
   */
  private revocationHeard(): Promise<void> {
    return this.listeningForChanges ? this.notifications.echo(SESSIONS_CHANNEL) : Promise.resolve();
  }

  /** A fresh session (never a reused id: signing in always makes a new one). */
  async create(subject: { staffUserId: string } | { tipId: string }, manager: EntityManager = this.dataSource.manager): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const kind: SessionKind = 'staffUserId' in subject ? 'staff' : 'contributor';
    const row = await this.sessions.insert(manager, {
      tokenHash: hashToken(token),
      kind,
      staffUserId: 'staffUserId' in subject ? subject.staffUserId : null,
      tipId: 'tipId' in subject ? subject.tipId : null,
      csrfToken,
      absoluteHours: this.config.SESSION_ABSOLUTE_HOURS,
    });
    return { token, csrfToken, session: { tokenHash: hashToken(token), csrfToken, createdAt: row.createdAt, expiresAt: row.expiresAt } };
  }

  /**
   * The caller a cookie stands for, or undefined when the session has ended (idle, absolute
   * timeout, signed out, account disabled). Refreshes the idle clock at most once a minute.
   */
  async resolve(kind: SessionKind, token: string, { fresh = false } = {}): Promise<Exclude<Caller, { kind: 'anonymous' }> | undefined> {
    if (!token || token.length > 100) return undefined;
    const row = await this.liveRow(kind, hashToken(token), fresh);
    if (!row) return undefined;
    const session: SessionInfo = { tokenHash: row.token_hash, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt: row.expires_at };
    if (row.kind === 'contributor') return { kind: 'contributor', tipId: row.tip_id!, session };
    const totpEnabled = row.totp_enabled_at !== null;
    return {
      kind: 'staff',
      user: { id: row.staff_user_id!, email: row.email!, name: row.name!, role: row.role!, totpEnabled },
      session,
      pendingTotp: this.config.REQUIRE_2FA && !totpEnabled,
    };
  }

  /**
   * The session's row from the cache (SESSION_CACHE_SECONDS) or PostgreSQL. `fresh` (every
   * state-changing request) always asks PostgreSQL and caches nothing, since the request may be
   * about to change what the row says: a revoked session can never write, whatever the cache holds.
   */
  private async liveRow(kind: SessionKind, tokenHash: string, fresh: boolean): Promise<SessionRow | undefined> {
    const key = `${kind}:${tokenHash}`;
    if (fresh) this.cache.forget(key);
    else {
      const cached = this.cache.get(key);
      if (cached) return cached;
      this.listenForChanges();
    }
    const ticket = fresh ? undefined : this.cache.ticket();
    const row = await this.sessions.findLive(tokenHash, kind, TOUCH_AFTER_SECONDS, this.config.SESSION_IDLE_MINUTES);
    if (!row) return undefined;
    if (row.stale) await this.sessions.touch(row.token_hash);
    this.cache.put(key, row, ticket);
    return row;
  }

  /** On the first lookup, not at start: a CLI that never resolves a cookie opens no LISTEN connection. */
  private listenForChanges(): void {
    if (this.listeningForChanges || this.config.SESSION_CACHE_SECONDS === 0) return;
    this.listeningForChanges = true;
    this.notifications.subscribe(SESSIONS_CHANNEL, this.cache);
  }

  async revoke(tokenHash: string): Promise<void> {
    await this.sessions.delete(tokenHash);
    this.cache.forgetAll();
    await this.revocationHeard();
  }

  /** Ends a cookie's session, whatever it is (used before signing in, so an old session never lingers). */
  async revokeToken(token: string | undefined): Promise<void> {
    if (token) await this.revoke(hashToken(token));
  }

  /** Signs a staff member out everywhere (disabled, password or role changed), except maybe one session. */
  async revokeAllForStaff(staffUserId: string, manager: EntityManager = this.dataSource.manager, exceptTokenHash?: string): Promise<void> {
    await this.sessions.deleteAllForStaff(manager, staffUserId, exceptTokenHash ?? null);
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) (runner.data ??= {})[SESSIONS_REVOKED] = true;
    else {
      this.cache.forgetAll();
      await this.revocationHeard();
    }
  }

  /** Forgets sessions that have ended. */
  async sweep(): Promise<number> {
    return this.sessions.deleteEnded(this.config.SESSION_IDLE_MINUTES);
  }

  cookieOptions(req: Request): CookieOptions {
    // Secure whenever the browser reached us over https, directly or through a trusted proxy.
    const secure = req.secure || this.config.publicBaseUrl.startsWith('https://');
    return { httpOnly: true, sameSite: 'lax', secure, path: '/' };
  }

  setCookie(req: Request, res: Response, kind: SessionKind, token: string): void {
    res.cookie(SESSION_COOKIES[kind], token, this.cookieOptions(req));
  }

  clearCookie(req: Request, res: Response, kind: SessionKind): void {
    res.clearCookie(SESSION_COOKIES[kind], this.cookieOptions(req));
  }
}
