import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../http/errors.js';
import { LOGGER } from '../../logging/logger.js';
import { addressAllowed, parseAddressList } from '../../network/ip-addresses.js';
import { StorageFullError } from '../../storage/blob-store.js';
import { isInboundAddress } from './email-addresses.js';
import { EmailIntakeService } from './email-intake.service.js';
import { EmailMalformedError, EmailTooLargeError } from './inbound-email.parser.js';

// Mail servers deliver a few messages at a time; more at once is a flood, not a newsroom's tips.
const MAX_CLIENTS = 50;
const MAX_RECIPIENTS = 20;

class SmtpReply extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the sending server is told: a permanent refusal for what a retry cannot fix, a temporary one otherwise. */
export function smtpReplyFor(error: unknown): SmtpReply {
  if (error instanceof EmailTooLargeError) return new SmtpReply(552, `5.3.4 Message too big (the limit is ${error.maxBytes} bytes)`);
  if (error instanceof EmailMalformedError) return new SmtpReply(554, `5.6.0 ${error.message}`);
  if (error instanceof StorageFullError) return new SmtpReply(452, '4.3.1 Insufficient storage, try again later');
  // One sender over INBOUND_EMAILS_PER_SENDER_PER_HOUR: the MX keeps the mail and tries later.
  if (error instanceof DomainError && error.code === 'RATE_LIMITED') return new SmtpReply(450, '4.7.1 Too many mails from this sender, try again later');
  if (error instanceof DomainError && error.status < 500) return new SmtpReply(554, `5.6.0 ${error.message}`);
  return new SmtpReply(451, '4.3.0 Temporary failure, try again later');
}

/**
 * The inbound SMTP listener, on INBOUND_SMTP_PORT only when that is set. It speaks plain SMTP
 * with no STARTTLS and no AUTH: it is meant to sit behind the paper's MX (Postfix or a
 * provider), which does TLS, spam filtering and retries, and forwards the tips address here.
 * It binds 127.0.0.1 unless INBOUND_SMTP_HOST says otherwise, and takes connections only from
 * INBOUND_SMTP_ALLOW (the MX; unset: loopback), refused at connect with 554: a direct connection
 * would skip the MX's SPF/DKIM/DMARC checks. Recipients other than INBOUND_EMAIL_ADDRESSES (or
 * their plus-forms) are refused at RCPT; a message over INBOUND_EMAIL_MAX_BYTES at DATA (552).
 * Each message takes the webhook's path.
 */
@Injectable()
export class SmtpListener implements OnApplicationBootstrap, OnModuleDestroy {
  private server?: SMTPServer;

  private readonly logger: Logger;
  constructor(
    private readonly config: AppConfig,
    private readonly email: EmailIntakeService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'smtp-listener' });
  }

  /** The port it listens on, when it does. */
  get port(): number | undefined {
    return this.listening?.port;
  }

  /** The address it is bound to, when it listens. */
  get host(): string | undefined {
    return this.listening?.address;
  }

  private get listening(): AddressInfo | undefined {
    return (this.server?.server.address() as AddressInfo | null | undefined) ?? undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.INBOUND_SMTP_PORT;
    if (port === undefined) return;
    const addresses = this.config.inboundEmailAddresses;
    if (addresses.length === 0)
      this.logger.warn({ event: 'email.smtp_no_addresses' }, 'INBOUND_SMTP_PORT is set but INBOUND_EMAIL_ADDRESSES is not: every recipient will be refused');
    const allow = parseAddressList(this.config.INBOUND_SMTP_ALLOW ?? '');
    // Loaded only when the listener is on (most newsrooms use the webhook, or no email channel).
    const { SMTPServer } = await import('smtp-server');
    const server = new SMTPServer({
      banner: 'tipdesk inbound mail',
      size: this.config.INBOUND_EMAIL_MAX_BYTES,
      rejectOversized: true,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      maxClients: MAX_CLIENTS,
      maxRecipients: MAX_RECIPIENTS,
      closeTimeout: 5_000,
      // smtp-server's own log names senders and recipients: ours below does not.
      logger: false,
      onConnect: (session, callback) => {
        if (addressAllowed(session.remoteAddress, allow)) return callback();
        this.logger.warn({ event: 'email.smtp_client_refused' }, 'SMTP connection from an address outside INBOUND_SMTP_ALLOW refused');
        callback(new SmtpReply(554, "5.7.1 This listener takes mail only from the paper's mail server"));
      },
      onRcptTo: (address, _session, callback) => {
        if (isInboundAddress(address.address, this.config.inboundEmailAddresses)) return callback();
        this.logger.info({ event: 'email.recipient_refused' }, 'inbound mail for an address that is not ours refused at RCPT');
        callback(new SmtpReply(550, '5.1.1 No such recipient here'));
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        const recipients = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        this.email.receive(stream, 'smtp', { recipients }).then(
          () => callback(null, 'OK: tip received'),
          (error: unknown) => {
            const reply = smtpReplyFor(error);
            if (reply.responseCode === 451) this.logger.error({ event: 'email.smtp_failed', err: error }, 'inbound mail could not be stored');
            callback(reply);
          },
        );
      },
    });
    server.on('error', (error) => this.logger.warn({ event: 'email.smtp_error', code: (error as { code?: string }).code }, 'SMTP listener connection error'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, this.config.INBOUND_SMTP_HOST, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.info({ event: 'email.smtp_listening', port: this.port, host: this.config.INBOUND_SMTP_HOST }, 'inbound SMTP listener started');
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
