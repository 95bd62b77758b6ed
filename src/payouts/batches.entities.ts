import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { StaffUser } from '../staff/staff.entities.js';
import { BATCH_STATES, bigintNumber, CURRENCIES, inList, type BatchState, type Currency } from './payout-values.js';

/** One export file. Its items keep an encrypted snapshot of exactly what was written. */
@Entity('payout_batches')
@Check('ck_payout_batches_state', inList('state', BATCH_STATES))
@Check('ck_payout_batches_currency', inList('currency', CURRENCIES))
@Check('ck_payout_batches_count', 'count >= 0 AND total_minor >= 0')
export class PayoutBatch {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payout_batches' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  format: string;

  @Column({ type: 'char', length: 3 })
  currency: Currency;

  @Column({ type: 'uuid' })
  createdBy: string;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'fk_payout_batches_created_by' })
  creator?: Relation<StaffUser>;

  @Column({ type: 'integer' })
  count: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  totalMinor: number;

  @Column({ type: 'char', length: 64, nullable: true })
  fileSha256: string | null;

  /**
   * The paying account the file named when it was made (the paper's own account, not personal
   * data), so a later change on the settings page never alters a batch's bytes. Null for
   * batches made before it was kept: those use the account in effect.
   */
  @Column({ type: 'jsonb', nullable: true })
  payerSnapshot: Record<string, string> | null;

  @Column({ type: 'varchar', length: 16, default: 'locked' })
  state: BatchState;

  @Column({ type: 'integer', default: 1 })
  version: number;

  /** When its file first left tipdesk: from then on only an admin who did not download it may void it. */
  @Column({ type: 'timestamptz', nullable: true })
  firstDownloadedAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  firstDownloadedBy: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'first_downloaded_by', foreignKeyConstraintName: 'fk_payout_batches_first_downloaded_by' })
  firstDownloader?: Relation<StaffUser>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/** Every download of a batch's file: who holds a copy that could reach the bank. */
@Entity('payout_batch_downloads')
@Index('ix_payout_batch_downloads_batch_id', ['batchId'])
export class PayoutBatchDownload {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payout_batch_downloads' })
  id: string;

  @Column({ type: 'uuid' })
  batchId: string;

  @ManyToOne(() => PayoutBatch, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'fk_payout_batch_downloads_batch_id' })
  batch?: Relation<PayoutBatch>;

  @Column({ type: 'uuid' })
  downloadedBy: string;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'downloaded_by', foreignKeyConstraintName: 'fk_payout_batch_downloads_downloaded_by' })
  downloader?: Relation<StaffUser>;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;
}
