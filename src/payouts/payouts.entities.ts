import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { StaffUser } from '../staff/staff.entities.js';
import { Contributor, LICENCES, Tip, type Licence } from '../tips/tips.entities.js';
import { PayoutBatch } from './batches.entities.js';
import {
  AMOUNT_MINOR_MAX,
  bigintNumber,
  CURRENCIES,
  inList,
  PAYEE_METHODS,
  PAYOUT_ACTOR_TYPES,
  PAYOUT_STATES,
  type Currency,
  type PayeeMethod,
  type PayoutActorType,
  type PayoutState,
} from './payout-values.js';

// What other modules have always imported from here; defined in the files named.
export { PayoutBatch, PayoutBatchDownload } from './batches.entities.js';
export {
  AMOUNT_MINOR_MAX,
  BATCH_STATES,
  CURRENCIES,
  PAYEE_METHODS,
  PAYOUT_ACTOR_TYPES,
  PAYOUT_STATES,
  type BatchState,
  type Currency,
  type PayeeMethod,
  type PayoutActorType,
  type PayoutState,
} from './payout-values.js';

/** Who gets paid, and how. Never updated: a change is a new version; old versions stay for the payouts that used them. */
@Entity('payee_details')
@Check('ck_payee_details_method', inList('method', PAYEE_METHODS))
@Index('uq_payee_details_contributor_id_version', ['contributorId', 'version'], { unique: true })
export class PayeeDetails {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payee_details' })
  id: string;

  @Column({ type: 'uuid' })
  contributorId: string;

  @ManyToOne(() => Contributor, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'contributor_id', foreignKeyConstraintName: 'fk_payee_details_contributor_id' })
  contributor?: Relation<Contributor>;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 16 })
  method: PayeeMethod;

  /** AES-256-GCM (FieldCipher): the account holder's name is personal data. */
  @Column({ type: 'text' })
  accountHolderNameEncrypted: string;

  /** e.g. `J*** S****`, for staff screens. */
  @Column({ type: 'varchar', length: 80 })
  accountHolderNameMasked: string;

  /** AES-256-GCM (FieldCipher) of the JSON {sortCode, accountNumber} | {iban, bic} | {paypalEmail}. */
  @Column({ type: 'text' })
  detailsEncrypted: string;

  /** e.g. `****1234`, `GB** **** 1234`, `j***@example.com`. */
  @Column({ type: 'varchar', length: 80 })
  masked: string;

  /**
   * Keyed hash (HMAC under a key derived from ENCRYPTION_KEY) of the normalised account, so two
   * contributors paid to one account are found (PAYEE_SHARED) without comparing plaintext.
   */
  @Index('ix_payee_details_account_hash')
  @Column({ type: 'char', length: 64, nullable: true })
  accountHash: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

@Entity('payouts')
@Check('ck_payouts_state', inList('state', PAYOUT_STATES))
@Check('ck_payouts_currency', inList('currency', CURRENCIES))
@Check('ck_payouts_licence', inList('licence', LICENCES))
@Check('ck_payouts_amount_minor', `amount_minor > 0 AND amount_minor <= ${AMOUNT_MINOR_MAX}`)
@Check('ck_payouts_bank_reference', `bank_reference ~ '^[A-Z0-9./& -]{1,18}$'`)
// In a batch exactly while batched, paid or failed; voiding a batch clears batch_id.
@Check('ck_payouts_batch_id', `(state IN ('batched', 'paid', 'failed')) = (batch_id IS NOT NULL)`)
@Check('ck_payouts_approval', `(state IN ('approved', 'batched', 'paid', 'failed')) <= (approved_by IS NOT NULL)`)
@Check('ck_payouts_payee', `state IN ('offered', 'declined', 'cancelled') OR payee_details_id IS NOT NULL`)
@Index('ix_payouts_tip_id', ['tipId'])
@Index('ix_payouts_contributor_id', ['contributorId'])
@Index('ix_payouts_state_created_at_id', ['state', 'createdAt', 'id'])
@Index('ix_payouts_created_at_id', ['createdAt', 'id'])
@Index('ix_payouts_batch_id', ['batchId'])
export class Payout {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payouts' })
  id: string;

  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_payouts_tip_id' })
  tip?: Relation<Tip>;

