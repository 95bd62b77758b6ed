import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { EmailMalformedError, EmailTooLargeError, InboundEmailParser } from '../../../src/channels/email/inbound-email.parser.js';
import { loadConfig } from '../../../src/config/app-config.js';
import { LocalBlobStore } from '../../../src/storage/local-blob-store.js';
import { onePixelPng, sampleVideo, windowsExe } from '../../support/media-samples.js';

async function compose(mail: Mail.Options): Promise<Buffer> {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await composer.sendMail({ from: '"Pat Reader" <Pat@Example.org>', to: 'tips@paper.example', subject: 'Flood', text: 'Story text', ...mail });
  return info.message as Buffer;
}

/** The mail parser against a real blob store in a temporary directory (medium tier: no database needed). */
describe('InboundEmailParser', () => {
  let dir: string;
  let store: LocalBlobStore;
  const parser = (env: Record<string, string> = {}) =>
    new InboundEmailParser(loadConfig({ DATA_DIR: '/tmp', INBOUND_EMAIL_ADDRESSES: 'tips@paper.example', MAX_FILES_PER_TIP: '2', ...env }), store);
  const files = async () => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tipdesk-email-parser-'));
    store = new LocalBlobStore(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads sender, subject, text, Message-ID and Date; stages the video under a temporary key', async () => {
    const raw = await compose({
      messageId: '<m1@example.org>',
      date: new Date('2026-01-02T03:04:05Z'),
      attachments: [{ filename: 'clip.mp4', content: sampleVideo() }],
    });
    const message = await parser().parse(Readable.from([raw]));
    expect(message).toMatchObject({
      channel: 'email',
      providerMessageId: 'm1@example.org',
      sender: { address: 'pat@example.org', name: 'Pat Reader' },
      subject: 'Flood',
      text: 'Story text',
      dropped: [],
      sentAt: new Date('2026-01-02T03:04:05Z'),
    });
    expect(message.attachments).toEqual([expect.objectContaining({ displayFilename: 'clip.mp4', sniffedType: 'video/mp4', size: sampleVideo().length })]);
    await store.delete(message.attachments[0].tempKey);
  });

  it("the SMTP envelope's plus-address gives the thread reference", async () => {
    const message = await parser().parse(Readable.from([await compose({})]), { recipients: ['tips+td-7k3q-9xrm@paper.example'] });
    expect(message.threadReference).toBe('TD-7K3Q-9XRM');
  });

  it('an inline image counts as an attachment', async () => {
    const raw = await compose({ html: '<p>See <img src="cid:pic1"></p>', attachments: [{ filename: 'pic.png', content: onePixelPng(), cid: 'pic1' }] });
    const message = await parser().parse(Readable.from([raw]));
    expect(message.attachments).toEqual([expect.objectContaining({ kind: 'image', sniffedType: 'image/png' })]);
    await store.delete(message.attachments[0].tempKey);
  });

  it('an attachment over MAX_FILE_BYTES is dropped with the reason, the rest kept', async () => {
    const raw = await compose({
      attachments: [
        { filename: 'small.png', content: onePixelPng() },
        { filename: 'big.mp4', content: Buffer.concat([sampleVideo(), Buffer.alloc(4096)]) },
      ],
    });
    const message = await parser({ MAX_FILE_BYTES: '8192' }).parse(Readable.from([raw]));
    expect(message.attachments.map((a) => a.displayFilename)).toEqual(['small.png']);
    expect(message.dropped).toEqual([{ filename: 'big.mp4', reason: 'larger than the limit of 8192 bytes' }]);
    await store.delete(message.attachments[0].tempKey);
  });

  it('attachments past MAX_FILES_PER_TIP are dropped with the reason; a non-media one too', async () => {
    const raw = await compose({
      attachments: [
        { filename: 'a.mp4', content: sampleVideo() },
        { filename: 'setup.exe', content: windowsExe() },
        { filename: 'b.png', content: onePixelPng() },
        { filename: 'c.mp4', content: sampleVideo() },
      ],
    });
    const message = await parser().parse(Readable.from([raw]));
    expect(message.attachments.map((a) => a.displayFilename)).toEqual(['a.mp4', 'b.png']);
    expect(message.dropped).toEqual([
      { filename: 'setup.exe', reason: 'not a video, photo or audio file' },
      { filename: 'c.mp4', reason: 'more than 2 files in one message' },
    ]);
    for (const file of message.attachments) await store.delete(file.tempKey);
  });

  it('a message past INBOUND_EMAIL_MAX_BYTES throws EmailTooLargeError and leaves no file', async () => {
    const raw = await compose({
      attachments: [
        { filename: 'a.mp4', content: sampleVideo() },
        { filename: 'b.mp4', content: Buffer.concat([sampleVideo(), Buffer.alloc(20_000)]) },
      ],
    });
    await expect(parser({ INBOUND_EMAIL_MAX_BYTES: '16384' }).parse(Readable.from([raw]))).rejects.toBeInstanceOf(EmailTooLargeError);
    expect(await files()).toEqual([]);
  });

  it.each([
    ['no From', 'Subject: hi\r\n\r\nbody\r\n'],
    ['a From with no address', 'From: Just A Name\r\n\r\nbody\r\n'],
    ['multipart without a boundary', 'From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n'],
  ])('%s → EmailMalformedError', async (_name, raw) => {
    await expect(parser().parse(Readable.from([Buffer.from(raw)]))).rejects.toBeInstanceOf(EmailMalformedError);
  });
});
