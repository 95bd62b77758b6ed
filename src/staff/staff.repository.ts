import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import { StaffUser, type StaffRole } from './staff.entities.js';

/** A new account as the service checked it (email normalised, password already hashed). */
export interface NewStaffUser {
  email: string;
  name: string;
  role: StaffRole;
  passwordHash: string;
}

export type StaffUserPatch = Partial<Pick<StaffUser, 'name' | 'role' | 'disabledAt'>>;

// Snapshot cases write nothing: 'snapshot' is no role, so ck_staff_users_role refuses the row.
const SNAPSHOT_USER: NewStaffUser = { email: 'ann@example.com', name: 'Ann', role: 'snapshot' as StaffRole, passwordHash: 'x' };

/**
 * staff_users and staff_setup_tokens. Whole accounts go through TypeORM's repository for the
 * StaffUser entity (one description of the row); single-column changes are plain SQL.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class StaffRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL_MANAGER] })
  async count(manager: EntityManager = this.dataSource.manager): Promise<number> {
    return manager.getRepository(StaffUser).count();
  }

  @GenerateSql({ params: [SQL_ID, SQL_MANAGER] })
  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<StaffUser | null> {
    return manager.getRepository(StaffUser).findOneBy({ id });
  }

  /** `email` as stored: trimmed and lower case. */
  @GenerateSql({ params: ['ann@example.com'] })
  async findByEmail(email: string): Promise<StaffUser | null> {
    return this.dataSource.getRepository(StaffUser).findOneBy({ email });
  }

  /** Active accounts first, then by name. */
  @GenerateSql()
  async list(): Promise<StaffUser[]> {
    return this.dataSource.getRepository(StaffUser).find({ order: { disabledAt: { direction: 'ASC', nulls: 'FIRST' }, name: 'ASC' } });
  }

  /** Active editors and admins, by name. */
  @GenerateSql()
  async assignable(): Promise<{ id: string; name: string; role: StaffRole }[]> {
    return this.dataSource.query(`SELECT id, name, role FROM staff_users WHERE disabled_at IS NULL AND role IN ('editor', 'admin') ORDER BY name`);
  }

  /** Throws the driver's 23505 when the email is taken. */
  @GenerateSql({ params: [SQL_MANAGER, SNAPSHOT_USER] })
  async insert(manager: EntityManager, user: NewStaffUser): Promise<StaffUser> {
    return (await manager.getRepository(StaffUser).save({ ...user })) as StaffUser;
  }

  /** Row lock on the account until the transaction ends; false when there is no such account. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async lockForUpdate(manager: EntityManager, id: string): Promise<boolean> {
    const [user] = await manager.query<{ id: string }[]>(`SELECT id FROM staff_users WHERE id = $1 FOR UPDATE`, [id]);
    return user !== undefined;
  }

  /** Active admins, each row locked until the transaction ends. */
  @GenerateSql({ params: [SQL_MANAGER] })
  async countActiveAdminsForUpdate(manager: EntityManager): Promise<number> {
    const [{ n }] = await manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (SELECT id FROM staff_users WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE) admins`,
    );
    return n;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, { name: 'Ann', role: 'editor', disabledAt: null }] })
  async update(manager: EntityManager, id: string, patch: StaffUserPatch): Promise<void> {
    await manager.getRepository(StaffUser).update({ id }, patch);
  }

  /** Forgets the second factor: secret, last step and recovery codes. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async clearTotp(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(StaffUser).update({ id }, { totpSecretEncrypted: null, totpEnabledAt: null, totpLastStep: null, recoveryCodeHashes: [] });
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'password-hash'] })
  async setPasswordHash(manager: EntityManager, id: string, passwordHash: string): Promise<void> {
    await manager.query(`UPDATE staff_users SET password_hash = $2 WHERE id = $1`, [id, passwordHash]);
  }

  /** Stamps a sign-in now; the time stamped. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async stampSignIn(manager: EntityManager, id: string): Promise<Date | undefined> {
    // An UPDATE … RETURNING answers [rows, affected count].
    const [[signedIn]] = await manager.query<[{ last_sign_in_at: Date }[], number]>(
      `UPDATE staff_users SET last_sign_in_at = now() WHERE id = $1 RETURNING last_sign_in_at`,
      [id],
    );
    return signedIn?.last_sign_in_at;
  }

  /** Removes one unused recovery code; false when it was not (or no longer) there. */
  @GenerateSql({ params: [SQL_ID, 'code-hash'] })
  async spendRecoveryCode(id: string, codeHash: string): Promise<boolean> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `UPDATE staff_users SET recovery_code_hashes = array_remove(recovery_code_hashes, $2)
        WHERE id = $1 AND $2 = ANY(recovery_code_hashes) RETURNING id`,
      [id, codeHash],
    );
    return result[1] === 1;
  }

  /** Compare-and-set on the last TOTP step: false when this step (or a later one) was already used. */
  @GenerateSql({ params: [SQL_ID, 1] })
  async advanceTotpStep(id: string, step: number): Promise<boolean> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `UPDATE staff_users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id`,
      [id, step],
    );
    return result[1] === 1;
  }

  /** Keeps a new, not yet confirmed secret (not for an account that already has two-factor sign-in). */
  @GenerateSql({ params: [SQL_ID, 'encrypted'] })
  async startTotp(id: string, secretEncrypted: string): Promise<void> {
    await this.dataSource.query(`UPDATE staff_users SET totp_secret_encrypted = $2 WHERE id = $1 AND totp_enabled_at IS NULL`, [id, secretEncrypted]);
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 1, ['code-hash']] })
  async enableTotp(manager: EntityManager, id: string, step: number, recoveryCodeHashes: string[]): Promise<void> {
    await manager.query(`UPDATE staff_users SET totp_enabled_at = now(), totp_last_step = $2, recovery_code_hashes = $3 WHERE id = $1`, [
      id,
      step,
      recoveryCodeHashes,
    ]);
  }

  @GenerateSql({ params: ['token-hash', 24] })
  async insertSetupToken(tokenHash: string, hours: number): Promise<void> {
    await this.dataSource.query(`INSERT INTO staff_setup_tokens (token_hash, expires_at) VALUES ($1, now() + make_interval(hours => $2))`, [tokenHash, hours]);
  }

  @GenerateSql({ params: ['token-hash', SQL_MANAGER] })
  async setupTokenLive(tokenHash: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const [row] = await manager.query<unknown[]>(`SELECT 1 FROM staff_setup_tokens WHERE token_hash = $1 AND expires_at > now()`, [tokenHash]);
    return row !== undefined;
  }

  /** One transaction at a time past this point, until it ends. */
  @GenerateSql({ params: [SQL_MANAGER] })
  async lockSetupTokens(manager: EntityManager): Promise<void> {
    await manager.query(`LOCK TABLE staff_setup_tokens IN EXCLUSIVE MODE`);
  }

  @GenerateSql({ params: [SQL_MANAGER] })
  async deleteSetupTokens(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM staff_setup_tokens`);
  }
}
