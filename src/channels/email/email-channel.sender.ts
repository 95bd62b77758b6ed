import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../../config/app-config.js';
import { LOGGER } from '../../logging/logger.js';
import { MAILER, type Mailer, type OutgoingMail } from '../../notifications/mailer.js';
import { statusPageUrl } from '../../text/status-url.js';
import type { ChannelSender, OutboundMessage } from '../../notifications/channel-senders.js';
import { plusAddress } from './email-addresses.js';

export class EmailSendError extends Error {
  readonly code = 'EMAIL_SEND_FAILED';
  constructor() {
    super('The email could not be sent');
  }
}

/**
 * An editor's message to a reader who wrote in by email, as a plain-text mail. The reference in
 * the subject and the plus-address in Reply-To bring the reader's answer back to the same tip.
 */
export function composeChannelReply(message: OutboundMessage, config: Pick<AppConfig, 'inboundEmailAddresses' | 'publicBaseUrl'>): OutgoingMail {
  const replyTo = config.inboundEmailAddresses[0];
  const text = [
    message.body.replace(/\r\n?/g, '\n').trimEnd(),
    '',
    '-- ',
    `The news desk, about your tip ${message.reference}. Reply to this email to answer.`,
    `Your tip's status page: ${statusPageUrl(config.publicBaseUrl, message.reference)}`,
    '',
  ].join('\n');
  return {
    to: message.to,
    subject: `Re: your tip [${message.reference}]`,
    text,
    headers: replyTo ? { 'Reply-To': plusAddress(replyTo, message.reference) } : undefined,
  };
}

/**
 * The receipt for a tip that came by email: its reference and secret (the web form shows them
 * once; a mail's sender has no other way to sign in to the status page and accept an offer).
 * Marked Auto-Submitted so well-behaved auto-responders do not answer it.
 */
export function composeEmailReceipt(
  tip: { to: string; reference: string; secret: string },
  config: Pick<AppConfig, 'inboundEmailAddresses' | 'publicBaseUrl'>,
): OutgoingMail {
  const replyTo = config.inboundEmailAddresses[0];
  const text = [
    'Hello,',
    '',
    `Thank you: your tip has reached the news desk. Its reference is ${tip.reference}.`,
    '',
    `Your secret: ${tip.secret}`,
    '',
    `With the reference and the secret you can see where your tip stands, read and answer our editors, and accept a payment at ${statusPageUrl(config.publicBaseUrl, tip.reference)}`,
    'Keep the secret to yourself. Reply to this email to add to your tip.',
    '',
    'The news desk',
    '',
  ].join('\n');
  return {
    to: tip.to,
    subject: `Your tip [${tip.reference}] has reached the news desk`,
    text,
    headers: { 'Auto-Submitted': 'auto-replied', ...(replyTo ? { 'Reply-To': plusAddress(replyTo, tip.reference) } : {}) },
  };
}

@Injectable()
export class EmailChannelSender implements ChannelSender {
  readonly channel = 'email' as const;

  private readonly logger: Logger;
  constructor(
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'email-sender' });
  }

  /** A new email tip's receipt. Never rejects: a lost receipt is logged, the tip stands. The secret is never logged. */
  async sendReceipt(tip: { tipId: string; to: string; reference: string; secret: string }): Promise<void> {
    try {
      await this.mailer.send(composeEmailReceipt(tip, this.config));
      this.logger.info({ event: 'email.receipt_sent', tipId: tip.tipId, reference: tip.reference }, 'receipt mailed');
    } catch (error) {
      this.logger.warn({ event: 'email.receipt_failed', tipId: tip.tipId, code: (error as { code?: string }).code ?? 'ERROR' }, 'receipt not mailed');
    }
  }

  async send(message: OutboundMessage): Promise<void> {
    try {
      await this.mailer.send(composeChannelReply(message, this.config));
    } catch (error) {
      // The relay's error may quote the address: only its code is logged, and a plain error goes up.
      this.logger.warn(
        { event: 'email.send_failed', tipId: message.tipId, code: (error as { code?: string }).code ?? 'ERROR' },
        'email to the reader not sent',
      );
      throw new EmailSendError();
    }
  }
}
