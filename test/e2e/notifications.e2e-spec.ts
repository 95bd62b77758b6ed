import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { freePort } from '../support/net.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { postTip as postWebTip } from '../support/fixtures.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const offer = { amountMinor: 25_000, currency: 'GBP', licence: 'exclusive', legalFlags: { witness: false, crime: false } };
// Words no template could contain, so finding them in a mail means the editor's text leaked.
const EDITOR_TEXT = 'Could you send the original file? Ask for Quimby-7731 at the desk.';

/** A web tip from Pat Reader, with an email address when given. */
const postTip = (t: TestApp, fields: { email?: string } = {}) => postWebTip(t, { name: 'Pat Reader', ...fields });

/** Undoes quoted-printable soft breaks and escapes, so body text can be checked as written. */
function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function header(message: string, name: string): string | undefined {
  const head = message.slice(0, message.indexOf('\r\n\r\n'));
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  return unfolded.match(new RegExp(`^${name}: (.*)$`, 'mi'))?.[1];
}

async function outboxFiles(t: TestApp): Promise<string[]> {
  return readdir(join(t.dataDir, 'outbox')).catch(() => []);
}

function logEvents(t: TestApp, event: string): Record<string, unknown>[] {
  return t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === event);
}

describe('contributor notifications: outbox directory (no SMTP_URL)', () => {
  let t: TestApp;
  let editor: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_BASE_URL: 'https://tips.example.com' });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t.close();
  });

  it('says once at start-up that mail goes to the outbox', () => {
    expect(logEvents(t, 'notification.transport')).toEqual([expect.objectContaining({ transport: 'outbox' })]);
  });

  it("an editor's message: one .eml to the contributor with the reference and status link, without the secret or the message text", async () => {
    const email = 'pat.reader+tips@example.org';
    const tip = await postTip(t, { email });
    await editor.post(`/api/tips/${tip.id}/messages`).send({ body: EDITOR_TEXT }).expect(201);

    // The mail goes out after the response: wait for it, then check nothing but the finished file is there.
    await eventually(async () => expect((await outboxFiles(t)).filter((f) => f.endsWith('.eml'))).toHaveLength(1));
    await t.app.get(NotificationsService).settled();
    const files = await outboxFiles(t);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{9}Z-[0-9a-f-]{36}\.eml$/);
    const raw = await readFile(join(t.dataDir, 'outbox', files[0]), 'utf8');
    expect(header(raw, 'To')).toBe(email);
    expect(header(raw, 'From')).toBe('tipdesk <no-reply@localhost>');
    expect(header(raw, 'Subject')).toBe(`Your tip ${tip.reference}: a message from the news desk`);
    expect(header(raw, 'Message-ID')).toMatch(/^<.+@.+>$/);
    expect(header(raw, 'Content-Type')).toMatch(/^multipart\/alternative/);
    const body = decodeQuotedPrintable(raw);
    expect(body).toContain(`https://tips.example.com/status?reference=${tip.reference}`);
    expect(body).not.toContain(tip.secret);
    expect(body).not.toContain('Quimby-7731');
    expect(raw).toMatch(/\r\n/);

    const [sent, ...more] = logEvents(t, 'notification.sent');
    expect(more).toEqual([]);
    // Exactly these fields besides pino's own: no address, no subject.
    expect(Object.keys(sent).sort()).toEqual(['component', 'event', 'kind', 'level', 'msg', 'service', 'time', 'tipId', 'transport']);
    expect(sent).toMatchObject({ tipId: tip.id, kind: 'message', transport: 'outbox' });
    expect(t.logs.join('\n')).not.toContain(email);
    expect(t.logs.join('\n')).not.toContain('example.org');
  });

  it('a tip without an email address: no mail, and the message still stands', async () => {
    const before = await outboxFiles(t);
    const tip = await postTip(t);
    await editor.post(`/api/tips/${tip.id}/messages`).send({ body: EDITOR_TEXT }).expect(201);
    await t.app.get(NotificationsService).settled();
    expect(await outboxFiles(t)).toEqual(before);
    const { rows } = await t.db.query(`SELECT direction FROM messages WHERE tip_id = $1`, [tip.id]);
    expect(rows).toEqual([{ direction: 'to_contributor' }]);
  });

  it('an offer: a second .eml whose subject says an offer, and no temporary files left behind', async () => {
    const email = 'offer.reader@example.org';
    const tip = await postTip(t, { email });
    const before = await outboxFiles(t);
    await editor.post(`/api/tips/${tip.id}/payouts`).send(offer).expect(201);
    await t.app.get(NotificationsService).settled();
    const added = (await outboxFiles(t)).filter((f) => !before.includes(f));
    expect(added).toHaveLength(1);
    const raw = await readFile(join(t.dataDir, 'outbox', added[0]), 'utf8');
    expect(header(raw, 'To')).toBe(email);
    expect(header(raw, 'Subject')).toBe(`Your tip ${tip.reference}: an offer for your tip`);
    // The terms stay on the status page: the plain-text part names no amount or currency.
    const decoded = decodeQuotedPrintable(raw);
    const text = decoded.slice(decoded.indexOf('Hello,'), decoded.indexOf('Sign in there'));
    expect(text).toContain('made you an offer');
    expect(text).not.toMatch(/250|£|GBP|exclusive/);
    expect((await outboxFiles(t)).every((f) => f.endsWith('.eml') && !f.startsWith('.'))).toBe(true);
  });
});

