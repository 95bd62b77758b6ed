import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { JobQueue } from '../jobs/job-queue.js';
import { LOGGER } from '../logging/logger.js';
import { TipsRepository, type TipContact } from '../tips/tips.repository.js';
import { ChannelSenderRegistry, type ReplyChannel } from './channel-senders.js';
import { MAILER, type Mailer } from './mailer.js';
import { channelNotice, composeNotification, type NotificationKind } from './notification-mail.js';
import { NOTIFICATION_DEAD_LETTERS, NOTIFICATION_QUEUE, type NotificationJob } from './notification-jobs.js';
import { MessageBodies } from './message-bodies.js';

/** Where a tip's channel keeps the contributor's address for replies. */
const ADDRESS_OF: Record<ReplyChannel, 'emailEncrypted' | 'phoneEncrypted'> = { email: 'emailEncrypted', whatsapp: 'phoneEncrypted' };

/** A delivery that failed this try: the job fails with it (and is retried), carrying only a code. */
class DeliveryFailed extends Error {
  constructor(readonly code: string) {
    super('notification not delivered');
  }
}

/**
 * Tells a contributor that something waits for them on their status page: by mail (a link), or
 * on the tip's own channel (email, WhatsApp). Each notice is a pg-boss job sent after the
 * caller's transaction committed, holding ids only: a relay that is down or refuses fails the
 * try, which is retried with exponential backoff (NOTIFICATION_RETRY_*), so an outage delays
 * mail and loses none; one that keeps failing lands in the dead letters an admin sees on the
 * audit page. Every process delivers (whatever JOBS_ENABLED says, which governs the media work).
 * Callers are never failed by any of this: an editor's message or offer stands either way.
 */
