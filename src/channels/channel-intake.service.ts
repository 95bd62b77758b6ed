import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DeskService } from '../desk/desk.service.js';
import type { UploadedMedia } from '../media/blob-storage-engine.js';
import { withoutControlCharacters } from '../http/control-characters.js';
import { sanitiseDisplayFilename } from '../media/media-files.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import { MediaService } from '../media/media.service.js';
import { withStagedMedia } from '../media/staged-media.js';
import { STORY_MAX_LENGTH } from '../tips/dto/create-tip.dto.js';
import { normaliseReference, REFERENCE_PATTERN } from '../tips/reference-codes.js';
import { TipIntakeService } from '../tips/tip-intake.service.js';
import { TipsRepository } from '../tips/tips.repository.js';
import {
  BACKOFF_BASE_SECONDS,
  BACKOFF_MAX_SECONDS,
  channelName,
  checkMessage,
  clip,
  displayName,
  NAME_MAX,
  normaliseAddress,
  PENDING_MEDIA_ATTEMPTS,
  plural,
  PROVIDER_ID_MAX,
  storyOf,
} from './channel-intake.rules.js';
import { ChannelsRepository, type PendingMedia } from './channels.repository.js';
import type { InboundChannel, InboundMessage, InboundResult } from './inbound-message.js';

/** A mail or WhatsApp message that joins a thread keeps at most this much text (a new tip's story may be longer). */
export const THREAD_MESSAGE_MAX_LENGTH = 10_000;

/** What the desk reads on a tip whose mail the paper's MX did not vouch for. */
export const UNVERIFIED_SENDER_NOTE =
  "Sender not verified: the paper's mail server could not confirm (DMARC) that this mail comes from the address it shows. It may be forged, so it was not added to an earlier tip from that address.";

// A claimed retry is not handed out again for this long, so two processes never fetch the same file.
const PENDING_LEASE_SECONDS = 10 * 60;

/** A pending file due for another try, as pendingMediaDue hands it out. */
export type PendingMediaDue = PendingMedia;

/** Another delivery of the same message won the race between our check and our insert. */
class DuplicateDelivery extends Error {}

/**
 * The one intake behind every channel (email, WhatsApp): a message becomes a new tip, joins an
 * existing one, or is recognised as a provider's retry, in one transaction with its files,
 * notes and audit events. Channels parse and stage; the rules live here (and in
 * channel-intake.rules.ts), the SQL in channels.repository.ts.
 */
