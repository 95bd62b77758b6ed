import { HttpStatus, Injectable, type OnModuleInit } from '@nestjs/common';
import { fileTypeFromBuffer } from 'file-type';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig, DATE_STYLES, type DateStyle, type Payer } from '../config/app-config.js';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from '../http/errors.js';
import type { StaffPrincipal } from '../staff/access.js';
import { DEFAULT_DESK_DATES, type DeskDates } from './desk-dates.js';
import type { PayerChangeDto, UpdatePaperSettingsDto } from './dto/settings.dto.js';
import {
  defaultPrivacyNotice,
  ENV_DEFAULT_OF,
  LOGO_MAX_BYTES,
  LOGO_TYPES,
  PAPER_FIELDS,
  PAYER_FIELDS,
  type LogoFile,
  type PaperField,
  type PaperView,
  type PayerField,
  type SettingShown,
} from './paper-settings.js';
import { SettingsRepository, type PayerChangeRow, type StoredSettings } from './settings.repository.js';
import { PAPER_SETTINGS_ID } from './settings.entities.js';

/** How long one process trusts its copy of the settings before reading them again (another process may have saved). */
const FRESH_FOR_MS = 5_000;

export class StaleSettingsError extends ConflictError {
  constructor() {
    super('SETTINGS_STALE_VERSION', 'Someone else saved the settings since you opened them, so your change was not saved. Check them and save again.');
  }
}

class AdminOnlyError extends DomainError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'SETTINGS_ADMIN_ONLY', 'Only admins can change the paper settings.');
  }
}

/** Each paying-account field's value and where it comes from, and the pending change if any. */
export interface PayerView {
  fields: Record<PayerField, SettingShown>;
  pending: PayerChangeRow | undefined;
  recent: PayerChangeRow[];
}

/**
 * The paper settings (/desk/admin/settings): the paper's name, logo, public contact details and
 * privacy notice, the desk's time zone and date style, and the paying account each bank file
 * names. Stored in one row, audited; each value not set there falls back to its environment
 * variable, then to tipdesk's default. A change to the paying account waits for a second admin.
 */
@Injectable()
export class PaperSettingsService implements OnModuleInit {
  private snapshot?: { stored: StoredSettings; paper: PaperView; at: number };

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: SettingsRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** The paper as pages show it, from this process's copy (see fresh()). */
  current(): PaperView {
    return this.snapshot?.paper ?? this.paperView(undefined);
  }

  /** Reads the settings again when this process's copy is older than a few seconds. Pages call it before they draw. */
  async fresh(): Promise<PaperView> {
    if (!this.snapshot || Date.now() - this.snapshot.at > FRESH_FOR_MS) await this.refresh();
    return this.current();
  }

  /** Every paper field with its value and source, for the settings page. */
  async paperFields(): Promise<{ fields: Record<PaperField, SettingShown>; version: number; logo: StoredSettings['logo']; paper: PaperView }> {
    const stored = await this.refresh();
    const fields = Object.fromEntries(PAPER_FIELDS.map((field) => [field, this.shown(field, stored.paper[field])])) as Record<PaperField, SettingShown>;
    return { fields, version: stored.version, logo: stored.logo, paper: this.current() };
  }

  async payerView(): Promise<PayerView> {
    const stored = await this.repository.read();
    const fields = Object.fromEntries(PAYER_FIELDS.map((field) => [field, this.shown(field, stored.payer[field])])) as Record<PayerField, SettingShown>;
    return { fields, pending: await this.repository.pendingChange(), recent: await this.repository.recentChanges(5) };
  }

  async logo(): Promise<LogoFile | null> {
    return this.repository.logo();
  }

  /** The paying account in effect: each field from the settings page, else its environment default. */
  async effectivePayer(): Promise<Payer> {
    const stored = await this.repository.read();
    return Object.fromEntries(PAYER_FIELDS.map((field) => [field, stored.payer[field] ?? this.envDefault(field) ?? undefined])) as Payer;
  }

  // ---- changes -------------------------------------------------------------------------------