@Injectable()
export class NotificationsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly inFlight = new Set<Promise<void>>();
  private workerId?: string;

  private readonly logger: Logger;
  constructor(
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly messages: MessageBodies,
    private readonly tips: TipsRepository,
    private readonly senders: ChannelSenderRegistry,
    private readonly cipher: FieldCipher,
    private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly queue: JobQueue,
  ) {
    this.logger = logger.child({ component: 'notifications' });
    // The admin page lists the mail that failed for good beside the media jobs.
    queue.registerDeadLetters(NOTIFICATION_DEAD_LETTERS, NOTIFICATION_QUEUE);
  }

  /**
   * The queue and its worker. The channels that carry messages back out (email, WhatsApp) sit
   * above this module and register their senders with ChannelSenderRegistry; a channel with no
   * sender has none configured.
   */
  async onApplicationBootstrap(): Promise<void> {
    const boss = this.queue.pgBoss;
    await boss.createQueue(NOTIFICATION_DEAD_LETTERS, { name: NOTIFICATION_DEAD_LETTERS, retentionDays: 30 });
    await boss.createQueue(NOTIFICATION_QUEUE, {
      name: NOTIFICATION_QUEUE,
      retryLimit: this.config.NOTIFICATION_RETRY_LIMIT,
      retryDelay: this.config.NOTIFICATION_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      // A relay's timeouts are 10-30 s (SmtpMailer); a try still running after this is failed and retried.
      expireInSeconds: 5 * 60,
      // Sent jobs are kept a week (which mail went when), then deleted with their ids.
      retentionDays: 7,
      deadLetter: NOTIFICATION_DEAD_LETTERS,
    });
    this.workerId = await boss.work<NotificationJob>(
      NOTIFICATION_QUEUE,
      { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: this.config.JOBS_POLL_SECONDS },
      ([job]) => this.runJob(job),
    );
  }

  /**
   * An editor sent the contributor a message. A web or phone tip's contributor gets a link to
   * their status page by mail; an email or WhatsApp tip's contributor gets the message itself
   * on that channel (with no sender configured for it: the link by mail, if we have an address).
   * Queues the notice; never rejects.
   */
  messageSent(tipId: string, message?: { id: string }): Promise<void> {
    return this.enqueue({ tipId, kind: 'message', messageId: message?.id });
  }

  /**
   * An editor offered payment. The terms stay behind the status page's sign-in: an email or
   * WhatsApp tip's contributor gets a short notice with the link on that channel (a WhatsApp
   * contributor often has no email address), everyone else the link by mail. Queues the notice;
   * never rejects.
   */
  offerMade(tipId: string, _payoutId: string): Promise<void> {
    return this.enqueue({ tipId, kind: 'offer' });
  }

  /**
   * Resolves when every notice queued so far has been delivered, skipped or given up on (or
   * after `timeoutMs`; a notice waiting for its next retry counts as not yet settled).
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.queue.unsettledCount(NOTIFICATION_QUEUE)) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The queue stops first (a delivery under way gets the jobs' grace period), then the relay connection. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await this.queue.stop();
    await this.mailer.close();
  }

  private enqueue(job: NotificationJob): Promise<void> {
    const sending = (async () => {
      try {
        await this.queue.pgBoss.send(NOTIFICATION_QUEUE, job);
        // This process's worker need not wait for its next poll.
        if (this.workerId) this.queue.pgBoss.notifyWorker(this.workerId);
      } catch (error) {
        // The database is gone too: the message itself was committed; this notice is lost, and says so.
        this.logger.error({ event: 'notification.not_queued', tipId: job.tipId, kind: job.kind, code: errorCode(error) }, 'notification could not be queued');
      }
    })();
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
    return sending;
  }

  /** One try of a notice: throws (so pg-boss retries it) when the way out failed. */
  private async runJob(job: PgBoss.JobWithMetadata<NotificationJob>): Promise<void> {
    const { tipId, kind, messageId } = job.data;
    const attempt = { attempt: job.retryCount + 1, last: job.retryCount >= job.retryLimit };
    try {
      await this.route(tipId, kind, messageId, attempt);
    } catch (error) {
      const code = error instanceof DeliveryFailed ? error.code : (errorCode(error) ?? 'NOTIFICATION_FAILED');
      // What pg-boss keeps (and copies to the dead letters): a code and the queue, never an address.
      throw Object.assign(new Error('notification not delivered'), { code, queue: NOTIFICATION_QUEUE });
    }
  }

  private async route(tipId: string, kind: NotificationKind, messageId: string | undefined, attempt: { attempt: number; last: boolean }): Promise<void> {
    let contact: TipContact | undefined;
    let messageBody: string | undefined;
    try {
      contact = await this.contact(tipId);
      if (kind === 'message' && messageId) messageBody = await this.messageBody(tipId, messageId);
    } catch (error) {
      this.logger.warn({ event: 'notification.failed', tipId, kind, code: errorCode(error), ...attempt }, 'notification not delivered');
      throw new DeliveryFailed(errorCode(error) ?? 'DATABASE_UNAVAILABLE');
    }
    // The tip (or the message) is gone meanwhile, erased: nothing to say, to no one.
    if (!contact) return;
    const channel = contact.channel as ReplyChannel;
    const sender = Object.hasOwn(ADDRESS_OF, channel) ? this.senders.senderFor(channel) : undefined;
    const address = sender ? contact[ADDRESS_OF[channel]] : null;
    const body = kind === 'message' ? messageBody : channelNotice(kind, contact.reference, this.config.publicBaseUrl);
    if (!sender || !address || body === undefined) {
      // No way back on its own channel (none configured): the status-page link by mail, when we have an address.
      if (Object.hasOwn(ADDRESS_OF, channel) && !sender)
        this.logger.info({ event: 'channel.no_sender', tipId, channel }, "no sender configured for the tip's channel");
      return this.deliver(kind, tipId, contact, attempt);
    }
    try {
      await sender.send({ tipId, reference: contact.reference, to: this.cipher.decrypt(address), body });
      this.logger.info({ event: 'channel.message_sent', tipId, channel, kind }, "sent on the tip's channel");
    } catch (error) {
      // The sender's error holds no personal data by contract; still, only its code is logged.
      this.logger.warn({ event: 'channel.send_failed', tipId, channel, code: errorCode(error), ...attempt }, "message not delivered on the tip's channel");
      throw new DeliveryFailed(errorCode(error) ?? 'CHANNEL_SEND_FAILED');
    }
  }

  // Read-only, when the notice goes out: the text stays in its table (and goes with an erasure), never in a job.
  private messageBody(tipId: string, messageId: string): Promise<string | undefined> {
    return this.messages.read(tipId, messageId);
  }

  // Read-only: the tip's public reference, channel and contact addresses (through the tips module).
  private contact(tipId: string): Promise<TipContact | undefined> {
    return this.tips.contact(tipId);
  }

  private async deliver(kind: NotificationKind, tipId: string, row: TipContact, attempt: { attempt: number; last: boolean }): Promise<void> {
    const transport = this.mailer.transport;
    if (!row.emailEncrypted) return;
    try {
      const to = this.cipher.decrypt(row.emailEncrypted);
      await this.mailer.send(composeNotification(kind, { to, reference: row.reference, publicBaseUrl: this.config.publicBaseUrl }));
      this.logger.info({ event: 'notification.sent', tipId, kind, transport }, 'notification sent');
    } catch (error) {
      // Only the error's code: a relay's message often quotes the recipient's address.
      const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
      const stableCode = typeof code === 'string' && code.length <= 64 ? code : undefined;
      this.logger.warn(
        {
          event: 'notification.failed',
          tipId,
          kind,
          transport,
          code: stableCode,
          responseCode: typeof responseCode === 'number' ? responseCode : undefined,
          ...attempt,
        },
        attempt.last ? 'notification not delivered; giving up (see the dead letters)' : 'notification not delivered; it will be tried again',
      );
      throw new DeliveryFailed(stableCode ?? (typeof responseCode === 'number' ? `SMTP_${responseCode}` : 'SEND_FAILED'));
    }
  }
}

/** An error's code, if it has a short one: never its message, which may quote an address. */
function errorCode(error: unknown): string | undefined {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' && code.length <= 64 ? code : undefined;
}
