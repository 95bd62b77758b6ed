import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from './mailer.js';

/** Sends through an SMTP relay named by a URL (`smtp://user:pass@host:587`, `smtps://host:465`). */
export class SmtpMailer implements Mailer {
  readonly transport = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(url: string, private readonly from: string) {
    // Short timeouts: a relay that hangs must not hold mail (and memory) for Node's default minutes.
    this.transporter = createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({ from: this.from, ...mail });
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
