import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';

export const STAFF_ROLES = ['admin', 'editor', 'accounting'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

@Entity('staff_users')
@Check('ck_staff_users_role', `role IN (${STAFF_ROLES.map((r) => `'${r}'`).join(', ')})`)
export class StaffUser {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_staff_users' })
  id: string;

  /** Lower-cased on the way in, so one address is one account. */
  @Index('uq_staff_users_email', { unique: true })
  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: StaffRole;

  /** argon2id, PHC string. */
  @Column({ type: 'text' })
  passwordHash: string;

  /** Base32 TOTP secret, AES-256-GCM ciphertext (FieldCipher); set at enrolment, before it is confirmed. */
  @Column({ type: 'text', nullable: true })
  totpSecretEncrypted: string | null;

  /** Set once the user has proved the authenticator works; from then on sign-in needs a code. */
  @Column({ type: 'timestamptz', nullable: true })
  totpEnabledAt: Date | null;

  /** The last 30-second step accepted, so a code cannot be replayed within its window. */
  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  totpLastStep: number | null;

  /** SHA-256 of each unused recovery code (each has 50 random bits and is single-use). */
  @Column({ type: 'char', length: 64, array: true, default: () => "'{}'" })
  recoveryCodeHashes: string[];

  @Column({ type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastSignInAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

export const SESSION_KINDS = ['staff', 'contributor'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** A signed-in browser or API client. The cookie holds a random token; only its SHA-256 is stored. */
@Entity('sessions')
@Check('ck_sessions_kind', `kind IN ('staff', 'contributor')`)
@Check(
  'ck_sessions_subject',
  `(kind = 'staff' AND staff_user_id IS NOT NULL AND tip_id IS NULL) OR (kind = 'contributor' AND tip_id IS NOT NULL AND staff_user_id IS NULL)`,
)
export class Session {
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'pk_sessions' })
  tokenHash: string;

  @Column({ type: 'varchar', length: 16 })
  kind: SessionKind;

  @Index('ix_sessions_staff_user_id')
  @Column({ type: 'uuid', nullable: true })
  staffUserId: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'staff_user_id', foreignKeyConstraintName: 'fk_sessions_staff_user_id' })
  staffUser?: Relation<StaffUser>;

  /** A contributor's session sees this one tip and nothing else. */
  @Index('ix_sessions_tip_id')
  @Column({ type: 'uuid', nullable: true })
  tipId: string | null;

  // The tip by its entity name, not its class: tips/ builds on staff/ (a tip's assignee is a
  // StaffUser), so importing Tip here would make the two folders a cycle.
  @ManyToOne('Tip', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_sessions_tip_id' })
  tip?: Relation<{ id: string }>;

  /** Synchronizer token: every state-changing request must echo it (header or form field). */
  @Column({ type: 'varchar', length: 64 })
  csrfToken: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  lastSeenAt: Date;

  @Index('ix_sessions_expires_at')
  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}

/**
 * Consecutive failed sign-ins per subject (a keyed hash of an email address or a tip reference,
 * whether or not it exists, so a lock-out says nothing about which accounts are real).
 */
@Entity('sign_in_throttles')
export class SignInThrottle {
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'pk_sign_in_throttles' })
  subject: string;

  @Column({ type: 'integer', default: 0 })
  failures: number;

  @Column({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Index('ix_sign_in_throttles_last_failure_at')
  @Column({ type: 'timestamptz' })
  lastFailureAt: Date;
}

/** The one-time link that creates the first admin; only its SHA-256 is stored. */
@Entity('staff_setup_tokens')
export class StaffSetupToken {
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'pk_staff_setup_tokens' })
  tokenHash: string;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