  @Column({ type: 'uuid' })
  contributorId: string;

  @ManyToOne(() => Contributor, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'contributor_id', foreignKeyConstraintName: 'fk_payouts_contributor_id' })
  contributor?: Relation<Contributor>;

  @Column({ type: 'bigint', transformer: bigintNumber })
  amountMinor: number;

  @Column({ type: 'char', length: 3 })
  currency: Currency;

  @Column({ type: 'varchar', length: 16 })
  licence: Licence;

  @Column({ type: 'varchar', length: 16, default: 'offered' })
  state: PayoutState;

  /** On the contributor's bank statement: `TIPDESK ` + 8 Crockford characters. */
  @Index('uq_payouts_bank_reference', { unique: true })
  @Column({ type: 'varchar', length: 18 })
  bankReference: string;

  @Column({ type: 'uuid' })
  offeredBy: string;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'offered_by', foreignKeyConstraintName: 'fk_payouts_offered_by' })
  offerer?: Relation<StaffUser>;

  @Column({ type: 'timestamptz' })
  offeredAt: Date;

  @Column({ type: 'uuid', nullable: true })
  approvedBy: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'approved_by', foreignKeyConstraintName: 'fk_payouts_approved_by' })
  approver?: Relation<StaffUser>;

  @Column({ type: 'timestamptz', nullable: true })
  approvedAt: Date | null;

  /** Editors' Code cl. 15: the contributor may be a witness in active criminal proceedings. */
  @Column({ type: 'boolean', default: false })
  legalWitness: boolean;

  /** Editors' Code cl. 16: paid in connection with a crime. */
  @Column({ type: 'boolean', default: false })
  legalCrime: boolean;

  @Column({ type: 'uuid', nullable: true })
  legalSignedOffBy: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'legal_signed_off_by', foreignKeyConstraintName: 'fk_payouts_legal_signed_off_by' })
  legalSigner?: Relation<StaffUser>;

  @Column({ type: 'timestamptz', nullable: true })
  legalSignedOffAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  payeeDetailsId: string | null;

  @ManyToOne(() => PayeeDetails, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'payee_details_id', foreignKeyConstraintName: 'fk_payouts_payee_details_id' })
  payeeDetails?: Relation<PayeeDetails>;

  @Column({ type: 'uuid', nullable: true })
  batchId: string | null;

  @ManyToOne(() => PayoutBatch, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'fk_payouts_batch_id' })
  batch?: Relation<PayoutBatch>;

  /** The payee details were given in a browser that also held a staff session (PAYEE_FROM_STAFF_BROWSER). */
  @Column({ type: 'boolean', default: false })
  payeeFromStaffBrowser: boolean;

  /** Whose staff session it was, when it was still signed in. */
  @Column({ type: 'uuid', nullable: true })
  payeeStaffBrowserStaffId: string | null;

  /** Over PAYOUT_SECOND_APPROVAL_MINOR: the first of the two approvers (the payout stays accepted until the second). */
  @Column({ type: 'uuid', nullable: true })
  firstApprovedBy: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'first_approved_by', foreignKeyConstraintName: 'fk_payouts_first_approved_by' })
  firstApprover?: Relation<StaffUser>;

  @Column({ type: 'timestamptz', nullable: true })
  firstApprovedAt: Date | null;

  /** The bank's own reference for a paid payout. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  paidReference: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  failureReason: string | null;

  /** The failed payout this one reissues; each failed payout is reissued at most once. */
  @Index('uq_payouts_replaces_payout_id', { unique: true })
  @Column({ type: 'uuid', nullable: true })
  replacesPayoutId: string | null;

  @ManyToOne(() => Payout, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'replaces_payout_id', foreignKeyConstraintName: 'fk_payouts_replaces_payout_id' })
  replaces?: Relation<Payout>;

  /** Optimistic lock: changed only by compare-and-set updates. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * An admin lets one staff member, who logged a tip or saw its secret, offer on it all the same
 * (a one-person bureau): each such payout then carries LOGGED_BY_OFFERER for its approver.
 */
