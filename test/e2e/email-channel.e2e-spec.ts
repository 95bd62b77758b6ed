import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import pg from 'pg';
import request from 'supertest';
import { EmailIntakeService } from '../../src/channels/email/email-intake.service.js';
import { SmtpListener } from '../../src/channels/email/smtp-listener.js';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { sampleVideo, windowsExe } from '../support/media-samples.js';
import { freePort } from '../support/net.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const TOKEN = 'inbound-mail-token-0123456789abcdef';
const TIPS = 'tips@paper.example';
const MAX_BYTES = 256 * 1024;
const INBOUND = '/api/channels/email/inbound';

/** A real MIME message, built by nodemailer exactly as a mail client would send it. */
async function compose(mail: Mail.Options): Promise<Buffer> {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await composer.sendMail({
    from: '"Pat Reader" <Pat.Reader@Example.org>',
    to: TIPS,
    subject: 'Flood on the high street',
    text: 'The river came over the wall at 6am.',
    ...mail,
  });
  return info.message as Buffer;
}

/** Undoes quoted-printable soft breaks and escapes, so body text can be checked as written. */
function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

let counter = 0;
const unique = (label: string) => `<${label}-${Date.now()}-${++counter}@mail.example.org>`;

async function tipsFor(t: TestApp, reference: string) {
  const { rows } = await t.db.query(`SELECT id, reference, channel, story FROM tips WHERE reference = $1`, [reference]);
  return rows;
}

function post(t: TestApp, raw: Buffer | string, token = TOKEN) {
  return request(t.url).post(INBOUND).set('Authorization', `Bearer ${token}`).set('Content-Type', 'message/rfc822').send(Buffer.from(raw));
}

/** A mail whose second video part is cut off, with no closing boundary: what a broken client sends. */
function mailWithCutVideo(to: string, messageId: string): string {
  const video = sampleVideo().toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    'From: pat@example.org',
    `To: ${to}`,
    'Subject: cut',
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Here it is',
    '--b1',
    'Content-Type: video/mp4; name=a.mp4',
    'Content-Disposition: attachment; filename=a.mp4',
    'Content-Transfer-Encoding: base64',
    '',
    video,
    '--b1',
    'Content-Type: video/mp4; name=b.mp4',
    'Content-Transfer-Encoding: base64',
    '',
    video.slice(0, 200),
  ].join('\r\n');
}

