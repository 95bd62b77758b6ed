import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { CHANNEL_SENDERS, type ChannelSender, type InboundChannel } from '../channels/inbound-message.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { LOGGER } from '../logging/logger.js';
import { MAILER, type Mailer } from './mailer.js';
import { channelNotice, composeNotification, type NotificationKind } from './notification-mail.js';

interface TipContact {
  reference: string;
  channel: string;
  email_encrypted: string | null;
  phone_encrypted: string | null;
}

/** Where a tip's channel keeps the contributor's address for replies. */
const ADDRESS_OF: Record<InboundChannel, 'email_encrypted' | 'phone_encrypted'> = { email: 'email_encrypted', whatsapp: 'phone_encrypted' };

/**
 * Tells a contributor by email that something waits for them on their status page, if they
 * gave an address. Callers invoke it after their transaction committed; delivery runs in the
 * background of the request and its failure is logged, never thrown, so an editor's message or
 * offer stands whether or not the mail goes out. There is no retry yet: the PostgreSQL job queue
 * (pg-boss, issue 5) will carry these so a relay outage delays mail instead of losing it.
 */
@Injectable()
export class NotificationsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly inFlight = new Set<Promise<void>>();
  private senders = new Map<InboundChannel, ChannelSender>();

  constructor(
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Every module that carries messages back out registers its sender under CHANNEL_SENDERS (a
   * sender or an array of them); they are collected once everything is built, so the channels
   * can depend on the desk without the desk depending on them. No sender: none configured.
   */
  onApplicationBootstrap(): void {
    let registered: (ChannelSender | ChannelSender[])[] = [];
    try {
      registered = this.moduleRef.get<ChannelSender | ChannelSender[]>(CHANNEL_SENDERS, { strict: false, each: true });
    } catch {
      registered = [];
    }
    // In module order: a sender registered later for the same channel (a test's recording one) replaces the earlier.
    for (const sender of registered.flat()) if (sender) this.senders.set(sender.channel, sender);
  }

  /**
   * An editor sent the contributor a message. A web or phone tip's contributor gets a link to
   * their status page by mail; an email or WhatsApp tip's contributor gets the message itself
   * on that channel (with no sender configured for it: the link by mail, if we have an address).
   * Never rejects.
   */
  messageSent(tipId: string, message?: { body: string }): Promise<void> {
    return this.track(this.route(tipId, 'message', message?.body));
  }

  /**
   * An editor offered payment. The terms stay behind the status page's sign-in: an email or
   * WhatsApp tip's contributor gets a short notice with the link on that channel (a WhatsApp
   * contributor often has no email address), everyone else the link by mail. Never rejects.
   */
  offerMade(tipId: string, _payoutId: string): Promise<void> {
    return this.track(this.route(tipId, 'offer'));
  }

  /** Resolves when every delivery started so far has finished (sent, skipped or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Lets mail already under way finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.settled();
    await this.mailer.close();
  }

  private track(delivery: Promise<void>): Promise<void> {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return delivery;
  }

  private async route(tipId: string, kind: NotificationKind, messageBody?: string): Promise<void> {
    let contact: TipContact | undefined;
    try {
      contact = await this.contact(tipId);
    } catch (error) {
      this.logger.warn({ event: 'notification.failed', tipId, kind, code: errorCode(error) }, 'notification not delivered');
      return;
    }
    if (!contact) return;
    const channel = contact.channel as InboundChannel;
    const sender = Object.hasOwn(ADDRESS_OF, channel) ? this.senders.get(channel) : undefined;
    const address = sender ? contact[ADDRESS_OF[channel]] : null;
    const body = kind === 'message' ? messageBody : channelNotice(kind, contact.reference, this.config.publicBaseUrl);
    if (!sender || !address || body === undefined) {
      // No way back on its own channel (none configured): the status-page link by mail, when we have an address.
      if (Object.hasOwn(ADDRESS_OF, channel) && !sender) this.logger.info({ event: 'channel.no_sender', tipId, channel }, 'no sender configured for the tip\'s channel');
      return this.deliver(kind, tipId, contact);
    }
    try {
      await sender.send({ tipId, reference: contact.reference, to: this.cipher.decrypt(address), body });
      this.logger.info({ event: 'channel.message_sent', tipId, channel, kind }, 'sent on the tip\'s channel');
    } catch (error) {
      // The sender's error holds no personal data by contract; still, only its code is logged.
      this.logger.warn({ event: 'channel.send_failed', tipId, channel, code: errorCode(error) }, 'message not delivered on the tip\'s channel');
    }
  }

  // Read-only: the tip's public reference, channel and contact addresses (tips module tables;
  // read here rather than through DeskService, which calls this service).
  private async contact(tipId: string): Promise<TipContact | undefined> {
    const [row] = await this.dataSource.query<TipContact[]>(
      `SELECT t.reference, t.channel, c.email_encrypted, c.phone_encrypted FROM tips t LEFT JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1`,
      [tipId],
    );
    return row;
  }

  private async deliver(kind: NotificationKind, tipId: string, known?: TipContact): Promise<void> {
    const transport = this.mailer.transport;
    try {
      const row = known ?? (await this.contact(tipId));
      if (!row?.email_encrypted) return;
      const to = this.cipher.decrypt(row.email_encrypted);
      await this.mailer.send(composeNotification(kind, { to, reference: row.reference, publicBaseUrl: this.config.publicBaseUrl }));
      this.logger.info({ event: 'notification.sent', tipId, kind, transport }, 'notification sent');
    } catch (error) {
      // Only the error's code: a relay's message often quotes the recipient's address.
      const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
      this.logger.warn(
        { event: 'notification.failed', tipId, kind, transport, code: typeof code === 'string' ? code : undefined, responseCode: typeof responseCode === 'number' ? responseCode : undefined },
        'notification not delivered',
      );
    }
  }
}

/** An error's code, if it has a short one: never its message, which may quote an address. */
function errorCode(error: unknown): string | undefined {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' && code.length <= 64 ? code : undefined;
}