@Entity('payout_conflict_waivers')
@Index('uq_payout_conflict_waivers_tip_id_staff_id', ['tipId', 'staffId'], { unique: true })
export class PayoutConflictWaiver {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payout_conflict_waivers' })
  id: string;

  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_payout_conflict_waivers_tip_id' })
  tip?: Relation<Tip>;

  @Column({ type: 'uuid' })
  staffId: string;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'staff_id', foreignKeyConstraintName: 'fk_payout_conflict_waivers_staff_id' })
  staff?: Relation<StaffUser>;

  @Column({ type: 'uuid' })
  grantedBy: string;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'granted_by', foreignKeyConstraintName: 'fk_payout_conflict_waivers_granted_by' })
  granter?: Relation<StaffUser>;

  @Column({ type: 'varchar', length: 500 })
  reason: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/**
 * Append-only (a trigger refuses UPDATE and DELETE): every move of a payout, who made it and why.
 * A hash chain of its own (seq, prev_hash, hash: src/audit/event-chain.ts).
 */
@Entity('payout_events')
@Index('uq_payout_events_seq', ['seq'], { unique: true })
@Check('ck_payout_events_actor_type', inList('actor_type', PAYOUT_ACTOR_TYPES))
@Index('ix_payout_events_payout_id_at', ['payoutId', 'at'])
// The desk's "news since you last looked" (offer accepted, paid, payment failed) reads recent moves by time.
@Index('ix_payout_events_news_at', ['at'], { where: `to_state IN ('accepted', 'paid', 'failed')` })
export class PayoutEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payout_events' })
  id: string;

  @Column({ type: 'uuid' })
  payoutId: string;

  @ManyToOne(() => Payout, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'payout_id', foreignKeyConstraintName: 'fk_payout_events_payout_id' })
  payout?: Relation<Payout>;

  @Column({ type: 'varchar', length: 16 })
  actorType: PayoutActorType;

  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  /** The staff role at the time (or `contributor` / `system`). */
  @Column({ type: 'varchar', length: 16 })
  role: string;

  /** Null for the offer that created the payout. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  fromState: PayoutState | null;

  @Column({ type: 'varchar', length: 16 })
  toState: PayoutState;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  /** What else the move carried: the risks acknowledged or cleared, who logged the tip or saw its secret. */
  @Column({ type: 'jsonb', nullable: true })
  detail: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}

/** What a batch wrote for one payout, encrypted, so a later payee change never alters an exported file. */
@Entity('payout_batch_items')
@Index('uq_payout_batch_items_batch_id_position', ['batchId', 'position'], { unique: true })
@Index('uq_payout_batch_items_batch_id_payout_id', ['batchId', 'payoutId'], { unique: true })
@Index('ix_payout_batch_items_payout_id', ['payoutId'])
// The backstop behind "a payout is in at most one live batch": voiding a batch clears `live` on
// its items, so the payout can be batched again, and no two live items may name one payout.
@Index('uq_payout_batch_items_payout_id_live', ['payoutId'], { unique: true, where: 'live' })
export class PayoutBatchItem {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payout_batch_items' })
  id: string;

  @Column({ type: 'uuid' })
  batchId: string;

  @ManyToOne(() => PayoutBatch, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'fk_payout_batch_items_batch_id' })
  batch?: Relation<PayoutBatch>;

  @Column({ type: 'uuid' })
  payoutId: string;

  @ManyToOne(() => Payout, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'payout_id', foreignKeyConstraintName: 'fk_payout_batch_items_payout_id' })
  payout?: Relation<Payout>;

  @Column({ type: 'integer' })
  position: number;

  /** AES-256-GCM (FieldCipher) JSON of the payee as written to the file. */
  @Column({ type: 'text' })
  snapshotEncrypted: string;

  /** True until the batch is voided (then the payout is free to go into another batch). */
  @Column({ type: 'boolean', default: true })
  live: boolean;
}
