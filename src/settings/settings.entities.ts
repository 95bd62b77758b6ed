import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { StaffUser } from '../staff/staff.entities.js';

/** The one row of paper settings (its id is fixed, so the audit log can name it). */
export const PAPER_SETTINGS_ID = '00000000-0000-4000-8000-000000000001';

export const PAYER_CHANGE_STATES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type PayerChangeState = (typeof PAYER_CHANGE_STATES)[number];

/**
 * What an admin set on /desk/admin/settings. Every column is nullable: null means "not set
 * here", and the environment's default (or tipdesk's own) applies. The paying account's columns
 * change only when a second admin approves a payer change.
 */
@Entity('paper_settings')
@Check('ck_paper_settings_one_row', `id = '${PAPER_SETTINGS_ID}'`)
@Check('ck_paper_settings_logo', `(logo IS NULL) = (logo_type IS NULL) AND (logo IS NULL) = (logo_sha256 IS NULL)`)
export class PaperSettings {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_paper_settings' })
  id: string;

  @Column({ type: 'varchar', length: 80, nullable: true })
  paperName: string | null;

  /** The logo's bytes (PNG, JPEG, GIF or WebP by its first bytes; at most LOGO_MAX_BYTES). */
  @Column({ type: 'bytea', nullable: true })
  logo: Buffer | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  logoType: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  logoSha256: string | null;

  @Column({ type: 'varchar', length: 254, nullable: true })
  contactEmail: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  contactPhone: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  contactWhatsapp: string | null;

  @Column({ type: 'text', nullable: true })
  privacyNotice: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timeZone: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  dateStyle: string | null;

  @Column({ type: 'varchar', length: 18, nullable: true })
  payerName: string | null;

  @Column({ type: 'varchar', length: 6, nullable: true })
  payerSortCode: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  payerAccountNumber: string | null;

  @Column({ type: 'varchar', length: 6, nullable: true })
  bacsServiceUserNumber: string | null;

  @Column({ type: 'varchar', length: 70, nullable: true })
  sepaDebtorName: string | null;

  @Column({ type: 'varchar', length: 34, nullable: true })
  sepaDebtorIban: string | null;

  @Column({ type: 'varchar', length: 11, nullable: true })
  sepaDebtorBic: string | null;

  /** Compare-and-set: a save carries the version it was read at. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ type: 'uuid', nullable: true })
  updatedBy: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'updated_by', foreignKeyConstraintName: 'fk_paper_settings_updated_by' })
  updater?: Relation<StaffUser>;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * A proposed change to the paying account (where a fraudster would start): it takes effect only
 * when a second admin approves it. At most one is pending at a time; the proposer can never be
 * the approver (the database refuses it too).
 */
@Entity('payer_changes')
@Check('ck_payer_changes_state', `state IN (${PAYER_CHANGE_STATES.map((s) => `'${s}'`).join(', ')})`)
@Check('ck_payer_changes_decided', `(state = 'pending') = (decided_at IS NULL)`)
@Check('ck_payer_changes_second_admin', `state <> 'approved' OR (decided_by IS NOT NULL AND decided_by <> proposed_by)`)
@Index('uq_payer_changes_one_pending', ['state'], { unique: true, where: `state = 'pending'` })
@Index('ix_payer_changes_proposed_at', ['proposedAt'])
export class PayerChange {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payer_changes' })
  id: string;

  /** Every paying-account field as it would be: a value, or null for "the environment's default". */
  @Column({ type: 'jsonb' })
  proposed: Record<string, string | null>;

  @Column({ type: 'varchar', length: 16 })
  state: PayerChangeState;

  @Column({ type: 'uuid' })
  proposedBy: string;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'proposed_by', foreignKeyConstraintName: 'fk_payer_changes_proposed_by' })
  proposer?: Relation<StaffUser>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  proposedAt: Date;

  @Column({ type: 'uuid', nullable: true })
  decidedBy: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'fk_payer_changes_decided_by' })
  decider?: Relation<StaffUser>;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null;
}
