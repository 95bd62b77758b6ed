import { Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import type { Caller, SessionInfo } from './access.js';
import type { SessionKind, StaffRole } from './staff.entities.js';

export const SESSION_COOKIES: Record<SessionKind, string> = { staff: 'tipdesk_staff', contributor: 'tipdesk_contributor' };

// Writing last_seen_at on every request would turn each read into a write; a minute is fine
// against idle timeouts measured in tens of minutes.
const TOUCH_AFTER_SECONDS = 60;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface SessionRow {
  token_hash: string;
  kind: SessionKind;
  csrf_token: string;
  created_at: Date;
  expires_at: Date;
  tip_id: string | null;
  staff_user_id: string | null;
  email: string | null;
  name: string | null;
  role: StaffRole | null;
  totp_enabled_at: Date | null;
  stale: boolean;
}

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
  ) {}

  /** A fresh session (never a reused id: signing in always makes a new one). */
  async create(subject: { staffUserId: string } | { tipId: string }, manager: EntityManager = this.dataSource.manager): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const kind: SessionKind = 'staffUserId' in subject ? 'staff' : 'contributor';
    const [row] = await manager.query<{ created_at: Date; expires_at: Date }[]>(
      `INSERT INTO sessions (token_hash, kind, staff_user_id, tip_id, csrf_token, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, now(), now() + make_interval(hours => $6))
       RETURNING created_at, expires_at`,
      [
        hashToken(token),
        kind,
        'staffUserId' in subject ? subject.staffUserId : null,
        'tipId' in subject ? subject.tipId : null,
        csrfToken,
        this.config.SESSION_ABSOLUTE_HOURS,
      ],
    );
    return { token, csrfToken, session: { tokenHash: hashToken(token), csrfToken, createdAt: row.created_at, expiresAt: row.expires_at } };
  }

  /**
   * The caller a cookie stands for, or undefined when the session has ended (idle, absolute
   * timeout, signed out, account disabled). Refreshes the idle clock at most once a minute.
   */
  async resolve(kind: SessionKind, token: string): Promise<Exclude<Caller, { kind: 'anonymous' }> | undefined> {
    if (!token || token.length > 100) return undefined;
    const [row] = await this.dataSource.query<SessionRow[]>(
      `SELECT s.token_hash, s.kind, s.csrf_token, s.created_at, s.expires_at, s.tip_id, s.staff_user_id,
              u.email, u.name, u.role, u.totp_enabled_at,
              s.last_seen_at < now() - make_interval(secs => $3) AS stale
         FROM sessions s LEFT JOIN staff_users u ON u.id = s.staff_user_id
        WHERE s.token_hash = $1 AND s.kind = $2
          AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(mins => $4)
          AND (s.kind = 'contributor' OR u.disabled_at IS NULL)`,
      [hashToken(token), kind, TOUCH_AFTER_SECONDS, this.config.SESSION_IDLE_MINUTES],
    );
    if (!row) return undefined;
    if (row.stale) await this.dataSource.query(`UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1`, [row.token_hash]);
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
    await this.dataSource.query(`DELETE FROM sessions WHERE token_hash = $1`, [tokenHash]);
  }

  /** Ends a cookie's session, whatever it is (used before signing in, so an old session never lingers). */
  async revokeToken(token: string | undefined): Promise<void> {
    if (token) await this.revoke(hashToken(token));
  }

  /** Signs a staff member out everywhere (disabled, password or role changed), except maybe one session. */
  async revokeAllForStaff(staffUserId: string, manager: EntityManager = this.dataSource.manager, exceptTokenHash?: string): Promise<void> {
    await manager.query(`DELETE FROM sessions WHERE staff_user_id = $1 AND token_hash IS DISTINCT FROM $2`, [staffUserId, exceptTokenHash ?? null]);
  }

  /** Forgets sessions that have ended. */
  async sweep(): Promise<number> {
    const result = await this.dataSource.query(`DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(mins => $1)`, [
      this.config.SESSION_IDLE_MINUTES,
    ]);
    return result[1] ?? 0;
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
