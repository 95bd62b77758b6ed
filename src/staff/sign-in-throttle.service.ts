import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DomainError } from '../http/errors.js';

/** Consecutive failures before a subject is locked (DESIGN: at most 10). */
export const SIGN_IN_FAILURES_BEFORE_LOCK = 10;
const FIRST_LOCK_SECONDS = 60;
const LONGEST_LOCK_SECONDS = 3600;

export class SignInLockedError extends DomainError {
  constructor(retryAfterSeconds: number) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'SIGN_IN_LOCKED',
      `Too many failed sign-ins. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`,
      undefined,
      { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    );
  }
}

/**
 * Locks a sign-in subject (an email address, a tip reference) after repeated failures, for a
 * delay that doubles with every further failure: 1 minute, 2, 4, … up to an hour. Subjects are
 * keyed hashes, and unknown ones lock exactly like real ones, so the lock reveals nothing.
 */
@Injectable()
export class SignInThrottleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  subject(purpose: 'staff' | 'contributor', identifier: string): string {
    return this.cipher.keyedHash(`sign-in:${purpose}`, identifier);
  }

  /** Throws SignInLockedError while the subject is locked. */
  async assertNotLocked(subject: string): Promise<void> {
    const [row] = await this.dataSource.query<{ retry_after: number }[]>(
      `SELECT extract(epoch FROM locked_until - now())::float AS retry_after
         FROM sign_in_throttles WHERE subject = $1 AND locked_until > now()`,
      [subject],
    );
    if (row) throw new SignInLockedError(row.retry_after);
  }

  /** Counts a failure; returns the lock it caused, in seconds (0 when not locked yet). */
  async recordFailure(subject: string): Promise<number> {
    const [row] = await this.dataSource.query<{ failures: number }[]>(
      `INSERT INTO sign_in_throttles AS t (subject, failures, last_failure_at) VALUES ($1, 1, now())
       ON CONFLICT (subject) DO UPDATE SET failures = t.failures + 1, last_failure_at = now()
       RETURNING failures`,
      [subject],
    );
    const over = row.failures - SIGN_IN_FAILURES_BEFORE_LOCK;
    if (over < 0) return 0;
    const seconds = Math.min(LONGEST_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** Math.min(over, 16));
    await this.dataSource.query(`UPDATE sign_in_throttles SET locked_until = now() + make_interval(secs => $2) WHERE subject = $1`, [subject, seconds]);
    return seconds;
  }

  /** Forgets the subject's failures and lifts its lock (a sign-in that worked, an unlock, a new password). */
  async recordSuccess(subject: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM sign_in_throttles WHERE subject = $1`, [subject]);
  }

  /** Forgets failures nobody has added to for a day. */
  async sweep(): Promise<number> {
    const result = await this.dataSource.query(
      `DELETE FROM sign_in_throttles WHERE last_failure_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`,
    );
    return result[1] ?? 0;
  }
}
