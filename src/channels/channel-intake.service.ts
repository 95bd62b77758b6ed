import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DeskService } from '../desk/desk.service.js';
import { ValidationFailedError } from '../http/errors.js';
import { LOGGER } from '../logging/logger.js';
import type { UploadedMedia } from '../media/blob-storage-engine.js';
import { sanitiseDisplayFilename } from '../media/media-files.js';
import { MediaService, type StagedMedia } from '../media/media.service.js';
import { STORY_MAX_LENGTH } from '../tips/dto/create-tip.dto.js';
import { normaliseReference, REFERENCE_PATTERN } from '../tips/reference-codes.js';
import { TipIntakeService } from '../tips/tip-intake.service.js';
import { INBOUND_CHANNELS, type InboundChannel, type InboundMessage, type InboundResult } from './inbound-message.js';

/** What a new tip's story says when only files came. */
export const FILES_ONLY_STORY = '(no text: files only)';

// Backoff for a file the provider would not hand over: 1 min, 2, 4 … capped at 6 h; after
// PENDING_MEDIA_ATTEMPTS tries tipdesk gives up and says so on the tip.
export const PENDING_MEDIA_ATTEMPTS = 8;
const BACKOFF_BASE_SECONDS = 60;
const BACKOFF_MAX_SECONDS = 6 * 3600;
// A claimed retry is not handed out again for this long, so two processes never fetch the same file.
const PENDING_LEASE_SECONDS = 10 * 60;

const PROVIDER_ID_MAX = 512;
const NAME_MAX = 200;

/** A pending file due for another try, as pendingMediaDue hands it out. */
export interface PendingMediaDue {
  id: string;
  tipId: string;
  channel: InboundChannel;
  providerMediaId: string;
  filename: string | null;
  declaredType: string | null;
  attempts: number;
}

export function pendingBackoffSeconds(attempts: number): number {
  return Math.min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}

/** Another delivery of the same message won the race between our check and our insert. */
class DuplicateDelivery extends Error {}

const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The one intake behind every channel (email, WhatsApp): a message becomes a new tip, joins an
 * existing one, or is recognised as a provider's retry, in one transaction with its files,
 * notes and audit events. Channels parse and stage; the rules live here.
 */
