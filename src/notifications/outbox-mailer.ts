import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from './mailer.js';

/** `20261125T121500123Z`: sortable, and free of the colons some tools refuse in file names. */
export function outboxTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/**
 * Writes each mail as a complete RFC 5322 message (built by nodemailer, CRLF line ends) to
 * `<dir>/<time>-<uuid>.eml`. The file appears whole or not at all: written under a dot-name,
 * fsynced, renamed, and the directory fsynced, so a reader (or a crash) never sees half a mail.
 */
export class OutboxMailer implements Mailer {
  readonly transport = 'outbox' as const;
  // nodemailer (the composer) is loaded with the first mail.
  private composer?: Promise<Transporter>;

  constructor(
    readonly dir: string,
    private readonly from: string,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    this.composer ??= import('nodemailer').then(({ createTransport }) => createTransport({ streamTransport: true, buffer: true, newline: 'windows' }));
    const info = await (await this.composer).sendMail({ from: this.from, ...mail });
    const message = info.message as Buffer;
    await mkdir(this.dir, { recursive: true });
    const id = randomUUID();
    const temp = join(this.dir, `.${id}.tmp`);
    const final = join(this.dir, `${outboxTimestamp(new Date())}-${id}.eml`);
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(message);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, final);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async close(): Promise<void> {
    (await this.composer)?.close();
  }
}
