import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { ConflictError, DomainError, ValidationFailedError } from '../http/errors.js';
import { LOGGER } from '../logging/logger.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import type { StaffCaller, StaffPrincipal } from './access.js';
import type { LoginDto, RecoveryCodesDto, SessionDto, SetupFirstAdminDto, StaffUserDto, TotpEnrolmentDto } from './dto/staff.dto.js';
import { hashPassword, passwordMatches, passwordProblem } from './passwords.js';
import { SessionsService, type NewSession } from './sessions.service.js';
import { SignInThrottleService } from './sign-in-throttle.service.js';
import { StaffUser } from './staff.entities.js';
import { StaffRepository } from './staff.repository.js';
import { StaffService } from './staff.service.js';
import { hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCodes, newTotpSecret, totpEnrolment, totpStep } from './totp.js';

const SETUP_LINK_HOURS = 24;
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class InvalidCredentialsError extends DomainError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'INVALID_CREDENTIALS', 'That email address and password do not match an account.');
  }
}

export interface SignedIn extends NewSession {
  user: StaffUserDto;
}

/** Signing staff in and out, their second factor, their password, and the first admin. */
@Injectable()
export class AuthService {
  // Verified when the email is unknown, so that answer takes as long as a wrong password. Made at
  // the first sign-in (not at start: argon2 and its 19 MiB pass are for processes that sign people in).
  private decoyHash?: Promise<string>;

