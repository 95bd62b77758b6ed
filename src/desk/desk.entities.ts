import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { StaffUser } from '../staff/staff.entities.js';
import { Tip, TIP_CHANNELS, type TipChannel } from '../tips/tips.entities.js';

export const NOTE_MAX_LENGTH = 10_000;
export const MESSAGE_MAX_LENGTH = 5_000;

/** Internal: what editors write to each other about a tip. The contributor never sees these. */
@Entity('notes')
@Index('ix_notes_tip_id_created_at', ['tipId', 'createdAt'])
export class Note {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_notes' })
  id: string;

  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_notes_tip_id' })
  tip?: Relation<Tip>;

  /** The editor who wrote it; null for a note tipdesk itself wrote (a channel's dropped file, say). */
  @Column({ type: 'uuid', nullable: true })
  authorId: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'author_id', foreignKeyConstraintName: 'fk_notes_author_id' })
  author?: Relation<StaffUser>;

  @Column({ type: 'text' })
  body: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

export const MESSAGE_DIRECTIONS = ['to_contributor', 'from_contributor'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

/** The conversation with the contributor, both ways. */
@Entity('messages')
@Check('ck_messages_direction', `direction IN ('to_contributor', 'from_contributor')`)
@Check('ck_messages_channel', `channel IN (${TIP_CHANNELS.map((c) => `'${c}'`).join(', ')})`)
@Check('ck_messages_author', `(direction = 'to_contributor') = (author_id IS NOT NULL)`)
@Index('ix_messages_tip_id_created_at', ['tipId', 'createdAt'])
// The desk's "Replied" news reads the contributors' recent messages by time.
@Index('ix_messages_from_contributor_created_at', ['createdAt'], { where: `direction = 'from_contributor'` })
export class Message {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_messages' })
  id: string;

  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_messages_tip_id' })
  tip?: Relation<Tip>;

  @Column({ type: 'varchar', length: 20 })
  direction: MessageDirection;

  /** The editor who wrote it (messages to the contributor only). */
  @Column({ type: 'uuid', nullable: true })
  authorId: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'author_id', foreignKeyConstraintName: 'fk_messages_author_id' })
  author?: Relation<StaffUser>;

  /** Where it was sent or came from; the status page reads every channel's messages. */
  @Column({ type: 'varchar', length: 16 })
  channel: TipChannel;

  @Column({ type: 'text' })
  body: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

/**
 * When each editor last opened each tip: the queue marks what happened since ("Replied",
 * "Offer accepted", "Paid", "Payment failed"). One row per editor and tip, moved on each visit.
 */
@Entity('desk_tip_views')
@Index('ix_desk_tip_views_tip_id', ['tipId'])
export class DeskTipView {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_desk_tip_views' })
  staffUserId: string;

  @ManyToOne(() => StaffUser, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'staff_user_id', foreignKeyConstraintName: 'fk_desk_tip_views_staff_user_id' })
  staffUser?: Relation<StaffUser>;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_desk_tip_views' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_desk_tip_views_tip_id' })
  tip?: Relation<Tip>;

  @Column({ type: 'timestamptz' })
  seenAt: Date;
}
