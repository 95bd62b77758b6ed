/** One email as tipdesk sends it: plain text always, simple HTML optionally. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export type MailTransportName = 'smtp' | 'outbox';

/**
 * How mail leaves tipdesk. Two real implementations: SmtpMailer (a relay from SMTP_URL) and
 * OutboxMailer (RFC 5322 files under DATA_DIR/outbox, for a machine with no relay configured).
 */
export interface Mailer {
  readonly transport: MailTransportName;
  /** Resolves once the relay accepted the message, or the .eml file is durable. */
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export const MAILER = Symbol('MAILER');
