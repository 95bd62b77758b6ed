import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { InboundChannel } from './inbound-message.js';

/** A file a channel could not fetch yet (channel_pending_media). */
export interface PendingMedia {
  id: string;
  tipId: string;
  channel: InboundChannel;
  providerMediaId: string;
  filename: string | null;
  declaredType: string | null;
  attempts: number;
}

interface PendingRow {
  id: string;
  tip_id: string;
  channel: InboundChannel;
  provider_media_id: string;
  filename: string | null;
  declared_type: string | null;
  attempts: number;
}

const PENDING_COLUMNS = 'id, tip_id, channel, provider_media_id, filename, declared_type, attempts';

const toPendingMedia = (r: PendingRow): PendingMedia => ({
  id: r.id,
  tipId: r.tip_id,
  channel: r.channel,
  providerMediaId: r.provider_media_id,
  filename: r.filename,
  declaredType: r.declared_type,
  attempts: r.attempts,
});

/** After a failed fetch: how many tries so far, and whether another is planned. */
export interface FetchFailure {
  tipId: string;
  attempts: number;
  filename: string | null;
  retrying: boolean;
}

/** The backoff of a failed fetch: base · 2^attempts seconds, capped; no more tries after maxAttempts. */
export interface FetchBackoff {
  maxAttempts: number;
  baseSeconds: number;
  maxSeconds: number;
}

const SAMPLE_SENDER = 'a'.repeat(64);

/**
 * channel_messages (every message a channel delivered, by the provider's id, with the sender's
 * keyed hash) and channel_pending_media (files still to fetch, with their backoff and lease).
 */