@Injectable()
export class ChannelIntakeService {
  private readonly logger: Logger;
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cipher: FieldCipher,
    private readonly tips: TipIntakeService,
    private readonly media: MediaService,
    private readonly desk: DeskService,
    private readonly audit: AuditService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'channel-intake' });
  }

  /**
   * A stable keyed hash of a sender's address (HMAC under the server key, not the daily
   * rotating one of rate limits): threading needs the same sender to match across weeks.
   */
  senderHash(channel: InboundChannel, address: string): string {
    return this.cipher.keyedHash('channel-sender', normaliseAddress(channel, address));
  }

  async receive(msg: InboundMessage): Promise<InboundResult> {
    const temporary = () => msg.attachments.map((f) => ({ tempKey: f.tempKey }));
    let staged: StagedMedia[] = [];
    let overflow: UploadedMedia[] = [];
    try {
      checkMessage(msg);
      const senderHash = this.senderHash(msg.channel, msg.sender.address);
      const result = await this.dataSource.transaction(async (manager) => {
        // One sender's messages on a channel queue up here, across processes: a retried
        // delivery waits for the first and then finds it; a conversation's next message
        // finds the tip the one before made.
        await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`tipdesk channel sender ${senderHash}`]);
        const original = await this.seen(manager, msg);
        if (original) return { ...original, createdTip: false, duplicate: true };

        const thread = await this.findThread(manager, msg, senderHash);
        const story = clip(storyOf(msg), STORY_MAX_LENGTH);
        let tip: { tipId: string; reference: string; secret?: string };
        if (thread) {
          tip = thread;
        } else {
          const address = msg.sender.address.trim();
          const created = await this.tips.insertChannelTip(manager, {
            channel: msg.channel,
            name: msg.sender.name?.trim() ? clip(msg.sender.name.trim(), NAME_MAX) : null,
            email: msg.channel === 'email' ? address.toLowerCase() : null,
            phone: msg.channel === 'whatsapp' ? address : null,
            story,
          });
          tip = created;
          await this.audit.record(manager, {
            actorType: 'contributor',
            actorId: created.contributorId,
            action: 'tip.created',
            entityType: 'tip',
            entityId: created.tipId,
            after: { reference: created.reference, channel: msg.channel, mediaCount: msg.attachments.length },
          });
        }

        // A new tip's first text is its story; later texts are the thread.
        const text = msg.text.trim();
        const message = thread && text ? await this.desk.recordContributorMessage(tip.tipId, clip(text, STORY_MAX_LENGTH), manager) : undefined;
        const [row] = await manager.query<{ id: string }[]>(
          `INSERT INTO channel_messages (channel, provider_message_id, sender_hash, tip_id, message_id)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, provider_message_id) DO NOTHING RETURNING id`,
          [msg.channel, msg.providerMessageId, senderHash, tip.tipId, message?.id ?? null],
        );
        if (!row) throw new DuplicateDelivery();

        // Files beyond MAX_FILES_PER_TIP (counting those still to fetch) are dropped and noted.
        let room = this.config.MAX_FILES_PER_TIP - (thread ? await this.filesOn(manager, tip.tipId) : 0);
        const kept = msg.attachments.slice(0, Math.max(0, room));
        overflow = msg.attachments.slice(kept.length);
        room -= kept.length;
        const pending = (msg.pendingMedia ?? []).slice(0, Math.max(0, room));
        const pendingOverflow = (msg.pendingMedia ?? []).slice(pending.length);
        for (const p of pending) {
          await manager.query(`INSERT INTO channel_pending_media (tip_id, channel, provider_media_id, filename, declared_type) VALUES ($1, $2, $3, $4, $5)`, [
            tip.tipId,
            msg.channel,
            clip(p.providerMediaId, PROVIDER_ID_MAX),
            p.filename ? sanitiseDisplayFilename(p.filename) : null,
            p.declaredType?.slice(0, 255) ?? null,
          ]);
        }

        const lines = [
          ...msg.dropped.map((d) => `"${displayName(d.filename)}" was not kept: ${d.reason.slice(0, 300)}`),
          ...[...overflow.map((f) => f.displayFilename), ...pendingOverflow.map((p) => displayName(p.filename ?? p.providerMediaId))].map(
            (name) => `"${name}" was not kept: a tip can have at most ${this.config.MAX_FILES_PER_TIP} files`,
          ),
          ...((thread ? text : storyOf(msg)).length > STORY_MAX_LENGTH ? [`The text was cut at ${STORY_MAX_LENGTH} characters.`] : []),
        ];
        if (lines.length) {
          await this.desk.addSystemNote(
            manager,
            tip.tipId,
            `A ${channelName(msg.channel)} message (${plural(lines.length, 'problem')}):\n${lines.map((l) => `- ${l}`).join('\n')}`,
          );
        }

        await this.audit.record(manager, {
          actorType: 'contributor',
          actorId: null,
          action: 'channel.message_received',
          entityType: 'tip',
          entityId: tip.tipId,
          after: {
            channel: msg.channel,
            channelMessageId: row.id,
            messageId: message?.id ?? null,
            createdTip: !thread,
            mediaCount: kept.length,
            droppedCount: msg.dropped.length + overflow.length + pendingOverflow.length,
            pendingCount: pending.length,
          },
        });
        // Last: the blobs move to their final keys only when every row is in place.
        staged = await this.media.attachToTip(manager, tip.tipId, kept);
        return { tipId: tip.tipId, reference: tip.reference, createdTip: !thread, duplicate: false, ...(tip.secret ? { secret: tip.secret } : {}) };
      });
      if (result.duplicate) await this.media.discard(temporary());
      else if (overflow.length) await this.media.discard(overflow.map((f) => ({ tempKey: f.tempKey })));
      return result;
    } catch (error) {
      await this.media.discard([...staged, ...temporary()]);
      if (error instanceof DuplicateDelivery) {
        const original = await this.seen(this.dataSource.manager, msg);
        if (original) return { ...original, createdTip: false, duplicate: true };
      }
      throw error;
    }
  }

  /**
   * Files a channel could not fetch yet whose next try is due, oldest first. Each is leased for
   * ten minutes, so a second process asking at the same time gets others; the caller answers
   * every one with attachFetched or fetchFailed.
   */
  async pendingMediaDue(limit: number, channel?: InboundChannel): Promise<PendingMediaDue[]> {
    // One channel's retry loop leases only its own files, so no other channel's wait behind its lease.
    const [rows] = await this.dataSource.query<[PendingRow[], number]>(
      `UPDATE channel_pending_media SET next_attempt_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM channel_pending_media WHERE next_attempt_at <= now() AND ($3::text IS NULL OR channel = $3)
                      ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, tip_id, channel, provider_media_id, filename, declared_type, attempts`,
      [Math.max(1, Math.min(limit, 1000)), PENDING_LEASE_SECONDS, channel ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      tipId: r.tip_id,
      channel: r.channel,
      providerMediaId: r.provider_media_id,
      filename: r.filename,
      declaredType: r.declared_type,
      attempts: r.attempts,
    }));
  }

  /**
   * A pending file arrived (staged with stageMedia): it joins its tip and leaves the pending
   * list. If the tip has since filled up or gone, the file is dropped (and noted) instead.
   */
  async attachFetched(pendingId: string, file: UploadedMedia): Promise<{ attached: boolean }> {
    let staged: StagedMedia[] = [];
    try {
      const attached = await this.dataSource.transaction(async (manager) => {
        // TypeORM answers a DELETE … RETURNING with [rows, rowCount].
        const [[pending]] = await manager.query<[PendingRow[], number]>(
          `DELETE FROM channel_pending_media WHERE id = $1 RETURNING id, tip_id, channel, provider_media_id, filename, declared_type, attempts`,
          [pendingId],
        );
        if (!pending) return false;
        await manager.query(`SELECT id FROM tips WHERE id = $1 FOR UPDATE`, [pending.tip_id]);
        if ((await this.filesOn(manager, pending.tip_id)) >= this.config.MAX_FILES_PER_TIP) {
          await this.desk.addSystemNote(
            manager,
            pending.tip_id,
            `"${file.displayFilename}" arrived late and was not kept: a tip can have at most ${this.config.MAX_FILES_PER_TIP} files.`,
          );
          return false;
        }
        staged = await this.media.attachToTip(manager, pending.tip_id, [file]);
        await this.audit.record(manager, {
          actorType: 'system',
          actorId: null,
          action: 'channel.media_fetched',
          entityType: 'tip',
          entityId: pending.tip_id,
          after: { channel: pending.channel, mediaId: staged[0].id, attempts: pending.attempts + 1 },
        });
        return true;
      });
      if (!attached) await this.media.discard([{ tempKey: file.tempKey }]);
      return { attached };
    } catch (error) {
      await this.media.discard([...staged, { tempKey: file.tempKey }]);
      throw error;
    }
  }

  /** A try failed: the next one waits twice as long; after PENDING_MEDIA_ATTEMPTS tipdesk gives up and notes it on the tip. */
  async fetchFailed(pendingId: string, code: string): Promise<{ retrying: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const [[row]] = await manager.query<[{ tip_id: string; attempts: number; filename: string | null; next_attempt_at: Date | null }[], number]>(
        `UPDATE channel_pending_media
            SET attempts = attempts + 1, last_error_code = $2,
                next_attempt_at = CASE WHEN attempts + 1 >= $3 THEN NULL
                                       ELSE now() + make_interval(secs => least($5::float8, $4::float8 * power(2, attempts))) END
          WHERE id = $1 AND next_attempt_at IS NOT NULL
          RETURNING tip_id, attempts, filename, next_attempt_at`,
        [pendingId, code.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64), PENDING_MEDIA_ATTEMPTS, BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS],
      );
      if (!row) return { retrying: false };
      if (row.next_attempt_at === null) {
        await this.desk.addSystemNote(
          manager,
          row.tip_id,
          `"${row.filename ?? 'A file'}" could not be fetched after ${plural(row.attempts, 'attempt')}; tipdesk has stopped trying. Ask the contributor to send it again.`,
        );
      }
      return { retrying: row.next_attempt_at !== null };
    });
  }

  /**
   * The bytes came but will never be accepted (not media, too large): no more tries; the file
   * leaves the pending list and a note on the tip says why.
   */
  async fetchRefused(pendingId: string, reason: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [[pending]] = await manager.query<[PendingRow[], number]>(
        `DELETE FROM channel_pending_media WHERE id = $1 RETURNING id, tip_id, channel, provider_media_id, filename, declared_type, attempts`,
        [pendingId],
      );
      if (!pending) return;
      await this.desk.addSystemNote(manager, pending.tip_id, `"${pending.filename ?? 'A file'}" was fetched late but not kept: ${reason.slice(0, 300)}`);
    });
  }

  /** The tip and reference this message already made, if a provider delivered it before. */
  private async seen(manager: EntityManager, msg: InboundMessage): Promise<{ tipId: string; reference: string } | undefined> {
    const [row] = await manager.query<{ tip_id: string; reference: string }[]>(
      `SELECT cm.tip_id, t.reference FROM channel_messages cm JOIN tips t ON t.id = cm.tip_id WHERE cm.channel = $1 AND cm.provider_message_id = $2`,
      [msg.channel, msg.providerMessageId],
    );
    return row ? { tipId: row.tip_id, reference: row.reference } : undefined;
  }

  /**
   * The tip this message continues: the one its reference names, if this sender wrote to it
   * before (a guessed reference gets nobody into someone else's tip); else, on WhatsApp, the
   * tip of this number's last message within the conversation window. Locks the tip's row.
   */
  private async findThread(manager: EntityManager, msg: InboundMessage, senderHash: string): Promise<{ tipId: string; reference: string } | undefined> {
    let found: { id: string; reference: string } | undefined;
    const reference = msg.threadReference ? normaliseReference(msg.threadReference.slice(0, 30)) : undefined;
    if (reference && REFERENCE_PATTERN.test(reference)) {
      [found] = await manager.query(
        `SELECT t.id, t.reference FROM tips t
          WHERE t.reference = $1 AND EXISTS (SELECT 1 FROM channel_messages cm WHERE cm.tip_id = t.id AND cm.sender_hash = $2)`,
        [reference, senderHash],
      );
    }
    if (!found && msg.channel === 'whatsapp') {
      [found] = await manager.query(
        `SELECT t.id, t.reference FROM channel_messages cm JOIN tips t ON t.id = cm.tip_id
          WHERE cm.channel = $1 AND cm.sender_hash = $2 AND cm.received_at > now() - make_interval(hours => $3)
          ORDER BY cm.received_at DESC, cm.id DESC LIMIT 1`,
        [msg.channel, senderHash, this.config.WHATSAPP_CONVERSATION_HOURS],
      );
    }
    if (!found) return undefined;
    // Files are counted against the limit under this lock (as the contributor's own uploads are).
    await manager.query(`SELECT id FROM tips WHERE id = $1 FOR UPDATE`, [found.id]);
    return { tipId: found.id, reference: found.reference };
  }

  /** Files on the tip plus those still being fetched for it: both count against MAX_FILES_PER_TIP. */
  private async filesOn(manager: EntityManager, tipId: string): Promise<number> {
    const [{ n }] = await manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM channel_pending_media WHERE tip_id = $1 AND next_attempt_at IS NOT NULL`,
      [tipId],
    );
    return n + (await this.media.countForTip(manager, tipId));
  }
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

/** Lower-case email addresses; phone numbers as `+` and digits only. */
export function normaliseAddress(channel: InboundChannel, address: string): string {
  const trimmed = address.trim();
  return channel === 'email' ? trimmed.toLowerCase() : trimmed.replace(/[\s().-]/g, '');
}

/** A new tip's story: the subject and the text (email), or a placeholder when only files came. */
export function storyOf(msg: Pick<InboundMessage, 'text' | 'subject'>): string {
  const text = msg.text.trim();
  const subject = msg.subject?.trim() ?? '';
  const story = subject && text ? `${subject}\n\n${text}` : subject || text;
  return story || FILES_ONLY_STORY;
}

function channelName(channel: InboundChannel): string {
  return channel === 'email' ? 'email' : 'WhatsApp';
}

function displayName(filename: string): string {
  return sanitiseDisplayFilename(filename).slice(0, 200);
}

/** What no channel should ever hand over; a channel's bug, answered clearly rather than stored. */
function checkMessage(msg: InboundMessage): void {
  const fields: Record<string, string[]> = {};
  if (!(INBOUND_CHANNELS as readonly string[]).includes(msg.channel)) fields.channel = ['Unknown channel'];
  if (typeof msg.providerMessageId !== 'string' || !msg.providerMessageId || msg.providerMessageId.length > PROVIDER_ID_MAX) {
    fields.providerMessageId = [`A provider message id of 1-${PROVIDER_ID_MAX} characters is required`];
  }
  const address = typeof msg.sender?.address === 'string' ? normaliseAddress(msg.channel, msg.sender.address) : '';
  const valid = msg.channel === 'email' ? /^[^\s@<>]{1,64}@[^\s@<>]{1,255}$/.test(address) : /^\+?\d{6,20}$/.test(address);
  if (!valid) fields.sender = [msg.channel === 'email' ? 'The sender must be an email address' : 'The sender must be a phone number'];
  if (typeof msg.text !== 'string') fields.text = ['The text must be a string (empty when only files came)'];
  if (Object.keys(fields).length) throw new ValidationFailedError(fields, 'The channel handed over a message tipdesk cannot take');
}
