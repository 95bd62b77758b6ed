import { Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../logging/logger.js';
import { TipsModule } from '../tips/tips.module.js';
import { ChannelSenderRegistry } from './channel-senders.js';
import { MAILER, type Mailer } from './mailer.js';
import { MessageBodies } from './message-bodies.js';
import { NotificationsService } from './notifications.service.js';
import { OutboxMailer } from './outbox-mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

/** SMTP when SMTP_URL is set, else the outbox directory. Says which once, never with addresses. */
export function createMailer(config: AppConfig, logger: Logger): Mailer {
  const mailer = config.SMTP_URL ? new SmtpMailer(config.SMTP_URL, config.MAIL_FROM) : new OutboxMailer(join(config.dataDir, 'outbox'), config.MAIL_FROM);
  logger.info(
    { event: 'notification.transport', transport: mailer.transport },
    mailer.transport === 'smtp' ? 'contributor mail goes out over SMTP' : 'SMTP_URL is not set: contributor mail is written to DATA_DIR/outbox',
  );
  return mailer;
}

/**
 * Global so the desk and payouts can notify without importing each other's modules; the email
 * channel sends its replies through the same MAILER and registers its sender (as WhatsApp does)
 * with ChannelSenderRegistry; the desk provides the reader of its messages' text (MessageBodies).
 */
@Global()
@Module({
  imports: [TipsModule],
  providers: [{ provide: MAILER, inject: [AppConfig, LOGGER], useFactory: createMailer }, NotificationsService, MessageBodies, ChannelSenderRegistry],
  exports: [NotificationsService, MAILER, ChannelSenderRegistry, MessageBodies],
})
export class NotificationsModule {}
