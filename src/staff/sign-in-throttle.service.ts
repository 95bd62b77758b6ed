import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DomainError } from '../http/errors.js';
import { SignInThrottleRepository } from './sign-in-throttle.repository.js';

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
    private readonly throttles: SignInThrottleRepository,
  ) {}

  subject(purpose: 'staff' | 'contributor', identifier: string): string {
    return this.cipher.keyedHash(`sign-in:${purpose}`, identifier);
  }

  /** Throws SignInLockedError while the subject is locked. */
  async assertNotLocked(subject: string): Promise<void> {
    const retryAfter = await this.throttles.lockedFor(subject);
    if (retryAfter !== undefined) throw new SignInLockedError(retryAfter);
  }

  async isLocked(subject: string): Promise<boolean> {
    return (await this.throttles.lockedFor(subject)) !== undefined;
  }

  /** Counts a failure; returns the lock it caused, in seconds (0 when not locked yet). */
  async recordFailure(subject: string): Promise<number> {
    const failures = await this.throttles.addFailure(subject);
    const over = failures - SIGN_IN_FAILURES_BEFORE_LOCK;
    if (over < 0) return 0;
    const seconds = Math.min(LONGEST_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** Math.min(over, 16));
    await this.throttles.lock(subject, seconds);
    return seconds;
  }

  /** Forgets the subject's failures and lifts its lock (a sign-in that worked, an unlock, a new password). */
  async recordSuccess(subject: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await this.throttles.delete(manager, subject);
  }

  /** Forgets failures nobody has added to for a day. */
  async sweep(): Promise<number> {
    return this.throttles.deleteQuiet();
  }
}