describe('contributor notifications: a real SMTP peer', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let smtp: SMTPServer;
  const received: { from: string; to: string[]; raw: string }[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const { port } = smtp.server.address() as AddressInfo;
    t = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'News desk <desk@newsroom.test>' });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('an offer: the peer receives one message, to the contributor, from MAIL_FROM', async () => {
    expect(logEvents(t, 'notification.transport')).toEqual([expect.objectContaining({ transport: 'smtp' })]);
    const email = 'sam.smtp@example.org';
    const tip = await postTip(t, { email });
    await editor.post(`/api/tips/${tip.id}/payouts`).send(offer).expect(201);
    await eventually(() => expect(received).toHaveLength(1));
    expect(received[0].to).toEqual([email]);
    expect(received[0].from).toBe('desk@newsroom.test');
    expect(header(received[0].raw, 'Subject')).toBe(`Your tip ${tip.reference}: an offer for your tip`);
    expect(decodeQuotedPrintable(received[0].raw)).not.toContain(tip.secret);
    await eventually(() => expect(logEvents(t, 'notification.sent')).toEqual([expect.objectContaining({ tipId: tip.id, kind: 'offer', transport: 'smtp' })]));
    expect(t.logs.join('\n')).not.toContain(email);
  });
});

describe('contributor notifications: the SMTP relay is down', () => {
  let t: TestApp;
  let editor: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t.close();
  });

  it("the editor's message still answers 201 and is stored; the failure is logged without the address", async () => {
    const email = 'down.relay@example.org';
    const tip = await postTip(t, { email });
    const res = await editor.post(`/api/tips/${tip.id}/messages`).send({ body: EDITOR_TEXT });
    expect(res.status).toBe(201);
    const { rows } = await t.db.query(`SELECT id FROM messages WHERE tip_id = $1`, [tip.id]);
    expect(rows).toEqual([{ id: res.body.id }]);
    await eventually(
      () =>
        expect(logEvents(t, 'notification.failed')).toEqual([
          expect.objectContaining({ tipId: tip.id, kind: 'message', transport: 'smtp', code: expect.stringMatching(/^E(CONNECTION|SOCKET)$/) }),
        ]),
      15_000,
    );
    expect(logEvents(t, 'notification.sent')).toEqual([]);
    expect(t.logs.join('\n')).not.toContain(email);
    expect(t.logs.join('\n')).not.toContain('example.org');
  });
});

describe('contributor notifications: a relay outage delays mail and loses none (pg-boss retries)', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let smtp: SMTPServer;
  // The relay refuses every message ("try again later") until it is told to accept.
  let accepting = false;
  let refusals = 0;
  const received: { to: string[]; raw: string }[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onMailFrom(_address, _session, callback) {
        if (accepting) return callback();
        refusals++;
        callback(Object.assign(new Error('Relay unavailable, try again later'), { responseCode: 421 }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const { port } = smtp.server.address() as AddressInfo;
    // A second between tries (doubling), so the test sees the retries in seconds rather than minutes.
    t = await startTestApp({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      NOTIFICATION_RETRY_DELAY_SECONDS: '1',
      NOTIFICATION_RETRY_LIMIT: '6',
      JOBS_POLL_SECONDS: '1',
    });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('the relay refuses twice, then accepts: the contributor gets exactly one mail, and the failed tries are logged without the address', async () => {
    const email = 'outage.reader@example.org';
    const tip = await postTip(t, { email });
    await editor.post(`/api/tips/${tip.id}/messages`).send({ body: EDITOR_TEXT }).expect(201);
    await eventually(() => expect(refusals).toBeGreaterThanOrEqual(2), 20_000);
    expect(received).toEqual([]);
    accepting = true;
    await eventually(() => expect(received).toHaveLength(1), 30_000);
    expect(received[0].to).toEqual([email]);
    expect(header(received[0].raw, 'Subject')).toBe(`Your tip ${tip.reference}: a message from the news desk`);
    await t.app.get(NotificationsService).settled();
    expect(received).toHaveLength(1);
    const failed = logEvents(t, 'notification.failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]).toMatchObject({ tipId: tip.id, kind: 'message', transport: 'smtp', responseCode: 421, attempt: 1, last: false });
    expect(logEvents(t, 'notification.sent')).toEqual([expect.objectContaining({ tipId: tip.id, kind: 'message' })]);
    // The job holds ids only: neither the address nor the editor's words are in pg-boss's table.
    const { rows } = await t.db.query(`SELECT data::text AS data, output::text AS output FROM pgboss.job WHERE name = 'contributor-mail'`);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('example.org');
    expect(JSON.stringify(rows)).not.toContain('Quimby-7731');
    expect(t.logs.join('\n')).not.toContain(email);
  });
});

describe('contributor notifications: a relay that never accepts ends in the dead letters an admin sees', () => {
  let t: TestApp;
  let editor: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp({
      SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      NOTIFICATION_RETRY_DELAY_SECONDS: '1',
      NOTIFICATION_RETRY_LIMIT: '1',
      JOBS_POLL_SECONDS: '1',
    });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t.close();
  });

  it('after its retries: one dead letter (queue contributor-mail, the tip id, a connection error code), listed for admins', async () => {
    const tip = await postTip(t, { email: 'never.delivered@example.org' });
    await editor.post(`/api/tips/${tip.id}/payouts`).send(offer).expect(201);
    const admin = await signedInStaff(t, 'admin');
    await eventually(async () => {
      const res = await admin.get('/api/jobs/dead-letters').expect(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          queue: 'contributor-mail',
          tipId: tip.id,
          mediaId: null,
          attempts: 2,
          errorCode: expect.stringMatching(/^E(CONNECTION|SOCKET)$/),
        }),
      ]);
    }, 30_000);
    const page = await admin.get('/desk/audit').expect(200);
    expect(page.text).toContain('contributor-mail');
    expect(page.text).toContain(tip.id);
    expect(logEvents(t, 'notification.failed').at(-1)).toMatchObject({ last: true });
  });
});
