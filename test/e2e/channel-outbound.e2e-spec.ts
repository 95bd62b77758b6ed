import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { ChannelIntakeService } from '../../src/channels/channel-intake.service.js';
import { ChannelSenderRegistry, type ChannelSender, type OutboundMessage } from '../../src/notifications/channel-senders.js';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A real ChannelSender in the app's module graph that keeps what it was asked to send (or refuses, on demand). */
class RecordingEmailSender implements ChannelSender {
  readonly channel = 'email' as const;
  readonly sent: OutboundMessage[] = [];
  failNext = false;
  async send(message: OutboundMessage): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error(`relay refused ${message.to}`), { code: 'EENVELOPE' });
    }
    this.sent.push(message);
  }
}
const emailSender = new RecordingEmailSender();

/** Registers after every module's init, so it replaces the email channel's own sender. */
@Module({})
class RecordingSenderModule implements OnApplicationBootstrap {
  constructor(private readonly senders: ChannelSenderRegistry) {}
  onApplicationBootstrap(): void {
    this.senders.register(emailSender);
  }
}

const EDITOR_TEXT = 'Could you send the original file? Ask for Quimby-7731 at the desk.';
const outbox = async (t: TestApp) => (await readdir(join(t.dataDir, 'outbox')).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));

describe("an editor's message goes out by the tip's channel", () => {
  let t: TestApp;
  let editor: SignedInStaff;

  beforeAll(async () => {
    // A failed send is retried (pg-boss): a second apart here, not the production 30 s.
    t = await startTestApp(
      { PUBLIC_BASE_URL: 'https://tips.example.com', NOTIFICATION_RETRY_DELAY_SECONDS: '1' },
      { imports: [{ module: RecordingSenderModule }] },
    );
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t.close();
  });

  it("an email tip: the full message body and the contributor's address go to the email channel's sender, and no link mail", async () => {
    const tip = await t.app.get(ChannelIntakeService).receive({
      channel: 'email',
      providerMessageId: '<first@example.org>',
      sender: { address: 'reader@example.org' },
      text: 'Flood at the station',
      attachments: [],
      dropped: [],
    });
    await editor.post(`/api/tips/${tip.tipId}/messages`).send({ body: EDITOR_TEXT }).expect(201);
    await t.app.get(NotificationsService).settled();
    expect(emailSender.sent).toEqual([{ tipId: tip.tipId, reference: tip.reference, to: 'reader@example.org', body: EDITOR_TEXT }]);
    expect(await outbox(t)).toEqual([]);
    expect(t.logs.join('\n')).not.toContain('reader@example.org');
  });

  it('a sender that fails: the message stands (201), the failure is logged by code without the address, and the retry delivers it once', async () => {
    const tip = await t.app.get(ChannelIntakeService).receive({
      channel: 'email',
      providerMessageId: '<second@example.org>',
      sender: { address: 'other.reader@example.org' },
      text: 'Fire',
      attachments: [],
      dropped: [],
    });
    emailSender.failNext = true;
    await editor.post(`/api/tips/${tip.tipId}/messages`).send({ body: EDITOR_TEXT }).expect(201);
    await t.app.get(NotificationsService).settled();
    const failed = t.logs.map((l) => JSON.parse(l)).filter((l) => l.event === 'channel.send_failed');
    expect(failed).toEqual([expect.objectContaining({ tipId: tip.tipId, channel: 'email', code: 'EENVELOPE', attempt: 1 })]);
    expect(emailSender.sent.filter((m) => m.tipId === tip.tipId)).toEqual([
      { tipId: tip.tipId, reference: tip.reference, to: 'other.reader@example.org', body: EDITOR_TEXT },
    ]);
    expect(t.logs.join('\n')).not.toContain('other.reader@example.org');
  });

  it('a web tip still gets the link-only mail, never the message text', async () => {
    const res = await request(t.url)
      .post('/api/tips')
      .send({ story: 'Web tip', email: 'web.reader@example.org', consentTerms: true, consentOwnWork: true, consentOver18: true })
      .expect(201);
    const {
      rows: [{ id }],
    } = await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [res.body.reference]);
    const before = emailSender.sent.length;
    await editor.post(`/api/tips/${id}/messages`).send({ body: EDITOR_TEXT }).expect(201);
    await t.app.get(NotificationsService).settled();
    expect(emailSender.sent).toHaveLength(before);
    const files = await outbox(t);
    expect(files).toHaveLength(1);
    const mail = (await readFile(join(t.dataDir, 'outbox', files[0]), 'utf8')).replace(/=\r\n/g, ''); // quoted-printable soft breaks
    expect(mail).toContain('web.reader@example.org');
    expect(mail).toContain(`Your tip ${res.body.reference}: a message from the news desk`);
    expect(mail).not.toContain('Quimby');
  });

  it('a WhatsApp tip with no WhatsApp sender configured: nothing thrown, no mail (no address to mail), logged as skipped', async () => {
    const tip = await t.app.get(ChannelIntakeService).receive({
      channel: 'whatsapp',
      providerMessageId: 'wamid.1',
      sender: { address: '+447700900555' },
      text: 'Hello',
      attachments: [],
      dropped: [],
    });
    const mailsBefore = (await outbox(t)).length;
    await editor.post(`/api/tips/${tip.tipId}/messages`).send({ body: EDITOR_TEXT }).expect(201);
    await t.app.get(NotificationsService).settled();
    expect((await outbox(t)).length).toBe(mailsBefore);
    expect(t.logs.map((l) => JSON.parse(l)).filter((l) => l.event === 'channel.no_sender')).toEqual([
      expect.objectContaining({ tipId: tip.tipId, channel: 'whatsapp' }),
    ]);
  });

  it("an offer on an email tip: a short notice with the status-page link goes by the tip's channel, never the amount", async () => {
    const tip = await t.app.get(ChannelIntakeService).receive({
      channel: 'email',
      providerMessageId: '<offer@example.org>',
      sender: { address: 'paid.reader@example.org' },
      text: 'Video of the crash',
      attachments: [],
      dropped: [],
    });
    const before = emailSender.sent.length;
    await editor.post(`/api/tips/${tip.tipId}/payouts`).send({ amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' }).expect(201);
    await t.app.get(NotificationsService).settled();
    expect(emailSender.sent.slice(before)).toEqual([
      {
        tipId: tip.tipId,
        reference: tip.reference,
        to: 'paid.reader@example.org',
        body: `The news desk has made you an offer for your tip ${tip.reference}. Read the offer and accept or decline it on your status page: https://tips.example.com/status?reference=${tip.reference}`,
      },
    ]);
    expect(emailSender.sent.at(-1)!.body).not.toMatch(/250/);
  });
});