describe('email channel: SMTP listener, webhook and replies (real SMTP client, real PostgreSQL, real files)', () => {
  let t: TestApp;
  let smtpPort: number;
  let editor: SignedInStaff;

  beforeAll(async () => {
    smtpPort = await freePort();
    t = await startTestApp({
      INBOUND_EMAIL_TOKEN: TOKEN,
      INBOUND_SMTP_PORT: String(smtpPort),
      INBOUND_SMTP_HOST: '127.0.0.1',
      INBOUND_EMAIL_ADDRESSES: `${TIPS}, pictures@paper.example`,
      INBOUND_EMAIL_MAX_BYTES: String(MAX_BYTES),
      PUBLIC_BASE_URL: 'https://tips.paper.example',
    });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t?.close();
  });

  const smtp = () => createTransport(`smtp://127.0.0.1:${smtpPort}`);

  describe('SMTP listener', () => {
    it('listens on INBOUND_SMTP_PORT', () => {
      expect(t.app.get(SmtpListener).port).toBe(smtpPort);
    });

    it('a real SMTP client sends a story with a video attached: a tip with channel email, the video as media, the sender as contributor', async () => {
      const messageId = unique('video');
      const info = await smtp().sendMail({
        from: '"Pat Reader" <Pat.Reader@Example.org>',
        to: TIPS,
        subject: 'Flood on the high street',
        text: 'The river came over the wall at 6am. Video attached.',
        messageId,
        attachments: [{ filename: 'flood.mp4', content: sampleVideo(), contentType: 'video/mp4' }],
      });
      expect(info.accepted).toEqual([TIPS]);
      expect(info.response).toMatch(/^250 /);

      const {
        rows: [tip],
      } = await t.db.query(
        `SELECT t.id, t.reference, t.channel, t.story, c.name FROM channel_messages cm JOIN tips t ON t.id = cm.tip_id JOIN contributors c ON c.id = t.contributor_id
          WHERE cm.provider_message_id = $1`,
        [messageId.slice(1, -1)],
      );
      expect(tip).toMatchObject({ channel: 'email', name: 'Pat Reader' });
      expect(tip.story).toContain('Flood on the high street');
      expect(tip.story).toContain('The river came over the wall at 6am.');
      const { rows: media } = await t.db.query(`SELECT display_filename, sniffed_type, kind, size_bytes, storage_key FROM media WHERE tip_id = $1`, [tip.id]);
      expect(media).toEqual([
        expect.objectContaining({ display_filename: 'flood.mp4', sniffed_type: 'video/mp4', kind: 'video', size_bytes: String(sampleVideo().length) }),
      ]);
      expect(await t.blobFiles()).toContain(media[0].storage_key);
      // The log says what happened without naming who.
      const logged = t.logs.filter((line) => line.includes('email.received')).join('\n');
      expect(logged).toContain(tip.reference);
      expect(logged.toLowerCase()).not.toContain('pat.reader');
    });

    it('a message to an unknown recipient is refused at RCPT with 550', async () => {
      const error = (await smtp()
        .sendMail({ from: 'pat@example.org', to: 'editor@paper.example', text: 'hello' })
        .catch((e: unknown) => e)) as {
        rejected?: string[];
        rejectedErrors?: { responseCode?: number }[];
      };
      expect(error.rejected).toEqual(['editor@paper.example']);
      expect(error.rejectedErrors?.[0]?.responseCode).toBe(550);
    });

    it('of two recipients the unknown one is refused and the tips address still gets the mail', async () => {
      const info = await smtp().sendMail({
        from: 'pat@example.org',
        to: [TIPS, 'someone@elsewhere.example'],
        text: 'two recipients',
        messageId: unique('two'),
      });
      expect(info.accepted).toEqual([TIPS]);
      expect(info.rejected).toEqual(['someone@elsewhere.example']);
    });

    it('a plus-address of a tips address is accepted at RCPT', async () => {
      const info = await smtp().sendMail({ from: 'pat@example.org', to: 'pictures+whatever@paper.example', text: 'plus', messageId: unique('plus') });
      expect(info.accepted).toEqual(['pictures+whatever@paper.example']);
    });

    it('an oversize message is refused at DATA with 552, and nothing is stored', async () => {
      const tipsBefore = await t.count('tips');
      const blobsBefore = await t.blobFiles();
      const error = (await smtp()
        .sendMail({
          from: 'pat@example.org',
          to: TIPS,
          text: 'big',
          attachments: [{ filename: 'big.mp4', content: Buffer.concat([sampleVideo(), Buffer.alloc(MAX_BYTES)]) }],
        })
        .catch((e: unknown) => e)) as { responseCode?: number };
      expect(error.responseCode).toBe(552);
      expect(await t.count('tips')).toBe(tipsBefore);
      expect(await t.blobFiles()).toEqual(blobsBefore);
    });

    it('an exe named .mp4 is dropped with a note on the tip; the video next to it is kept', async () => {
      const messageId = unique('exe');
      await smtp().sendMail({
        from: 'pat@example.org',
        to: TIPS,
        subject: 'Two files',
        text: 'See both files',
        messageId,
        attachments: [
          { filename: 'clip.mp4', content: windowsExe(), contentType: 'video/mp4' },
          { filename: 'real.mp4', content: sampleVideo(), contentType: 'video/mp4' },
        ],
      });
      const {
        rows: [{ tip_id: tipId }],
      } = await t.db.query(`SELECT tip_id FROM channel_messages WHERE provider_message_id = $1`, [messageId.slice(1, -1)]);
      const { rows: media } = await t.db.query(`SELECT display_filename FROM media WHERE tip_id = $1`, [tipId]);
      expect(media.map((m) => m.display_filename)).toEqual(['real.mp4']);
      const { rows: notes } = await t.db.query(`SELECT body FROM notes WHERE tip_id = $1`, [tipId]);
      expect(notes.map((n) => n.body).join('\n')).toMatch(/"clip\.mp4" was not kept: not a video, photo or audio file/);
    });

    /** What the intake leaves behind, to compare before and after a refused message. */
    const stored = async () => ({
      tips: await t.count('tips'),
      media: await t.count('media'),
      channelMessages: await t.count('channel_messages'),
      blobs: await t.blobFiles(),
    });
    /** The error nodemailer reports for a refused DATA (the listener's answer). */
    const refusal = (sending: Promise<unknown>) =>
      sending.then(
        () => {
          throw new Error('the listener accepted the message');
        },
        (error: { responseCode?: number; response?: string; command?: string }) => error,
      );

    it('a malformed MIME message (its video part cut off, no closing boundary): 554 with the reason at DATA; no tip, no media, no blob', async () => {
      const before = await stored();
      // nodemailer sends these bytes as they are (`raw`), as a broken mail client would.
      const raw = mailWithCutVideo(TIPS, unique('smtp-cut'));
      const error = await refusal(smtp().sendMail({ envelope: { from: 'pat@example.org', to: [TIPS] }, raw }));
      expect(error.responseCode).toBe(554);
      expect(error.command).toBe('DATA');
      expect(error.response).toMatch(/^554 5\.6\.0 .*cut off/);
      expect(await stored()).toEqual(before);
    });

    it('not a mail at all (no headers, no From) over SMTP: 554, nothing stored', async () => {
      const before = await stored();
      const error = await refusal(smtp().sendMail({ envelope: { from: 'pat@example.org', to: [TIPS] }, raw: 'just some words\r\nand more words\r\n' }));
      expect(error.responseCode).toBe(554);
      expect(error.response).toMatch(/^554 5\.6\.0 .*From/);
      expect(await stored()).toEqual(before);
    });

    it("the database unreachable: 451 (try again later), the staged video removed; the sending server's retry after it is back makes one tip", async () => {
      const before = await stored();
      const messageId = unique('db-down');
      const mail = {
        from: 'pat@example.org',
        to: TIPS,
        subject: 'Fire at the depot',
        text: 'Video attached.',
        messageId,
        attachments: [{ filename: 'fire.mp4', content: sampleVideo(), contentType: 'video/mp4' }],
      };
      // No connection may be made to the app's database, and the open ones are cut: as when
      // PostgreSQL goes away under the app. (A superuser is refused too: ALLOW_CONNECTIONS, not a limit.)
      const name = new URL(t.databaseUrl).pathname.slice(1);
      const admin = new pg.Client({ connectionString: process.env.TIPDESK_TEST_ADMIN_URL });
      await admin.connect();
      let error: Awaited<ReturnType<typeof refusal>>;
      try {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
        error = await refusal(smtp().sendMail(mail));
      } finally {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        await admin.end();
      }
      expect(error.responseCode).toBe(451);
      expect(error.command).toBe('DATA');
      expect(error.response).toBe('451 4.3.0 Temporary failure, try again later');
      expect(await stored()).toEqual(before);
      const logged = t.logs.filter((line) => line.includes('email.smtp_failed'));
      expect(logged.join('\n')).toContain('is not currently accepting connections');
      expect(logged.join('\n').toLowerCase()).not.toContain('pat@example.org');

      // A mail server keeps a message it got 4xx for and tries again later.
      const info = await smtp().sendMail(mail);
      expect(info.response).toMatch(/^250 /);
      const { rows } = await t.db.query(
        `SELECT t.channel, (SELECT count(*)::int FROM media m WHERE m.tip_id = t.id) AS media FROM channel_messages cm JOIN tips t ON t.id = cm.tip_id WHERE cm.provider_message_id = $1`,
        [messageId.slice(1, -1)],
      );
      expect(rows).toEqual([{ channel: 'email', media: 1 }]);
      expect(await t.count('tips')).toBe(before.tips + 1);
    });

    it('the file store failing (its temporary directory is not a directory): 451, nothing stored; the retry once it is fixed makes one tip', async () => {
      const before = await stored();
      const messageId = unique('store-down');
      const mail = {
        from: 'pat@example.org',
        to: TIPS,
        subject: 'Bridge closed',
        text: 'Video attached.',
        messageId,
        attachments: [{ filename: 'bridge.mp4', content: sampleVideo(), contentType: 'video/mp4' }],
      };
      // The tests run as root, so a read-only mode would not stop a write: a plain file where
      // the store keeps its temporary blobs does (ENOTDIR), whoever the process is.
      const tmp = join(t.dataDir, 'blobs', 'tmp');
      await rename(tmp, `${tmp}.aside`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await mkdir(dirname(tmp), { recursive: true });
      await writeFile(tmp, 'not a directory');
      let error: Awaited<ReturnType<typeof refusal>>;
      try {
        error = await refusal(smtp().sendMail(mail));
      } finally {
        await rm(tmp, { force: true });
        await rename(`${tmp}.aside`, tmp).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
      expect(error.responseCode).toBe(451);
      expect(error.response).toBe('451 4.3.0 Temporary failure, try again later');
      expect(await stored()).toEqual(before);
      // The store's own error is what is logged (not the parser's abort that follows it).
      expect(t.logs.filter((line) => line.includes('email.smtp_failed')).join('\n')).toContain('ENOTDIR');

      const info = await smtp().sendMail(mail);
      expect(info.response).toMatch(/^250 /);
      const { rows } = await t.db.query(
        `SELECT (SELECT count(*)::int FROM media m WHERE m.tip_id = cm.tip_id) AS media FROM channel_messages cm WHERE cm.provider_message_id = $1`,
        [messageId.slice(1, -1)],
      );
      expect(rows).toEqual([{ media: 1 }]);
    });

    it("a reply to the plus-address tipdesk puts in Reply-To lands in the same tip's thread", async () => {
      const first = await post(t, await compose({ messageId: unique('plus-first'), from: 'ann@example.org' })).expect(201);
      await smtp().sendMail({
        from: 'ann@example.org',
        to: `tips+${first.body.reference.toLowerCase()}@paper.example`,
        subject: 'more',
        text: 'And one more thing.',
        messageId: unique('plus-reply'),
      });
      const { rows } = await t.db.query(`SELECT m.body, m.direction FROM messages m JOIN tips t ON t.id = m.tip_id WHERE t.reference = $1`, [
        first.body.reference,
      ]);
      expect(rows).toEqual([expect.objectContaining({ direction: 'from_contributor', body: expect.stringContaining('And one more thing.') })]);
    });
  });

  describe('webhook POST /api/channels/email/inbound', () => {
    it('no Authorization header: 401, nothing stored', async () => {
      const before = await t.count('tips');
      const res = await request(t.url)
        .post(INBOUND)
        .set('Content-Type', 'message/rfc822')
        .send(await compose({ messageId: unique('noauth') }));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INBOUND_EMAIL_TOKEN_INVALID');
      expect(await t.count('tips')).toBe(before);
    });

    it('a wrong token: 401', async () => {
      const res = await post(t, await compose({ messageId: unique('wrong') }), `${TOKEN}x`);
      expect(res.status).toBe(401);
    });

    it('a new mail: 201 {reference, createdTip: true, duplicate: false}, the tip has channel email', async () => {
      const res = await post(t, await compose({ messageId: unique('new') })).expect(201);
      expect(res.body).toEqual({ reference: expect.stringMatching(/^TD-[0-9A-Z]{4}-[0-9A-Z]{4}$/), createdTip: true, duplicate: false });
      expect(await tipsFor(t, res.body.reference)).toEqual([expect.objectContaining({ channel: 'email' })]);
    });

    it('the same message posted twice: one tip; the second answer is 200 duplicate', async () => {
      const raw = await compose({ messageId: unique('twice'), attachments: [{ filename: 'a.mp4', content: sampleVideo() }] });
      const tipsBefore = await t.count('tips');
      const first = await post(t, raw).expect(201);
      const blobs = await t.blobFiles();
      const second = await post(t, raw).expect(200);
      expect(second.body).toEqual({ reference: first.body.reference, createdTip: false, duplicate: true });
      expect(await t.count('tips')).toBe(tipsBefore + 1);
      expect(await t.blobFiles()).toEqual(blobs);
    });

    it('a mail without a Message-ID posted twice is still one tip (the raw bytes identify it)', async () => {
      const raw = Buffer.from('From: Sam <sam@example.org>\r\nTo: tips@paper.example\r\nSubject: No id\r\n\r\nA story without a Message-ID.\r\n');
      const first = await post(t, raw).expect(201);
      const second = await post(t, raw).expect(200);
      expect(second.body.reference).toBe(first.body.reference);
    });

    it("a reply with [TD-…] in the subject from the same sender lands in that tip's thread", async () => {
      const first = await post(t, await compose({ messageId: unique('thread-1'), from: 'kim@example.org' })).expect(201);
      const reply = await post(
        t,
        await compose({
          messageId: unique('thread-2'),
          from: 'Kim <KIM@example.org>',
          subject: `Re: your tip [${first.body.reference}]`,
          text: 'Yes, I filmed it myself.',
        }),
      ).expect(201);
      expect(reply.body).toEqual({ reference: first.body.reference, createdTip: false, duplicate: false });
      const { rows } = await t.db.query(
        `SELECT m.body FROM messages m JOIN tips t ON t.id = m.tip_id WHERE t.reference = $1 AND m.direction = 'from_contributor'`,
        [first.body.reference],
      );
      expect(rows.map((r) => r.body)).toEqual([expect.stringContaining('Yes, I filmed it myself.')]);
    });

    it("someone else quoting a tip's reference gets a new tip, not into that thread", async () => {
      const first = await post(t, await compose({ messageId: unique('other-1'), from: 'lee@example.org' })).expect(201);
      const other = await post(t, await compose({ messageId: unique('other-2'), from: 'mallory@example.org', subject: `Re: ${first.body.reference}` })).expect(
        201,
      );
      expect(other.body.createdTip).toBe(true);
      expect(other.body.reference).not.toBe(first.body.reference);
    });

    it('an HTML-only mail becomes text', async () => {
      const res = await post(
        t,
        await compose({ messageId: unique('html'), text: undefined, html: '<p>Fire at the <b>old mill</b></p><script>alert(1)</script>' }),
      ).expect(201);
      const [tip] = await tipsFor(t, res.body.reference);
      expect(tip.story).toContain('Fire at the old mill');
      expect(tip.story).not.toContain('<');
    });

    it('a malformed MIME message (its video part cut off, no closing boundary): 400 EMAIL_MALFORMED, no row and no file left', async () => {
      const tipsBefore = await t.count('tips');
      const mediaBefore = await t.count('media');
      const blobsBefore = await t.blobFiles();
      const raw = mailWithCutVideo('tips@paper.example', unique('cut'));
      const res = await post(t, raw);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'EMAIL_MALFORMED', message: expect.stringContaining('cut off') });
      expect(await t.count('tips')).toBe(tipsBefore);
      expect(await t.count('media')).toBe(mediaBefore);
      expect(await t.blobFiles()).toEqual(blobsBefore);
    });

    it("a part with a header block past the limit after a stored video: 400 EMAIL_MALFORMED, the video's blob removed", async () => {
      const blobsBefore = await t.blobFiles();
      const video = sampleVideo().toString('base64').replace(/.{76}/g, '$&\r\n');
      const raw = [
        'From: pat@example.org',
        'Subject: bomb',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: video/mp4',
        'Content-Disposition: attachment; filename=a.mp4',
        'Content-Transfer-Encoding: base64',
        '',
        video,
        '--b1',
        ...Array.from({ length: 1200 }, (_, i) => `X-Filler-${i}: ${'x'.repeat(60)}`),
        '',
        'text',
        '--b1--',
        '',
      ].join('\r\n');
      const res = await post(t, raw);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('EMAIL_MALFORMED');
      expect(await t.blobFiles()).toEqual(blobsBefore);
    });

    it('not a mail at all (no headers, no From): 400 EMAIL_MALFORMED', async () => {
      const res = await post(t, 'just some words\r\nand more words\r\n');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('EMAIL_MALFORMED');
    });

    it('a body declared larger than INBOUND_EMAIL_MAX_BYTES: 413 EMAIL_TOO_LARGE before it is read', async () => {
      const res = await post(t, Buffer.alloc(MAX_BYTES + 1, 0x41));
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('EMAIL_TOO_LARGE');
    });

    it('a chunked body that grows past INBOUND_EMAIL_MAX_BYTES: 413, nothing stored', async () => {
      const blobsBefore = await t.blobFiles();
      const raw = await compose({
        messageId: unique('chunked'),
        attachments: [{ filename: 'big.mp4', content: Buffer.concat([sampleVideo(), Buffer.alloc(MAX_BYTES)]) }],
      });
      // No Content-Length: the limit can only be found while reading.
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          `${t.url}${INBOUND}`,
          { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'message/rfc822' } },
          (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        for (let i = 0; i < raw.length; i += 16 * 1024) req.write(raw.subarray(i, i + 16 * 1024));
        req.end();
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).code).toBe('EMAIL_TOO_LARGE');
      expect(await t.blobFiles()).toEqual(blobsBefore);
    });

    it('a JSON body: 415', async () => {
      const res = await request(t.url).post(INBOUND).set('Authorization', `Bearer ${TOKEN}`).send({ raw: 'x' });
      expect(res.status).toBe(415);
    });
  });

  describe("a new email tip's receipt", () => {
    const outboxFiles = async () => (await readdir(join(t.dataDir, 'outbox')).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
    const newMails = async (before: string[]) => {
      await t.app.get(EmailIntakeService).receiptsSettled();
      const added = (await outboxFiles()).filter((f) => !before.includes(f));
      return Promise.all(added.map(async (f) => decodeQuotedPrintable(await readFile(join(t.dataDir, 'outbox', f), 'utf8'))));
    };

    it('mails the sender the reference and the secret, which sign in to the status page; marked Auto-Submitted', async () => {
      const before = await outboxFiles();
      const res = await post(
        t,
        await compose({ messageId: unique('receipt'), from: 'Rita Reader <rita@example.org>', subject: 'Burst main on Mill Road' }),
      ).expect(201);
      const mails = await newMails(before);
      expect(mails).toHaveLength(1);
      const head = mails[0].slice(0, mails[0].indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
      expect(head).toMatch(/^To: rita@example\.org$/m);
      expect(head).toMatch(new RegExp(`^Subject: Your tip \\[${res.body.reference}\\] has reached the news desk$`, 'm'));
      expect(head).toMatch(/^Auto-Submitted: auto-replied$/m);
      const secret = /Your secret: (\S+)/.exec(mails[0])![1];
      await request(t.url).post('/api/contributor/session').send({ reference: res.body.reference, secret }).expect(200);
      expect(t.logs.join('\n')).not.toContain(secret);
    });

    it('no receipt for a mail that joins a thread, for a duplicate, or for an auto-reply', async () => {
      const first = await compose({ messageId: unique('thread'), from: 'sam@example.org', subject: 'Fire on the quay' });
      const res = await post(t, first).expect(201);
      await t.app.get(EmailIntakeService).receiptsSettled();
      const before = await outboxFiles();
      await post(t, first).expect(200); // the same message again
      await post(t, await compose({ messageId: unique('thread2'), from: 'sam@example.org', subject: `Re: [${res.body.reference}] more` })).expect(201);
      const auto = await post(
        t,
        await compose({ messageId: unique('auto'), from: 'away@example.org', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }),
      ).expect(201);
      expect(auto.body.createdTip).toBe(true);
      expect(await newMails(before)).toEqual([]);
    });
  });

  describe("an editor's message on an email tip", () => {
    it('goes out by mail (OutboxMailer): the reference in the subject, the text in the body, Reply-To the plus-address', async () => {
      const res = await post(t, await compose({ messageId: unique('out'), from: 'reader@example.org' })).expect(201);
      const [tip] = await tipsFor(t, res.body.reference);
      await t.app.get(EmailIntakeService).receiptsSettled(); // the new tip's receipt is not the reply
      const outbox = join(t.dataDir, 'outbox');
      const before = await readdir(outbox).catch(() => [] as string[]);
      await editor.post(`/api/tips/${tip.id}/messages`).send({ body: 'Thanks! Could you send the original file, uncut?' }).expect(201);
      await t.app.get(NotificationsService).settled();
      let added: string[] = [];
      await eventually(async () => {
        added = (await readdir(outbox).catch(() => [] as string[])).filter((f) => f.endsWith('.eml') && !before.includes(f));
        expect(added).toHaveLength(1);
      });
      const raw = decodeQuotedPrintable(await readFile(join(outbox, added[0]), 'utf8'));
      const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
      expect(head).toMatch(new RegExp(`^Subject: Re: your tip \\[${res.body.reference}\\]$`, 'm'));
      expect(head).toMatch(/^To: reader@example\.org$/m);
      expect(head).toMatch(new RegExp(`^Reply-To: tips\\+${res.body.reference}@paper\\.example$`, 'm'));
      expect(raw).toContain('Could you send the original file, uncut?');
      expect(raw).toContain(`https://tips.paper.example/status?reference=${res.body.reference}`);
    });
  });
});

describe('email webhook with no INBOUND_EMAIL_TOKEN configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 404 exactly as a path tipdesk does not serve, whatever the token', async () => {
    const res = await request(t.url)
      .post(INBOUND)
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', 'message/rfc822')
      .send('From: a@b.example\r\n\r\nhi');
    const absent = await request(t.url).post('/api/channels/email/nowhere').set('Content-Type', 'message/rfc822').send('x');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ ...absent.body, message: absent.body.message.replace('/nowhere', '/inbound') });
  });

  it('starts no SMTP listener without INBOUND_SMTP_PORT', () => {
    expect(t.app.get(SmtpListener).port).toBeUndefined();
  });
});
