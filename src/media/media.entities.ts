import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

// 'unprobed': processing gave up (the file could not be read); the file is kept and served.
export const MEDIA_STATES = ['uploading', 'stored', 'processing', 'ready', 'unprobed', 'rejected'] as const;
export type MediaState = (typeof MEDIA_STATES)[number];
export const MEDIA_KINDS = ['video', 'image', 'audio'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

// The virus scan (only while CLAMAV_HOST is set; null: never asked for). 'infected': quarantined,
// the bytes kept for evidence but never served; 'not_scanned': too large for clamd, never "clean".
export const MEDIA_SCAN_STATES = ['pending', 'clean', 'infected', 'not_scanned'] as const;
export type MediaScanState = (typeof MEDIA_SCAN_STATES)[number];

const bigintAsNumber = { to: (value: number) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

@Entity('media')
@Check('ck_media_state', `state IN (${MEDIA_STATES.map((s) => `'${s}'`).join(', ')})`)
@Check('ck_media_kind', `kind IN (${MEDIA_KINDS.map((s) => `'${s}'`).join(', ')})`)
@Check('ck_media_size_bytes', 'size_bytes >= 0')
// The sweep's question ("which scans lost their job?") reads only the few pending rows.
@Index('ix_media_scan_pending', ['createdAt'], { where: "scan_state = 'pending'" })
@Check('ck_media_scan_state', `scan_state IN (${MEDIA_SCAN_STATES.map((s) => `'${s}'`).join(', ')})`)
export class Media {
  /** Chosen before the bytes are stored, so the storage key can be derived from it. */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_media' })
  id: string;

  @Index('ix_media_tip_id')
  @Column({ type: 'uuid' })
  tipId: string;

  // The relation is here for the foreign key only (nothing loads it). Named by string, so media/
  // (which tips/ uses) does not import tips/.
  @ManyToOne('Tip', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_media_tip_id' })
  tip?: object;

  @Index('uq_media_storage_key', { unique: true })
  @Column({ type: 'varchar', length: 200 })
  storageKey: string;

  /** Sanitised name for display and Content-Disposition; never part of a path. */
  @Column({ type: 'varchar', length: 255 })
  displayFilename: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  declaredType: string | null;

  /** MIME type from the file's first bytes. */
  @Column({ type: 'varchar', length: 100 })
  sniffedType: string;

  @Column({ type: 'varchar', length: 8 })
  kind: MediaKind;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  sizeBytes: number;

  @Index('ix_media_sha256')
  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ type: 'varchar', length: 16, default: 'stored' })
  state: MediaState;

  @Column({ type: 'jsonb', nullable: true })
  probe: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  thumbnailKey: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  scanState: MediaScanState | null;

  /** What ClamAV found (state 'infected'), as clamd names it. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  scanSignature: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  scannedAt: Date | null;

  /** Why a file was not scanned ('too large'), or why the last try failed (a code). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  scanNote: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
