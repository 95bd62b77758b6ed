import type { Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from './mailer.js';

/** Sends through an SMTP relay named by a URL (`smtp://user:pass@host:587`, `smtps://host:465`). */
export class SmtpMailer implements Mailer {
  readonly transport = 'smtp' as const;
  // nodemailer is loaded with the first mail: most processes go hours without sending one.
  private transporter?: Promise<Transporter>;

  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    this.transporter ??= import('nodemailer').then(({ createTransport }) =>
      // Short timeouts: a relay that hangs must not hold mail (and memory) for Node's default minutes.
      createTransport({ url: this.url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }),
    );
    await (await this.transporter).sendMail({ from: this.from, ...mail });
  }

  async close(): Promise<void> {
    (await this.transporter)?.close();
  }
}
