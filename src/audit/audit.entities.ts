import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const AUDIT_ACTOR_TYPES = ['contributor', 'staff', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/**
 * Append-only: the app inserts, never updates or deletes (a trigger enforces it). Each event is
 * a link of a hash chain (event-chain.ts): `hash` is SHA-256 over `prev_hash` and the event's
 * canonical encoding, `seq` its place, so an altered, deleted or reordered event shows.
 */
@Entity('audit_events')
@Index('uq_audit_events_seq', ['seq'], { unique: true })
@Index('ix_audit_events_entity', ['entityType', 'entityId', 'at'])
// The admins' log: newest first, optionally one person's actions.
@Index('ix_audit_events_at', ['at'])
@Index('ix_audit_events_actor_id_at', ['actorId', 'at'])
export class AuditEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_audit_events' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  actorType: AuditActorType;

  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'varchar', length: 32 })
  entityType: string;

  @Column({ type: 'uuid' })
  entityId: string;

  @Column({ type: 'jsonb', nullable: true })
  before: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  after: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  /** Its place in the chain, 1, 2, 3… with no gaps. */
  @Column({ type: 'bigint' })
  seq: string;

  @Column({ type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}

/**
 * The heads of the two event chains (audit_events, payout_events) in one row: every append
 * updates it in the statement that inserts the event, so appends are serialised by its row lock
 * (one row, so two chains can never deadlock) and each new event links to the latest committed one.
 */
@Entity('event_chain_head')
@Check('ck_event_chain_head_single_row', 'id = 1')
export class EventChainHead {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'pk_event_chain_head' })
  id: number;

  @Column({ type: 'bigint' })
  auditSeq: string;

  @Column({ type: 'char', length: 64 })
  auditHash: string;

  @Column({ type: 'char', length: 64 })
  auditPrevHash: string;

  @Column({ type: 'bigint' })
  payoutSeq: string;

  @Column({ type: 'char', length: 64 })
  payoutHash: string;

  @Column({ type: 'char', length: 64 })
  payoutPrevHash: string;
}