@Injectable()
export class ChannelIntakeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ChannelsRepository,
    private readonly config: AppConfig,
    private readonly cipher: FieldCipher,
    private readonly tips: TipIntakeService,
    private readonly tipRecords: TipsRepository,
    private readonly media: MediaService,
    private readonly desk: DeskService,
    private readonly audit: AuditService,
    private readonly rateLimits: RateLimitsService,
  ) {}

  /**
   * A stable keyed hash of a sender's address (HMAC under the server key, not the daily
   * rotating one of rate limits): threading needs the same sender to match across weeks.
   */
  senderHash(channel: InboundChannel, address: string): string {
    return this.cipher.keyedHash('channel-sender', normaliseAddress(channel, address));
  }

  /**
   * A sender the paper's MX did not verify is kept apart from the verified one of the same
   * address: its messages never thread into their tips, nor count as their retries.
   */
  private senderKey(msg: InboundMessage): string {
    if (msg.senderVerified === false) return this.cipher.keyedHash('channel-sender-unverified', normaliseAddress(msg.channel, msg.sender.address));
    return this.senderHash(msg.channel, msg.sender.address);
  }

  async receive(received: InboundMessage): Promise<InboundResult> {
    // A channel cannot answer 400 as the web form does: control characters (NUL, …) are taken out instead.
    const clean = <T>(text: T): T => (typeof text === 'string' ? (withoutControlCharacters(text) as T) : text);
    const msg: InboundMessage = {
      ...received,
      text: clean(received.text),
      subject: clean(received.subject),
      sender: received.sender && { ...received.sender, name: clean(received.sender.name) },
    };
    try {
      // Files this message cannot keep (a retried delivery, too many) are removed with the rest of the intake's leftovers.
      return await withStagedMedia(this.media, msg.attachments, async (intake) => {
        checkMessage(msg);
        // A flood from one address (forged or not) is refused before anything is stored.
        if (msg.channel === 'email') {
          await this.rateLimits.hitFor(
            {
              purpose: 'email-sender',
              limit: this.config.INBOUND_EMAILS_PER_SENDER_PER_HOUR,
              windowSeconds: 3600,
              tooMany: 'Too many mails from this sender in the last hour.',
            },
            normaliseAddress(msg.channel, msg.sender.address),
          );
        }
        const senderHash = this.senderKey(msg);
        return this.dataSource.transaction(async (manager) => {
          // One sender's messages on a channel queue up here, across processes: a retried
          // delivery waits for the first and then finds it; a conversation's next message
          // finds the tip the one before made.
          await this.repository.lockSender(manager, senderHash);
          const original = await this.seen(manager, msg, senderHash);
          if (original) return { ...original, createdTip: false, duplicate: true };

          const thread = msg.senderVerified === false ? undefined : await this.findThread(manager, msg, senderHash);
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
          const message = thread && text ? await this.desk.recordContributorMessage(tip.tipId, clip(text, THREAD_MESSAGE_MAX_LENGTH), manager) : undefined;
          const channelMessageId = await this.repository.insertMessage(manager, {
            channel: msg.channel,
            providerMessageId: msg.providerMessageId,
            senderHash,
            tipId: tip.tipId,
            messageId: message?.id ?? null,
          });
          if (!channelMessageId) throw new DuplicateDelivery();

          // Files beyond MAX_FILES_PER_TIP (counting those still to fetch) are dropped and noted.
          let room = this.config.MAX_FILES_PER_TIP - (thread ? await this.filesOn(manager, tip.tipId) : 0);
          const kept = msg.attachments.slice(0, Math.max(0, room));
          const overflow = msg.attachments.slice(kept.length);
          room -= kept.length;
          const pending = (msg.pendingMedia ?? []).slice(0, Math.max(0, room));
          const pendingOverflow = (msg.pendingMedia ?? []).slice(pending.length);
          for (const p of pending) {
            await this.repository.addPending(manager, {
              tipId: tip.tipId,
              channel: msg.channel,
              providerMediaId: clip(p.providerMediaId, PROVIDER_ID_MAX),
              filename: p.filename ? sanitiseDisplayFilename(p.filename) : null,
              declaredType: p.declaredType?.slice(0, 255) ?? null,
            });
          }

          const lines = [
            ...msg.dropped.map((d) => `"${displayName(d.filename)}" was not kept: ${d.reason.slice(0, 300)}`),
            ...[...overflow.map((f) => f.displayFilename), ...pendingOverflow.map((p) => displayName(p.filename ?? p.providerMediaId))].map(
              (name) => `"${name}" was not kept: a tip can have at most ${this.config.MAX_FILES_PER_TIP} files`,
            ),
            ...(thread
              ? text.length > THREAD_MESSAGE_MAX_LENGTH
                ? [`The text was cut at ${THREAD_MESSAGE_MAX_LENGTH} characters.`]
                : []
              : storyOf(msg).length > STORY_MAX_LENGTH
                ? [`The text was cut at ${STORY_MAX_LENGTH} characters.`]
                : []),
            ...(msg.senderVerified === false ? [UNVERIFIED_SENDER_NOTE] : []),
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
              channelMessageId,
              messageId: message?.id ?? null,
              createdTip: !thread,
              mediaCount: kept.length,
              droppedCount: msg.dropped.length + overflow.length + pendingOverflow.length,
              pendingCount: pending.length,
            },
          });
          // Last: the blobs move to their final keys only when every row is in place.
          await intake.attach(manager, tip.tipId, kept);
          return { tipId: tip.tipId, reference: tip.reference, createdTip: !thread, duplicate: false, ...(tip.secret ? { secret: tip.secret } : {}) };
        });
      });
    } catch (error) {
      if (error instanceof DuplicateDelivery) {
        const original = await this.seen(this.dataSource.manager, msg, this.senderKey(msg));
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
    return this.repository.leaseDue(Math.max(1, Math.min(limit, 1000)), PENDING_LEASE_SECONDS, channel ?? null);
  }

  /**
   * A pending file arrived (staged with stageMedia): it joins its tip and leaves the pending
   * list. If the tip has since filled up or gone, the file is dropped (and noted) instead.
   */
  async attachFetched(pendingId: string, file: UploadedMedia): Promise<{ attached: boolean }> {
    const attached = await withStagedMedia(this.media, [file], (intake) =>
      this.dataSource.transaction(async (manager) => {
        const pending = await this.repository.takePending(manager, pendingId);
        if (!pending) return false;
        await this.tipRecords.refById(manager, pending.tipId, { lock: true });
        if ((await this.filesOn(manager, pending.tipId)) >= this.config.MAX_FILES_PER_TIP) {
          await this.desk.addSystemNote(
            manager,
            pending.tipId,
            `"${file.displayFilename}" arrived late and was not kept: a tip can have at most ${this.config.MAX_FILES_PER_TIP} files.`,
          );
          return false;
        }
        const [staged] = await intake.attach(manager, pending.tipId, [file]);
        await this.audit.record(manager, {
          actorType: 'system',
          actorId: null,
          action: 'channel.media_fetched',
          entityType: 'tip',
          entityId: pending.tipId,
          after: { channel: pending.channel, mediaId: staged.id, attempts: pending.attempts + 1 },
        });
        return true;
      }),
    );
    return { attached };
  }

  /** A try failed: the next one waits twice as long; after PENDING_MEDIA_ATTEMPTS tipdesk gives up and notes it on the tip. */
  async fetchFailed(pendingId: string, code: string): Promise<{ retrying: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const failure = await this.repository.recordFetchFailure(manager, pendingId, code.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64), {
        maxAttempts: PENDING_MEDIA_ATTEMPTS,
        baseSeconds: BACKOFF_BASE_SECONDS,
        maxSeconds: BACKOFF_MAX_SECONDS,
      });
      if (!failure) return { retrying: false };
      if (!failure.retrying) {
        await this.desk.addSystemNote(
          manager,
          failure.tipId,
          `"${failure.filename ?? 'A file'}" could not be fetched after ${plural(failure.attempts, 'attempt')}; tipdesk has stopped trying. Ask the contributor to send it again.`,
        );
      }
      return { retrying: failure.retrying };
    });
  }

  /**
   * The bytes came but will never be accepted (not media, too large): no more tries; the file
   * leaves the pending list and a note on the tip says why.
   */
  async fetchRefused(pendingId: string, reason: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const pending = await this.repository.takePending(manager, pendingId);
      if (!pending) return;
      await this.desk.addSystemNote(manager, pending.tipId, `"${pending.filename ?? 'A file'}" was fetched late but not kept: ${reason.slice(0, 300)}`);
    });
  }

  /** The tip and reference this message already made, if a provider delivered it before. */
  private async seen(manager: EntityManager, msg: InboundMessage, senderHash: string): Promise<{ tipId: string; reference: string } | undefined> {
    const tipId = await this.repository.tipOfMessage(manager, msg.channel, senderHash, msg.providerMessageId);
    const tip = tipId ? await this.tipRecords.refById(manager, tipId) : undefined;
    return tip ? { tipId: tip.id, reference: tip.reference } : undefined;
  }

  /**
   * The tip this message continues: the one its reference names, if this sender wrote to it
   * before (a guessed reference gets nobody into someone else's tip); else, on WhatsApp, the
   * tip of this number's last message within the conversation window. Locks the tip's row.
   */
  private async findThread(manager: EntityManager, msg: InboundMessage, senderHash: string): Promise<{ tipId: string; reference: string } | undefined> {
    let foundId: string | undefined;
    const reference = msg.threadReference ? normaliseReference(msg.threadReference.slice(0, 30)) : undefined;
    if (reference && REFERENCE_PATTERN.test(reference)) {
      const named = await this.tipRecords.refByReference(manager, reference);
      if (named && (await this.repository.senderWroteTo(manager, named.id, senderHash))) foundId = named.id;
    }
    if (!foundId && msg.channel === 'whatsapp') {
      foundId = await this.repository.lastTipWithin(manager, msg.channel, senderHash, this.config.WHATSAPP_CONVERSATION_HOURS);
    }
    if (!foundId) return undefined;
    // Files are counted against the limit under this lock (as the contributor's own uploads are).
    const tip = await this.tipRecords.refById(manager, foundId, { lock: true });
    return tip ? { tipId: tip.id, reference: tip.reference } : undefined;
  }

  /** Files on the tip plus those still being fetched for it: both count against MAX_FILES_PER_TIP. */
  private async filesOn(manager: EntityManager, tipId: string): Promise<number> {
    return (await this.repository.countPending(manager, tipId)) + (await this.media.countForTip(manager, tipId));
  }
}
