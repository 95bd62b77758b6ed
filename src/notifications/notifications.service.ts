import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { LOGGER } from '../logging/logger.js';
import { MAILER, type Mailer } from './mailer.js';
import { composeNotification, type NotificationKind } from './notification-mail.js';

/**
 * Tells a contributor by email that something waits for them on their status page, if they
 * gave an address. Callers invoke it after their transaction committed; delivery runs in the
 * background of the request and its failure is logged, never thrown, so an editor's message or
 * offer stands whether or not the mail goes out. There is no retry yet: the PostgreSQL job queue
 * (pg-boss, issue 5) will carry these so a relay outage delays mail instead of losing it.
 */
@Injectable()
export class NotificationsService implements BeforeApplicationShutdown {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** An editor sent the contributor a message. Never rejects. */
  messageSent(tipId: string): Promise<void> {
    return this.track(this.deliver('message', tipId));
  }

  /** An editor offered payment. Never rejects. */
  offerMade(tipId: string, _payoutId: string): Promise<void> {
    return this.track(this.deliver('offer', tipId));
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

  private async deliver(kind: NotificationKind, tipId: string): Promise<void> {
    const transport = this.mailer.transport;
    try {
      // Read-only: the tip's public reference and the contact address (tips module tables;
      // read here rather than through DeskService, which calls this service).
      const [row] = await this.dataSource.query<{ reference: string; email_encrypted: string | null }[]>(
        `SELECT t.reference, c.email_encrypted FROM tips t LEFT JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1`,
        [tipId],
      );
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
