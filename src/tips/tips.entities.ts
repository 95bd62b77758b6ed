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
import { StaffUser } from '../staff/staff.entities.js';

export const TIP_CHANNELS = ['web', 'email', 'whatsapp', 'phone', 'api'] as const;
export type TipChannel = (typeof TIP_CHANNELS)[number];
export const TIP_STATUSES = ['new', 'in_review', 'verified', 'used', 'rejected', 'spam', 'archived'] as const;
export type TipStatus = (typeof TIP_STATUSES)[number];
export const LICENCES = ['exclusive', 'non_exclusive'] as const;
export type Licence = (typeof LICENCES)[number];

const inList = (column: string, values: readonly string[]) => `${column} IN (${values.map((v) => `'${v}'`).join(', ')})`;

@Entity('contributors')
export class Contributor {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_contributors' })
  id: string;

  // Kept readable for the desk's search; never logged.
  @Index('ix_contributors_name_trgm', { synchronize: false })
  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  /** AES-256-GCM ciphertext (FieldCipher). */
  @Column({ type: 'text', nullable: true })
  emailEncrypted: string | null;

  /** AES-256-GCM ciphertext (FieldCipher). */
  @Column({ type: 'text', nullable: true })
  phoneEncrypted: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

@Entity('tips')
@Check('ck_tips_channel', inList('channel', TIP_CHANNELS))
@Check('ck_tips_status', inList('status', TIP_STATUSES))
// The desk's keyset pages: (created_at, id) in either direction, optionally within one status or
// assignee; the claim takes the oldest unclaimed new tip from its own small partial index.
@Index('ix_tips_created_at_id', ['createdAt', 'id'])
@Index('ix_tips_status_created_at_id', ['status', 'createdAt', 'id'])
@Index('ix_tips_assignee_id_created_at_id', ['assigneeId', 'createdAt', 'id'])
@Index('ix_tips_unclaimed', ['createdAt', 'id'], { where: "status = 'new' AND assignee_id IS NULL" })
export class Tip {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_tips' })
  id: string;

  @Index('uq_tips_reference', { unique: true })
  @Column({ type: 'varchar', length: 12 })
  reference: string;

  /** SHA-256 of the contributor's secret (the secret itself has 160 random bits). */
  @Column({ type: 'char', length: 64 })
  secretHash: string;

  @Column({ type: 'varchar', length: 16 })
  channel: TipChannel;

  @Column({ type: 'varchar', length: 16, default: 'new' })
  status: TipStatus;

  // GIN pg_trgm index (hand-written migration): partial words in the desk's search.
  @Index('ix_tips_story_trgm', { synchronize: false })
  @Column({ type: 'text' })
  story: string;

  @Index('ix_tips_location_trgm', { synchronize: false })
  @Column({ type: 'varchar', length: 500, nullable: true })
  location: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @Index('ix_tips_contributor_id')
  @Column({ type: 'uuid' })
  contributorId: string;

  @ManyToOne(() => Contributor, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'contributor_id', foreignKeyConstraintName: 'fk_tips_contributor_id' })
  contributor?: Contributor;

  @Column({ type: 'uuid', nullable: true })
  assigneeId: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assignee_id', foreignKeyConstraintName: 'fk_tips_assignee_id' })
  assignee?: Relation<StaffUser>;

  @Column({ type: 'smallint', default: 0 })
  priority: number;

  // GIN index (hand-written migration) for the desk's tag filter.
  @Index('ix_tips_tags', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  @Column({ type: 'uuid', nullable: true })
  duplicateOfId: string | null;

  @ManyToOne(() => Tip, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'duplicate_of_id', foreignKeyConstraintName: 'fk_tips_duplicate_of_id' })
  duplicateOf?: Tip;

  /** The desk's full-text search document; GIN index in a hand-written migration. */
  @Index('ix_tips_search_vector', { synchronize: false })
  @Column({
    type: 'tsvector',
    generatedType: 'STORED',
    asExpression: `to_tsvector('english', story || ' ' || coalesce(location, ''))`,
    select: false,
    insert: false,
    update: false,
  })
  searchVector?: string;

  /** Optimistic lock: changed only by compare-and-set updates. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/** What the contributor agreed to, exactly as shown. Immutable: a change is a new row. */
@Entity('consents')
@Check('ck_consents_licence', inList('licence', LICENCES))
export class Consent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_consents' })
  id: string;

  @Index('ix_consents_tip_id')
  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_consents_tip_id' })
  tip?: Tip;

  @Column({ type: 'varchar', length: 40 })
  termsVersion: string;

  @Column({ type: 'char', length: 64 })
  termsSha256: string;

  @Column({ type: 'varchar', length: 16 })
  licence: Licence;

  @Column({ type: 'boolean' })
  ownWork: boolean;

  @Column({ type: 'boolean' })
  over18: boolean;

  @Column({ type: 'varchar', length: 200, nullable: true })
  creditName: string | null;

  @Column({ type: 'boolean', default: false })
  anonymous: boolean;

  @Column({ type: 'varchar', length: 16 })
  channel: TipChannel;

  @Column({ type: 'timestamptz' })
  acceptedAt: Date;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;
}

/** The first answer to a post with an Idempotency-Key, replayed for a retry of the same post. */
@Entity('tip_idempotency_keys')
export class TipIdempotencyKey {
  /** Keyed hash of the client's key. */
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'pk_tip_idempotency_keys' })
  keyHash: string;

  /** SHA-256 of the request's fields, so a different post under a reused key is refused. */
  @Column({ type: 'char', length: 64 })
  requestSha256: string;

  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_tip_idempotency_keys_tip_id' })
  tip?: Tip;

  /** The answer (it holds the secret), encrypted with FieldCipher; swept after a day. */
  @Column({ type: 'text' })
  responseEncrypted: string;

  @Index('ix_tip_idempotency_keys_created_at')
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
