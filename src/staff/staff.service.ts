import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from '../http/errors.js';
import type { StaffPrincipal } from './access.js';
import type { CreateStaffDto, StaffUserDto, UpdateStaffDto } from './dto/staff.dto.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { SessionsService } from './sessions.service.js';
import { SignInThrottleService } from './sign-in-throttle.service.js';
import type { StaffUser } from './staff.entities.js';
import { StaffRepository, type StaffUserPatch } from './staff.repository.js';

/** Who did it, for the audit trail: a signed-in staff member, or the system (CLI, first-run setup). */
export type StaffActor = StaffPrincipal | 'system';

const actorFields = (actor: StaffActor) =>
  actor === 'system' ? ({ actorType: 'system', actorId: null } as const) : ({ actorType: 'staff', actorId: actor.id } as const);

export class StaffNotFoundError extends NotFoundError {
  constructor() {
    super('STAFF_NOT_FOUND', 'There is no staff member with that id.');
  }
}

/** Staff accounts: who may sign in to the desk and the accounts pages, and as what. */
@Injectable()
export class StaffService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    private readonly throttle: SignInThrottleService,
    private readonly users: StaffRepository,
  ) {}

  async count(): Promise<number> {
    return this.users.count();
  }

  async findById(id: string): Promise<StaffUser> {
    const user = await this.users.findById(id);
    if (!user) throw new StaffNotFoundError();
    return user;
  }

  async findByEmail(email: string): Promise<StaffUser | null> {
    return this.users.findByEmail(email.trim().toLowerCase());
  }

  async list(): Promise<StaffUserDto[]> {
    const users = await this.users.list();
    return Promise.all(users.map((user) => this.toDto(user)));
  }

  /** The other staff an editor can assign a tip to (active editors and admins). */
  async assignable(): Promise<Pick<StaffUserDto, 'id' | 'name' | 'role'>[]> {
    return this.users.assignable();
  }

  async create(actor: StaffActor, input: CreateStaffDto, manager: EntityManager = this.dataSource.manager): Promise<StaffUserDto> {
    const problem = passwordProblem(input.password, input.email);
    if (problem) throw new ValidationFailedError({ password: [problem] });
    const passwordHash = await hashPassword(input.password);
    const user = await this.users
      .insert(manager, { email: input.email.trim().toLowerCase(), name: input.name.trim(), role: input.role, passwordHash })
      .catch((error: { code?: string }) => {
        if (error.code === '23505') throw new ConflictError('STAFF_EMAIL_TAKEN', 'There is already a staff account with that email address.');
        throw error;
      });
    await this.audit.record(manager, {
      ...actorFields(actor),
      action: 'staff.created',
      entityType: 'staff_user',
      entityId: user.id,
      after: { email: user.email, role: user.role },
    });
    return this.toDto(user);
  }

  async update(actor: StaffPrincipal, id: string, changes: UpdateStaffDto): Promise<StaffUserDto> {
    return this.dataSource.transaction(async (manager) => {
      // Row lock: two admins changing roles at once must not both remove "the other" last admin.
      if (!(await this.users.lockForUpdate(manager, id))) throw new StaffNotFoundError();
      const before = (await this.users.findById(id, manager))!;
      const losesAdmin = before.role === 'admin' && before.disabledAt === null && ((changes.role && changes.role !== 'admin') || changes.disabled === true);
      if (losesAdmin) {
        if ((await this.users.countActiveAdminsForUpdate(manager)) <= 1)
          throw new ConflictError('LAST_ADMIN', 'This is the last active admin: make someone else an admin first.');
      }
      const patch: StaffUserPatch = {};
      if (changes.name !== undefined) patch.name = changes.name;
      if (changes.role !== undefined) patch.role = changes.role;
      if (changes.disabled !== undefined && changes.disabled !== (before.disabledAt !== null)) patch.disabledAt = changes.disabled ? new Date() : null;
      if (Object.keys(patch).length === 0) return this.toDto(before);
      await this.users.update(manager, id, patch);
      // A new role or a disabled account takes effect now, not when the old session times out.
      if (patch.role !== undefined || patch.disabledAt) await this.sessions.revokeAllForStaff(id, manager);
      const after = (await this.users.findById(id, manager))!;
      await this.audit.record(manager, {
        ...actorFields(actor),
        action: patch.disabledAt ? 'staff.disabled' : patch.disabledAt === null ? 'staff.enabled' : 'staff.updated',
        entityType: 'staff_user',
        entityId: id,
        before: { name: before.name, role: before.role, disabled: before.disabledAt !== null },
        after: { name: after.name, role: after.role, disabled: after.disabledAt !== null },
      });
      return this.toDto(after);
    });
  }

  /** For a lost phone: the person signs in with their password alone and enrols again. */
  async resetTwoFactor(actor: StaffPrincipal, id: string): Promise<StaffUserDto> {
    return this.dataSource.transaction(async (manager) => {
      const user = await this.users.findById(id, manager);
      if (!user) throw new StaffNotFoundError();
      if (!user.totpEnabledAt && !user.totpSecretEncrypted)
        throw new DomainError(HttpStatus.CONFLICT, 'TOTP_NOT_ENABLED', 'This person has not set up two-factor sign-in.');
      await this.users.clearTotp(manager, id);
      await this.sessions.revokeAllForStaff(id, manager);
      await this.audit.record(manager, { ...actorFields(actor), action: 'staff.totp_reset', entityType: 'staff_user', entityId: id });
      return this.toDto((await this.users.findById(id, manager))!);
    });
  }

  async unlock(actor: StaffPrincipal, id: string): Promise<StaffUserDto> {
    const user = await this.findById(id);
    await this.throttle.recordSuccess(this.throttle.subject('staff', user.email));
    await this.audit.record(this.dataSource.manager, { ...actorFields(actor), action: 'staff.unlocked', entityType: 'staff_user', entityId: id });
    return this.toDto(user);
  }

  /**
   * For a forgotten password: an admin (or the operator's CLI) sets a new one. The person is
   * signed out everywhere and any sign-in lock is lifted, so the new password works at once.
   * An admin's own password goes through AuthService.changePassword instead, which asks for the
   * current one: a session left open must not be enough to take over its admin account.
   */
  async setPassword(actor: StaffActor, id: string, password: string): Promise<StaffUserDto> {
    if (actor !== 'system' && actor.id === id) {
      throw new DomainError(
        HttpStatus.BAD_REQUEST,
        'OWN_PASSWORD_NEEDS_CURRENT',
        'To change your own password, use your Account page (POST /api/auth/password): it asks for your current one.',
      );
    }
    const user = await this.findById(id);
    const problem = passwordProblem(password, user.email);
    if (problem) throw new ValidationFailedError({ password: [problem] });
    const passwordHash = await hashPassword(password);
    await this.dataSource.transaction(async (manager) => {
      await this.users.setPasswordHash(manager, id, passwordHash);
      await this.sessions.revokeAllForStaff(id, manager);
      await this.throttle.recordSuccess(this.throttle.subject('staff', user.email), manager);
      await this.audit.record(manager, { ...actorFields(actor), action: 'staff.password_reset', entityType: 'staff_user', entityId: id });
    });
    // After the commit, so the lock it reports is the one just lifted.
    return this.toDto(user);
  }

  async toDto(user: StaffUser): Promise<StaffUserDto> {
    const locked = await this.throttle.isLocked(this.throttle.subject('staff', user.email));
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      totpEnabled: user.totpEnabledAt !== null,
      disabled: user.disabledAt !== null,
      locked,
      lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
