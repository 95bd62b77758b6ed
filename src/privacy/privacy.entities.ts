import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const ERASURE_REQUEST_STATES = ['pending', 'carried_out', 'declined'] as const;
export type ErasureRequestState = (typeof ERASURE_REQUEST_STATES)[number];

// The relations below exist for the foreign keys only; targets are named by string so privacy/
// does not load other modules' entity classes (the database wiring lists every entity).

/** A tip an admin has put on legal hold: nothing on it is erased (or, later, purged) while the row exists. Lifting deletes the row; the audit log keeps the history. */
@Entity('legal_holds')
export class LegalHold {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_legal_holds' })
  tipId: string;

  @ManyToOne('Tip', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_legal_holds_tip_id' })
  tip?: object;

  @Column({ type: 'varchar', length: 500 })
  reason: string;

  @Column({ type: 'uuid' })
  placedBy: string;

  @ManyToOne('StaffUser', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'placed_by', foreignKeyConstraintName: 'fk_legal_holds_placed_by' })
  placer?: object;

  @CreateDateColumn({ type: 'timestamptz' })
  placedAt: Date;
}

/** A contributor's "delete my tip and my details", made from /status; admins carry it out or decline it. */
@Entity('erasure_requests')
@Check('ck_erasure_requests_state', `state IN (${ERASURE_REQUEST_STATES.map((s) => `'${s}'`).join(', ')})`)
@Index('ix_erasure_requests_state_requested_at', ['state', 'requestedAt'])
export class ErasureRequest {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_erasure_requests' })
  id: string;

  /** One open or past request per tip: asking twice finds the same row. */
  @Index('uq_erasure_requests_tip_id', { unique: true })
  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne('Tip', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_erasure_requests_tip_id' })
  tip?: object;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  state: ErasureRequestState;

  @CreateDateColumn({ type: 'timestamptz' })
  requestedAt: Date;

  @Column({ type: 'uuid', nullable: true })
  decidedBy: string | null;

  @ManyToOne('StaffUser', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'fk_erasure_requests_decided_by' })
  decider?: object;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  /** Why an admin declined (shown to the contributor); null otherwise. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  declineReason: string | null;
}

/** The signed certificate of one erasure: the statement exactly as signed, and its signature. */
@Entity('erasure_certificates')
export class ErasureCertificate {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_erasure_certificates' })
  tipId: string;

  @ManyToOne('Tip', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_erasure_certificates_tip_id' })
  tip?: object;

  /** Null when retention erased it (no staff member). */
  @Column({ type: 'uuid', nullable: true })
  erasedBy: string | null;

  @ManyToOne('StaffUser', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'erased_by', foreignKeyConstraintName: 'fk_erasure_certificates_erased_by' })
  eraser?: object;

  @Column({ type: 'timestamptz' })
  erasedAt: Date;

  /** The certificate's JSON text, byte for byte what was signed. */
  @Column({ type: 'text' })
  statement: string;

  /** Base64 Ed25519 signature of `statement` (crypto/certificate-key.ts). */
  @Column({ type: 'varchar', length: 100 })
  signature: string;
}
