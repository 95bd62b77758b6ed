import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { SessionKind, StaffRole } from './staff.entities.js';

/** A live session with its staff member (null fields for a contributor's). */
export interface SessionRow {
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
  /** last_seen_at is older than the touch interval: worth refreshing. */
  stale: boolean;
}

export interface NewSessionRow {
  tokenHash: string;
  kind: SessionKind;
  staffUserId: string | null;
  tipId: string | null;
  csrfToken: string;
  absoluteHours: number;
}

const SNAPSHOT_TOKEN_HASH = 'a'.repeat(64);

/** sessions: who is signed in (only each cookie's SHA-256 is stored). */
@Injectable()
@SqlRepository(import.meta.url)
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({
    params: [SQL_MANAGER, { tokenHash: SNAPSHOT_TOKEN_HASH, kind: 'staff', staffUserId: SQL_ID, tipId: null, csrfToken: 'csrf', absoluteHours: 12 }],
  })
  async insert(manager: EntityManager, session: NewSessionRow): Promise<{ createdAt: Date; expiresAt: Date }> {
    const [row] = await manager.query<{ created_at: Date; expires_at: Date }[]>(
      `INSERT INTO sessions (token_hash, kind, staff_user_id, tip_id, csrf_token, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, now(), now() + make_interval(hours => $6))
       RETURNING created_at, expires_at`,
      [session.tokenHash, session.kind, session.staffUserId, session.tipId, session.csrfToken, session.absoluteHours],
    );
    return { createdAt: row.created_at, expiresAt: row.expires_at };
  }

  /** The session if it is still live: not expired, not idle, and (for staff) the account not disabled. */
  @GenerateSql({ params: [SNAPSHOT_TOKEN_HASH, 'staff', 60, 30] })
  async findLive(tokenHash: string, kind: SessionKind, touchAfterSeconds: number, idleMinutes: number): Promise<SessionRow | undefined> {
    const [row] = await this.dataSource.query<SessionRow[]>(
      `SELECT s.token_hash, s.kind, s.csrf_token, s.created_at, s.expires_at, s.tip_id, s.staff_user_id,
              u.email, u.name, u.role, u.totp_enabled_at,
              s.last_seen_at < now() - make_interval(secs => $3) AS stale
         FROM sessions s LEFT JOIN staff_users u ON u.id = s.staff_user_id
        WHERE s.token_hash = $1 AND s.kind = $2
          AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(mins => $4)
          AND (s.kind = 'contributor' OR u.disabled_at IS NULL)`,
      [tokenHash, kind, touchAfterSeconds, idleMinutes],
    );
    return row;
  }

  @GenerateSql({ params: [SNAPSHOT_TOKEN_HASH] })
  async touch(tokenHash: string): Promise<void> {
    await this.dataSource.query(`UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1`, [tokenHash]);
  }

  @GenerateSql({ params: [SNAPSHOT_TOKEN_HASH] })
  async delete(tokenHash: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM sessions WHERE token_hash = $1`, [tokenHash]);
  }

  /** Every session of the staff member but `exceptTokenHash` (when given). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, null] })
  async deleteAllForStaff(manager: EntityManager, staffUserId: string, exceptTokenHash: string | null): Promise<void> {
    await manager.query(`DELETE FROM sessions WHERE staff_user_id = $1 AND token_hash IS DISTINCT FROM $2`, [staffUserId, exceptTokenHash]);
  }

  /** Sessions past their absolute or idle timeout; how many went. */
  @GenerateSql({ params: [30] })
  async deleteEnded(idleMinutes: number): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(mins => $1)`,
      [idleMinutes],
    );
    return result[1] ?? 0;
  }
}
