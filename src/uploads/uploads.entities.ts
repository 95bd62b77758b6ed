import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MEDIA_KINDS, type MediaKind } from '../media/media.entities.js';

const bigintAsNumber = { to: (value: number) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

/**
 * A tus upload, from its creation until it is attached to a tip or expires. The bytes live in
 * the tus store under the id; this row is what every app process agrees on.
 */
@Entity('uploads')
@Check('ck_uploads_kind', `kind IS NULL OR kind IN (${MEDIA_KINDS.map((s) => `'${s}'`).join(', ')})`)
@Check('ck_uploads_size_bytes', 'size_bytes >= 0')
export class ResumableUpload {
  /** A random UUID chosen by the server (the tus namingFunction), never by the client. */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_uploads' })
  id: string;

  /** Upload-Length, as declared at creation (checked against MAX_FILE_BYTES). */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  sizeBytes: number;

  /** Hex SHA-256 of the finished file; null until it is finished. */
  @Column({ type: 'char', length: 64, nullable: true })
  sha256: string | null;

  /** MIME type from the finished file's first bytes. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  sniffedType: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  kind: MediaKind | null;

  /** From Upload-Metadata `filename`, sanitised; for display only, never a path. */
  @Column({ type: 'varchar', length: 255 })
  displayFilename: string;

  /** Where the tus store keeps it (`file:<id>` or `s3:<bucket>/<key>`), for operators. */
  @Column({ type: 'varchar', length: 500 })
  storageLocation: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** Unfinished: when the tus upload expires. Finished: when it is swept unless attached first. */
  @Index('ix_uploads_expires_at')
  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Index('ix_uploads_attached_tip_id')
  @Column({ type: 'uuid', nullable: true })
  attachedTipId: string | null;

  // The relation is here for the foreign key only (nothing loads it). Named by string, so uploads/
  // (which tips/ uses) does not import tips/.
  @ManyToOne('Tip', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'attached_tip_id', foreignKeyConstraintName: 'fk_uploads_attached_tip_id' })
  attachedTip?: object;

  @Column({ type: 'timestamptz', nullable: true })
  attachedAt: Date | null;
}
