import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Message } from '../desk/desk.entities.js';
import { Tip } from '../tips/tips.entities.js';
import { INBOUND_CHANNELS, type InboundChannel } from './inbound-message.js';

const channelCheck = (table: string) => [`ck_${table}_channel`, `channel IN (${INBOUND_CHANNELS.map((c) => `'${c}'`).join(', ')})`] as const;

/**
 * Every message a channel delivered, by the provider's id: the same id twice is one message
 * (a provider's retry), and the sender's keyed hash says who may thread into which tip.
 */
@Entity('channel_messages')
@Check(...channelCheck('channel_messages'))
// A message id is the sender's to choose: the same id from another sender is another message
// (a forged mail carrying a contributor's Message-ID must not suppress theirs).
@Index('uq_channel_messages_channel_sender_hash_provider_message_id', ['channel', 'senderHash', 'providerMessageId'], { unique: true })
// The WhatsApp window: this sender's latest message on this channel.
@Index('ix_channel_messages_channel_sender_hash_received_at', ['channel', 'senderHash', 'receivedAt'])
// "Has this sender written to this tip before?"
@Index('ix_channel_messages_tip_id_sender_hash', ['tipId', 'senderHash'])
export class ChannelMessage {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_channel_messages' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  channel: InboundChannel;

  @Column({ type: 'varchar', length: 512 })
  providerMessageId: string;

  /** HMAC of the normalised sender address under the server key (never the address itself). */
  @Column({ type: 'char', length: 64 })
  senderHash: string;

  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_channel_messages_tip_id' })
  tip?: Relation<Tip>;

  /** The thread entry its text became (none when only files came). */
  @Column({ type: 'uuid', nullable: true })
  messageId: string | null;

  @ManyToOne(() => Message, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'fk_channel_messages_message_id' })
  message?: Relation<Message>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}

/** A file a channel named but could not download yet (WhatsApp media): fetched again later, with backoff. */
@Entity('channel_pending_media')
@Check(...channelCheck('channel_pending_media'))
@Check('ck_channel_pending_media_attempts', 'attempts >= 0')
@Index('ix_channel_pending_media_tip_id', ['tipId'])
// Only the ones still to try; a given-up file has no next attempt.
@Index('ix_channel_pending_media_due', ['nextAttemptAt'], { where: 'next_attempt_at IS NOT NULL' })
export class ChannelPendingMedia {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_channel_pending_media' })
  id: string;

  @Column({ type: 'uuid' })
  tipId: string;

  @ManyToOne(() => Tip, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tip_id', foreignKeyConstraintName: 'fk_channel_pending_media_tip_id' })
  tip?: Relation<Tip>;

  @Column({ type: 'varchar', length: 16 })
  channel: InboundChannel;

  @Column({ type: 'varchar', length: 512 })
  providerMediaId: string;

  /** As the sender named it, sanitised for display only. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  filename: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  declaredType: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Null once tipdesk gave up on it. */
  @Column({ type: 'timestamptz', nullable: true, default: () => 'now()' })
  nextAttemptAt: Date | null;

  /** A code, never a provider's message (which may quote personal data). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  lastErrorCode: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