  /** The paper's name, contacts, privacy notice and dates: saved at once, one audit event naming what changed. */
  async updatePaper(staff: StaffPrincipal, input: UpdatePaperSettingsDto): Promise<PaperView> {
    requireAdmin(staff);
    await this.dataSource.transaction(async (manager) => {
      const before = await this.repository.read(manager, true);
      if (before.version !== input.version) throw new StaleSettingsError();
      const changed = PAPER_FIELDS.filter((field) => (input[field] ?? null) !== before.paper[field]);
      if (changed.length === 0) return;
      const values = Object.fromEntries(changed.map((field) => [field, input[field] ?? null]));
      if (!(await this.repository.updatePaper(manager, values, input.version, staff.id))) throw new StaleSettingsError();
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'settings.changed',
        entityType: 'paper_settings',
        entityId: PAPER_SETTINGS_ID,
        before: Object.fromEntries(changed.map((field) => [field, before.paper[field]])),
        after: values,
      });
    });
    await this.refresh();
    return this.current();
  }

  /**
   * A new logo: judged by its first bytes (PNG, JPEG, GIF or WebP only; never SVG, which can
   * carry script), at most LOGO_MAX_BYTES. A refusal stores nothing.
   */
  async setLogo(staff: StaffPrincipal, file: { bytes: Buffer } | undefined, version: number): Promise<PaperView> {
    requireAdmin(staff);
    if (!file || file.bytes.length === 0) throw new ValidationFailedError({ logo: ['Choose an image file for the logo'] }, 'No logo was chosen');
    if (file.bytes.length > LOGO_MAX_BYTES) {
      throw new DomainError(HttpStatus.PAYLOAD_TOO_LARGE, 'LOGO_TOO_LARGE', `The logo can be at most ${LOGO_MAX_BYTES / 1024} KB.`, {
        logo: [`The logo can be at most ${LOGO_MAX_BYTES / 1024} KB; this one is ${Math.ceil(file.bytes.length / 1024)} KB`],
      });
    }
    const sniffed = await fileTypeFromBuffer(file.bytes);
    if (!sniffed || !(LOGO_TYPES as readonly string[]).includes(sniffed.mime)) {
      throw new DomainError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'LOGO_NOT_AN_IMAGE', 'The logo must be a PNG, JPEG, GIF or WebP image.', {
        logo: ['This file is not a PNG, JPEG, GIF or WebP image'],
      });
    }
    const logo: LogoFile = { bytes: file.bytes, type: sniffed.mime, sha256: createHash('sha256').update(file.bytes).digest('hex') };
    await this.saveLogo(staff, logo, version);
    return this.current();
  }

  async removeLogo(staff: StaffPrincipal, version: number): Promise<PaperView> {
    requireAdmin(staff);
    await this.saveLogo(staff, null, version);
    return this.current();
  }

  /** A new paying account, waiting for a second admin (one pending change at a time). */
  async proposePayer(staff: StaffPrincipal, input: PayerChangeDto): Promise<PayerChangeRow> {
    requireAdmin(staff);
    const proposed = Object.fromEntries(PAYER_FIELDS.map((field) => [field, input[field] ?? null])) as Record<PayerField, string | null>;
    const id = await this.dataSource.transaction(async (manager) => {
      const current = await this.repository.read(manager);
      if (PAYER_FIELDS.every((field) => proposed[field] === current.payer[field])) {
        throw new ConflictError('PAYER_CHANGE_UNCHANGED', 'These are the paying account’s settings already: nothing to change.');
      }
      const created = await this.repository.insertChange(manager, proposed, staff.id);
      if (!created) {
        throw new ConflictError(
          'PAYER_CHANGE_PENDING',
          'A change to the paying account is already waiting for approval: approve, reject or withdraw it first.',
        );
      }
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'settings.payer_change_proposed',
        entityType: 'payer_change',
        entityId: created,
        before: current.payer,
        after: proposed,
      });
      return created;
    });
    return (await this.repository.change(this.dataSource.manager, id))!;
  }

  /** A second admin approves: the proposed account takes effect now. Never the proposer. */
  async approvePayer(staff: StaffPrincipal, id: string): Promise<void> {
    requireAdmin(staff);
    await this.dataSource.transaction(async (manager) => {
      const change = await this.pendingOrThrow(manager, id);
      if (change.proposedBy === staff.id) {
        throw new DomainError(
          HttpStatus.FORBIDDEN,
          'PAYER_CHANGE_OWN_PROPOSAL',
          'You proposed this change to the paying account: a second admin must approve it.',
        );
      }
      const before = await this.repository.read(manager, true);
      if (!(await this.repository.decideChange(manager, id, 'approved', staff.id))) throw new PayerChangeNotPendingError();
      await this.repository.applyPayer(manager, change.proposed, staff.id);
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'settings.payer_change_approved',
        entityType: 'payer_change',
        entityId: id,
        before: before.payer,
        after: { ...change.proposed, proposedBy: change.proposedBy },
      });
    });
    await this.refresh();
  }

  /** Another admin rejects the change, or its proposer withdraws it: the paying account stays as it is. */
  async rejectPayer(staff: StaffPrincipal, id: string): Promise<'rejected' | 'withdrawn'> {
    requireAdmin(staff);
    return this.dataSource.transaction(async (manager) => {
      const change = await this.pendingOrThrow(manager, id);
      const to = change.proposedBy === staff.id ? 'withdrawn' : 'rejected';
      if (!(await this.repository.decideChange(manager, id, to, staff.id))) throw new PayerChangeNotPendingError();
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: `settings.payer_change_${to}`,
        entityType: 'payer_change',
        entityId: id,
        after: { state: to },
      });
      return to;
    });
  }

  // ---- the machinery -------------------------------------------------------------------------

  private async saveLogo(staff: StaffPrincipal, logo: LogoFile | null, version: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const before = await this.repository.read(manager, true);
      if (before.version !== version) throw new StaleSettingsError();
      if (!(await this.repository.setLogo(manager, logo, version, staff.id))) throw new StaleSettingsError();
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: logo ? 'settings.logo_changed' : 'settings.logo_removed',
        entityType: 'paper_settings',
        entityId: PAPER_SETTINGS_ID,
        before: before.logo ? { logoSha256: before.logo.sha256, logoType: before.logo.type } : null,
        after: logo ? { logoSha256: logo.sha256, logoType: logo.type, bytes: logo.bytes.length } : null,
      });
    });
    await this.refresh();
  }

  private async pendingOrThrow(manager: EntityManager, id: string): Promise<PayerChangeRow> {
    const change = await this.repository.change(manager, id);
    if (!change) throw new NotFoundError('PAYER_CHANGE_NOT_FOUND', 'There is no such change to the paying account.');
    if (change.state !== 'pending') throw new PayerChangeNotPendingError();
    return change;
  }

  private async refresh(): Promise<StoredSettings> {
    const stored = await this.repository.read();
    this.snapshot = { stored, paper: this.paperView(stored), at: Date.now() };
    return stored;
  }

  private envDefault(field: PaperField | PayerField): string | undefined {
    const name = ENV_DEFAULT_OF[field];
    const value = name ? (this.config as unknown as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  private shown(field: PaperField | PayerField, stored: string | null): SettingShown {
    const envName = ENV_DEFAULT_OF[field];
    if (stored !== null) return { value: stored, source: 'settings', envName };
    const fromEnv = this.envDefault(field);
    if (fromEnv !== undefined) return { value: fromEnv, source: 'env', envName };
    const builtIn = field === 'timeZone' ? DEFAULT_DESK_DATES.timeZone : field === 'dateStyle' ? DEFAULT_DESK_DATES.dateStyle : undefined;
    return builtIn ? { value: builtIn, source: 'default', envName } : { value: null, source: 'unset', envName };
  }

  private paperView(stored: StoredSettings | undefined): PaperView {
    const value = (field: PaperField) => stored?.paper[field] ?? this.envDefault(field) ?? null;
    const style = value('dateStyle');
    const dates: DeskDates = {
      timeZone: value('timeZone') ?? DEFAULT_DESK_DATES.timeZone,
      dateStyle: style && (DATE_STYLES as readonly string[]).includes(style) ? (style as DateStyle) : DEFAULT_DESK_DATES.dateStyle,
    };
    const paperName = value('paperName');
    return {
      paperName,
      contactEmail: value('contactEmail'),
      contactPhone: value('contactPhone'),
      contactWhatsapp: value('contactWhatsapp'),
      privacyNotice: value('privacyNotice') ?? defaultPrivacyNotice(paperName ?? 'This newsroom'),
      dates,
      logoUrl: stored?.logo ? `/paper/logo?v=${stored.logo.sha256.slice(0, 16)}` : null,
      version: stored?.version ?? 1,
    };
  }
}

export class PayerChangeNotPendingError extends ConflictError {
  constructor() {
    super('PAYER_CHANGE_NOT_PENDING', 'This change to the paying account has already been approved, rejected or withdrawn.');
  }
}

function requireAdmin(staff: StaffPrincipal): void {
  if (staff.role !== 'admin') throw new AdminOnlyError();
}
