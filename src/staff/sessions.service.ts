import { Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import type { Caller, SessionInfo } from './access.js';
import { SessionsRepository } from './sessions.repository.js';
import type { SessionKind } from './staff.entities.js';

export const SESSION_COOKIES: Record<SessionKind, string> = { staff: 'tipdesk_staff', contributor: 'tipdesk_contributor' };

// Writing last_seen_at on every request would turn each read into a write; a minute is fine
// against idle timeouts measured in tens of minutes.
const TOUCH_AFTER_SECONDS = 60;

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
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
  ) {}

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
  async resolve(kind: SessionKind, token: string): Promise<Exclude<Caller, { kind: 'anonymous' }> | undefined> {
    if (!token || token.length > 100) return undefined;
    const row = await this.sessions.findLive(hashToken(token), kind, TOUCH_AFTER_SECONDS, this.config.SESSION_IDLE_MINUTES);
    if (!row) return undefined;
    if (row.stale) await this.sessions.touch(row.token_hash);
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

  async revoke(tokenHash: string): Promise<void> {
    await this.sessions.delete(tokenHash);
  }

  /** Ends a cookie's session, whatever it is (used before signing in, so an old session never lingers). */
  async revokeToken(token: string | undefined): Promise<void> {
    if (token) await this.revoke(hashToken(token));
  }

  /** Signs a staff member out everywhere (disabled, password or role changed), except maybe one session. */
  async revokeAllForStaff(staffUserId: string, manager: EntityManager = this.dataSource.manager, exceptTokenHash?: string): Promise<void> {
    await this.sessions.deleteAllForStaff(manager, staffUserId, exceptTokenHash ?? null);
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