@Injectable()
@SqlRepository(import.meta.url)
export class ChannelsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Queues one sender's messages on a channel behind each other, across processes, until the caller's transaction ends. */
  @GenerateSql({ params: [SQL_MANAGER, SAMPLE_SENDER] })
  async lockSender(manager: EntityManager, senderHash: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`tipdesk channel sender ${senderHash}`]);
  }

  /** The tip this sender's message already went to, if it was delivered before. */
  @GenerateSql({ params: [SQL_MANAGER, 'email', SAMPLE_SENDER, '<message@example.com>'] })
  async tipOfMessage(manager: EntityManager, channel: InboundChannel, senderHash: string, providerMessageId: string): Promise<string | undefined> {
    const [row] = await manager.query<{ tip_id: string }[]>(
      `SELECT tip_id FROM channel_messages WHERE channel = $1 AND sender_hash = $2 AND provider_message_id = $3`,
      [channel, senderHash, providerMessageId],
    );
    return row?.tip_id;
  }

  /** Records a delivered message; undefined when another delivery of it got there first. */
  @GenerateSql({
    params: [SQL_MANAGER, { channel: 'email', providerMessageId: '<message@example.com>', senderHash: SAMPLE_SENDER, tipId: SQL_ID, messageId: null }],
  })
  async insertMessage(
    manager: EntityManager,
    message: { channel: InboundChannel; providerMessageId: string; senderHash: string; tipId: string; messageId: string | null },
  ): Promise<string | undefined> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO channel_messages (channel, provider_message_id, sender_hash, tip_id, message_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, sender_hash, provider_message_id) DO NOTHING RETURNING id`,
      [message.channel, message.providerMessageId, message.senderHash, message.tipId, message.messageId],
    );
    return row?.id;
  }

  /** Whether this sender wrote to the tip before (a guessed reference gets nobody into someone else's tip). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SAMPLE_SENDER] })
  async senderWroteTo(manager: EntityManager, tipId: string, senderHash: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(`SELECT 1 FROM channel_messages WHERE tip_id = $1 AND sender_hash = $2 LIMIT 1`, [tipId, senderHash]);
    return rows.length > 0;
  }

  /** The tip of this sender's last message on the channel within the last `hours` (the WhatsApp conversation window). */
  @GenerateSql({ params: [SQL_MANAGER, 'whatsapp', SAMPLE_SENDER, 24] })
  async lastTipWithin(manager: EntityManager, channel: InboundChannel, senderHash: string, hours: number): Promise<string | undefined> {
    const [row] = await manager.query<{ tip_id: string }[]>(
      `SELECT tip_id FROM channel_messages
        WHERE channel = $1 AND sender_hash = $2 AND received_at > now() - make_interval(hours => $3)
        ORDER BY received_at DESC, id DESC LIMIT 1`,
      [channel, senderHash, hours],
    );
    return row?.tip_id;
  }

  @GenerateSql({
    params: [SQL_MANAGER, { tipId: SQL_ID, channel: 'whatsapp', providerMediaId: '1234567890', filename: 'clip.mp4', declaredType: 'video/mp4' }],
  })
  async addPending(
    manager: EntityManager,
    pending: { tipId: string; channel: InboundChannel; providerMediaId: string; filename: string | null; declaredType: string | null },
  ): Promise<void> {
    await manager.query(`INSERT INTO channel_pending_media (tip_id, channel, provider_media_id, filename, declared_type) VALUES ($1, $2, $3, $4, $5)`, [
      pending.tipId,
      pending.channel,
      pending.providerMediaId,
      pending.filename,
      pending.declaredType,
    ]);
  }

  /** Files still being fetched for a tip (they count against MAX_FILES_PER_TIP). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async countPending(manager: EntityManager, tipId: string): Promise<number> {
    const [{ n }] = await manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM channel_pending_media WHERE tip_id = $1 AND next_attempt_at IS NOT NULL`,
      [tipId],
    );
    return n;
  }

  /**
   * Leases up to `limit` files whose next try is due (oldest first) for `leaseSeconds`, skipping
   * those another process holds; `channel` narrows it to one channel's files.
   */
  @GenerateSql({ name: 'leaseDue (every channel)', params: [10, 600, null] }, { name: 'leaseDue (one channel)', params: [10, 600, 'whatsapp'] })
  async leaseDue(limit: number, leaseSeconds: number, channel: InboundChannel | null): Promise<PendingMedia[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [rows] = await this.dataSource.query<[PendingRow[], number]>(
      `UPDATE channel_pending_media SET next_attempt_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM channel_pending_media WHERE next_attempt_at <= now() AND ($3::text IS NULL OR channel = $3)
                      ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING ${PENDING_COLUMNS}`,
      [limit, leaseSeconds, channel],
    );
    return rows.map(toPendingMedia);
  }

  /** Removes a file from the pending list and returns it (undefined when another process took it first). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID_2] })
  async takePending(manager: EntityManager, id: string): Promise<PendingMedia | undefined> {
    const [[row]] = await manager.query<[PendingRow[], number]>(`DELETE FROM channel_pending_media WHERE id = $1 RETURNING ${PENDING_COLUMNS}`, [id]);
    return row ? toPendingMedia(row) : undefined;
  }

  /** Counts a failed try and plans the next (or none, after backoff.maxAttempts); undefined when the file is no longer pending. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID_2, 'FETCH_FAILED', { maxAttempts: 8, baseSeconds: 60, maxSeconds: 21600 }] })
  async recordFetchFailure(manager: EntityManager, id: string, code: string, backoff: FetchBackoff): Promise<FetchFailure | undefined> {
    const [[row]] = await manager.query<[{ tip_id: string; attempts: number; filename: string | null; next_attempt_at: Date | null }[], number]>(
      `UPDATE channel_pending_media
          SET attempts = attempts + 1, last_error_code = $2,
              next_attempt_at = CASE WHEN attempts + 1 >= $3 THEN NULL
                                     ELSE now() + make_interval(secs => least($5::float8, $4::float8 * power(2, attempts))) END
        WHERE id = $1 AND next_attempt_at IS NOT NULL
        RETURNING tip_id, attempts, filename, next_attempt_at`,
      [id, code, backoff.maxAttempts, backoff.baseSeconds, backoff.maxSeconds],
    );
    return row ? { tipId: row.tip_id, attempts: row.attempts, filename: row.filename, retrying: row.next_attempt_at !== null } : undefined;
  }
}