  private readonly logger: Logger;
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditService,
    private readonly rateLimits: RateLimitsService,
    private readonly sessions: SessionsService,
    private readonly throttle: SignInThrottleService,
    private readonly staff: StaffService,
    private readonly users: StaffRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'auth' });
  }

  /**
   * Password, then (when enrolled) a TOTP or recovery code. Unknown addresses, disabled accounts
   * and wrong passwords get the same answer in the same time, and all count towards the lock.
   */
  async signIn(input: LoginDto, clientAddress: string): Promise<SignedIn> {
    await this.rateLimits.hit(
      {
        purpose: 'staff-sign-in',
        limit: this.config.RATE_LIMIT_SIGN_INS_PER_15_MINUTES,
        windowSeconds: 900,
        tooMany: 'Too many sign-in attempts from your connection.',
      },
      clientAddress,
    );
    const subject = this.throttle.subject('staff', input.email);
    await this.throttle.assertNotLocked(subject);

    // Awaited by every sign-in, known address or not, so the first one costs the same either way.
    const decoyHash = await (this.decoyHash ??= hashPassword(randomBytes(16).toString('hex')));
    const user = await this.staff.findByEmail(input.email);
    const usable = user !== null && user.disabledAt === null;
    const passwordOk = await passwordMatches(usable ? user.passwordHash : decoyHash, input.password);
    if (!usable || !passwordOk) {
      await this.failed(subject, user?.id ?? NO_ACCOUNT, !user ? 'unknown_email' : !usable ? 'disabled' : 'password');
      throw new InvalidCredentialsError();
    }

    if (user.totpEnabledAt) {
      if (!input.totp) {
        throw new DomainError(HttpStatus.UNAUTHORIZED, 'TOTP_REQUIRED', 'Enter the 6-digit code from your authenticator app.', {
          totp: ['Enter the 6-digit code from your authenticator app'],
        });
      }
      if (!(await this.acceptSecondFactor(user, input.totp))) {
        await this.failed(subject, user.id, 'totp');
        throw new DomainError(HttpStatus.UNAUTHORIZED, 'TOTP_INVALID', 'That code is not right, or has already been used. Wait for a new one.', {
          totp: ['That code is not right'],
        });
      }
    }

    await this.throttle.recordSuccess(subject);
    return this.dataSource.transaction(async (manager) => {
      user.lastSignInAt = (await this.users.stampSignIn(manager, user.id)) ?? null;
      const session = await this.sessions.create({ staffUserId: user.id }, manager);
      await this.audit.record(manager, { actorType: 'staff', actorId: user.id, action: 'staff.signed_in', entityType: 'staff_user', entityId: user.id });
      return { ...session, user: await this.staff.toDto(user) };
    });
  }

  private async failed(subject: string, userId: string, reason: string): Promise<void> {
    const lockedFor = await this.throttle.recordFailure(subject);
    await this.audit.record(this.dataSource.manager, {
      actorType: 'system',
      action: 'staff.sign_in_failed',
      entityType: 'staff_user',
      entityId: userId,
      after: { reason, ...(lockedFor ? { lockedForSeconds: lockedFor } : {}) },
    });
  }

  /** A TOTP code for a step after the last one used, or an unused recovery code (spent here). */
  private async acceptSecondFactor(user: StaffUser, code: string): Promise<boolean> {
    if (looksLikeRecoveryCode(code)) {
      const used = await this.users.spendRecoveryCode(user.id, hashRecoveryCode(code));
      if (used)
        await this.audit.record(this.dataSource.manager, {
          actorType: 'staff',
          actorId: user.id,
          action: 'staff.recovery_code_used',
          entityType: 'staff_user',
          entityId: user.id,
        });
      return used;
    }
    const step = totpStep(this.cipher.decrypt(user.totpSecretEncrypted!), code);
    if (step === undefined) return false;
    // Compare-and-set on the last step: a code (or an older one) is accepted once, even by two processes at once.
    return this.users.advanceTotpStep(user.id, step);
  }

  async signOut(caller: StaffCaller): Promise<void> {
    await this.sessions.revoke(caller.session.tokenHash);
    await this.audit.record(this.dataSource.manager, {
      actorType: 'staff',
      actorId: caller.user.id,
      action: 'staff.signed_out',
      entityType: 'staff_user',
      entityId: caller.user.id,
    });
  }

  enrolmentRequired(user: StaffUserDto): boolean {
    return this.config.REQUIRE_2FA && !user.totpEnabled;
  }

  async me(caller: StaffCaller): Promise<SessionDto> {
    return {
      user: await this.staff.toDto(await this.staff.findById(caller.user.id)),
      csrfToken: caller.session.csrfToken,
      totpEnrolmentRequired: caller.pendingTotp,
    };
  }

  /** Starts enrolment: a new secret, kept until confirmed by a code (a second start replaces it). */
  async startTotpEnrolment(principal: StaffPrincipal): Promise<TotpEnrolmentDto> {
    if (principal.totpEnabled) throw new ConflictError('TOTP_ALREADY_ENABLED', 'Two-factor sign-in is already set up. An admin can reset it.');
    const secret = newTotpSecret();
    await this.users.startTotp(principal.id, this.cipher.encrypt(secret));
    return totpEnrolment(secret, principal.email);
  }

  async confirmTotpEnrolment(principal: StaffPrincipal, code: string): Promise<RecoveryCodesDto> {
    const user = await this.staff.findById(principal.id);
    if (user.totpEnabledAt) throw new ConflictError('TOTP_ALREADY_ENABLED', 'Two-factor sign-in is already set up.');
    if (!user.totpSecretEncrypted) throw new ConflictError('TOTP_NOT_STARTED', 'Start setting up two-factor sign-in first.');
    const step = totpStep(this.cipher.decrypt(user.totpSecretEncrypted), code);
    if (step === undefined) throw new ValidationFailedError({ code: ['That code is not right. Check the time on your phone and try the next code.'] });
    const recoveryCodes = newRecoveryCodes();
    await this.dataSource.transaction(async (manager) => {
      await this.users.enableTotp(manager, user.id, step, recoveryCodes.map(hashRecoveryCode));
      await this.audit.record(manager, { actorType: 'staff', actorId: user.id, action: 'staff.totp_enabled', entityType: 'staff_user', entityId: user.id });
    });
    return { recoveryCodes };
  }

  async changePassword(caller: StaffCaller, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.staff.findById(caller.user.id);
    if (!(await passwordMatches(user.passwordHash, currentPassword))) {
      throw new ValidationFailedError({ currentPassword: ['Your current password is not right'] });
    }
    const problem = passwordProblem(newPassword, user.email);
    if (problem) throw new ValidationFailedError({ newPassword: [problem] });
    const passwordHash = await hashPassword(newPassword);
    await this.dataSource.transaction(async (manager) => {
      await this.users.setPasswordHash(manager, user.id, passwordHash);
      // Anyone else signed in with the old password is signed out; this browser stays in.
      await this.sessions.revokeAllForStaff(user.id, manager, caller.session.tokenHash);
      await this.audit.record(manager, { actorType: 'staff', actorId: user.id, action: 'staff.password_changed', entityType: 'staff_user', entityId: user.id });
    });
  }

  /**
   * With no staff yet, prints a one-time link that creates the first admin. Each process that
   * starts prints its own link; all stop working once the first admin exists.
   */
  async offerFirstAdminSetup(): Promise<string | undefined> {
    if ((await this.staff.count()) > 0) return undefined;
    const token = randomBytes(32).toString('base64url');
    await this.users.insertSetupToken(hashToken(token), SETUP_LINK_HOURS);
    const link = `${this.config.publicBaseUrl}/desk/setup?token=${token}`;
    this.logger.warn(`No staff accounts yet. Create the first admin within ${SETUP_LINK_HOURS} hours at: ${link}`);
    return link;
  }

  async setupTokenValid(token: string): Promise<boolean> {
    if (typeof token !== 'string' || token.length > 100) return false;
    return (await this.users.setupTokenLive(hashToken(token))) && (await this.staff.count()) === 0;
  }

  async setupFirstAdmin(input: SetupFirstAdminDto): Promise<SignedIn> {
    return this.dataSource.transaction(async (manager) => {
      // One transaction at a time past this point: two people opening the link make one admin.
      await this.users.lockSetupTokens(manager);
      const valid = await this.users.setupTokenLive(hashToken(input.token), manager);
      if (!valid || (await this.users.count(manager)) > 0)
        throw new DomainError(HttpStatus.GONE, 'SETUP_LINK_INVALID', 'This setup link has expired or has already been used. Ask an admin for an account.');
      const user = await this.staff.create('system', { ...input, role: 'admin' }, manager);
      await this.users.deleteSetupTokens(manager);
      const session = await this.sessions.create({ staffUserId: user.id }, manager);
      await this.audit.record(manager, { actorType: 'staff', actorId: user.id, action: 'staff.signed_in', entityType: 'staff_user', entityId: user.id });
      return { ...session, user };
    });
  }
}
