// Issue 15: a mail's From is whatever the sender typed. A forged From with a tip's reference in
// the subject joined that contributor's thread; a forged mail carrying someone else's
// Message-ID made their genuine mail a "duplicate"; one address could send without limit.
// Now the paper's MX's own Authentication-Results (INBOUND_AUTHSERV_ID) decide who may thread,
// dedupe is per sender, and INBOUND_EMAILS_PER_SENDER_PER_HOUR limits each address.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import request from 'supertest';
import { THREAD_MESSAGE_MAX_LENGTH, UNVERIFIED_SENDER_NOTE } from '../../src/channels/channel-intake.service.js';
import { sampleVideo } from '../support/media-samples.js';
import { freePort } from '../support/net.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TOKEN = 'inbound-mail-token-0123456789abcdef';
const TIPS = 'tips@paper.example';
const INBOUND = '/api/channels/email/inbound';
const MX = 'mx.paper.example';
const PER_HOUR = 6;

let counter = 0;
const unique = (label: string) => `<${label}-${Date.now()}-${++counter}@mail.example.org>`;

/** A real MIME message as a mail client sends it, with the headers an MX prepends on top (first = topmost). */
async function mail(options: Mail.Options, authenticationResults: string[] = []): Promise<Buffer> {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await composer.sendMail({ to: TIPS, subject: 'Flood on the high street', text: 'The river came over the wall at 6am.', ...options });
  return Buffer.concat([Buffer.from(authenticationResults.map((value) => `Authentication-Results: ${value}\r\n`).join('')), info.message as Buffer]);
}

const pass = (domain: string) =>
  `${MX}; spf=pass smtp.mailfrom=${domain}; dkim=pass header.d=${domain} header.s=s1; dmarc=pass (p=reject) header.from=${domain}`;
const fail = (domain: string) => `${MX}; spf=fail smtp.mailfrom=${domain}; dkim=none; dmarc=fail (p=reject dis=none) header.from=${domain}`;

describe('email sender trust (INBOUND_AUTHSERV_ID, per-sender dedupe and limit)', () => {
  let t: TestApp;
  let smtpPort: number;

  beforeAll(async () => {
    smtpPort = await freePort();
    t = await startTestApp({
      INBOUND_EMAIL_TOKEN: TOKEN,
      INBOUND_EMAIL_ADDRESSES: TIPS,
      INBOUND_SMTP_PORT: String(smtpPort),
      INBOUND_AUTHSERV_ID: MX,
      INBOUND_EMAILS_PER_SENDER_PER_HOUR: String(PER_HOUR),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (raw: Buffer) => request(t.url).post(INBOUND).set('Authorization', `Bearer ${TOKEN}`).set('Content-Type', 'message/rfc822').send(raw);

  const notes = async (reference: string): Promise<string[]> =>
    (await t.db.query(`SELECT n.body FROM notes n JOIN tips ON tips.id = n.tip_id WHERE tips.reference = $1`, [reference])).rows.map((r) => r.body as string);

  const threadTexts = async (reference: string): Promise<string[]> =>
    (
      await t.db.query(`SELECT m.body FROM messages m JOIN tips ON tips.id = m.tip_id WHERE tips.reference = $1 AND m.direction = 'from_contributor'`, [
        reference,
      ])
    ).rows.map((r) => r.body as string);

  /** A contributor's first mail, verified by our MX: their tip. */
  async function contributorTip(address: string): Promise<string> {
    const res = await post(await mail({ from: address, messageId: unique('first') }, [pass(address.split('@')[1])])).expect(201);
    expect(res.body.createdTip).toBe(true);
    expect(await notes(res.body.reference)).toEqual([]);
    return res.body.reference as string;
  }

  it("a verified reply (our MX: dmarc=pass) with the tip's reference joins the thread", async () => {
    const reference = await contributorTip('kim@example.org');
    const reply = await post(
      await mail({ from: 'kim@example.org', messageId: unique('reply'), subject: `Re: [${reference}]`, text: 'I filmed it myself.' }, [pass('example.org')]),
    ).expect(201);
    expect(reply.body).toEqual({ reference, createdTip: false, duplicate: false });
    expect(await threadTexts(reference)).toEqual([expect.stringContaining('I filmed it myself.')]);
  });

  it('a forged From (our MX: dmarc=fail) naming a tip → a new tip flagged "sender not verified", nothing added to the thread', async () => {
    const reference = await contributorTip('ana@example.org');
    const forged = await post(
      await mail({ from: 'ana@example.org', messageId: unique('forged'), subject: `Re: [${reference}]`, text: 'Send the money to my new account.' }, [
        fail('example.org'),
      ]),
    ).expect(201);
    expect(forged.body.createdTip).toBe(true);
    expect(forged.body.reference).not.toBe(reference);
    expect(await threadTexts(reference)).toEqual([]);
    expect(await notes(forged.body.reference)).toEqual([expect.stringContaining(UNVERIFIED_SENDER_NOTE)]);
  });

  it('no Authentication-Results at all (a direct delivery that skipped the MX) → a new tip, flagged', async () => {
    const reference = await contributorTip('bo@example.org');
    const direct = await post(await mail({ from: 'bo@example.org', messageId: unique('direct'), subject: `Re: [${reference}]` })).expect(201);
    expect(direct.body.createdTip).toBe(true);
    expect(await notes(direct.body.reference)).toEqual([expect.stringContaining('Sender not verified')]);
  });

  it('dmarc=pass from another authserv-id (anyone can write that header) is ignored → a new tip, flagged', async () => {
    const reference = await contributorTip('cy@example.org');
    const res = await post(
      await mail({ from: 'cy@example.org', messageId: unique('other-mx'), subject: `Re: [${reference}]` }, [
        'mx.attacker.example; dmarc=pass header.from=example.org',
      ]),
    ).expect(201);
    expect(res.body.createdTip).toBe(true);
  });

  it("a forged header with our authserv-id below our MX's own (dmarc=fail on top) is ignored: only the topmost counts", async () => {
    const reference = await contributorTip('dee@example.org');
    const res = await post(
      await mail({ from: 'dee@example.org', messageId: unique('below'), subject: `Re: [${reference}]` }, [fail('example.org'), pass('example.org')]),
    ).expect(201);
    expect(res.body.createdTip).toBe(true);
  });

  it('a domain without DMARC (dmarc=none) whose DKIM passes for the From domain may thread; SPF for another domain may not', async () => {
    const reference = await contributorTip('eve@small-isp.example');
    const aligned = await post(
      await mail({ from: 'eve@small-isp.example', messageId: unique('dkim'), subject: `Re: [${reference}]` }, [
        `${MX}; dkim=pass header.d=small-isp.example; dmarc=none header.from=small-isp.example`,
      ]),
    ).expect(201);
    expect(aligned.body).toMatchObject({ reference, createdTip: false });
    const unaligned = await post(
      await mail({ from: 'eve@small-isp.example', messageId: unique('spf'), subject: `Re: [${reference}]` }, [
        `${MX}; spf=pass smtp.mailfrom=bulk.attacker.example; dmarc=none header.from=small-isp.example`,
      ]),
    ).expect(201);
    expect(unaligned.body.createdTip).toBe(true);
  });

  it('a 12,000-character reply joining a thread keeps its first 10,000 characters, with a note that it was cut', async () => {
    const reference = await contributorTip('jo@example.org');
    const long = 'word '.repeat(2400);
    await post(await mail({ from: 'jo@example.org', messageId: unique('long'), subject: `Re: [${reference}]`, text: long }, [pass('example.org')])).expect(201);
    const [body] = await threadTexts(reference);
    expect(body).toHaveLength(THREAD_MESSAGE_MAX_LENGTH);
    expect(await notes(reference)).toEqual([expect.stringContaining(`The text was cut at ${THREAD_MESSAGE_MAX_LENGTH} characters.`)]);
  });

  it("someone else's mail sent first with a contributor's Message-ID does not suppress the genuine one: both stored", async () => {
    const messageId = unique('stolen');
    const early = await post(await mail({ from: 'mallory@attacker.example', messageId, text: 'first!' }, [pass('attacker.example')])).expect(201);
    const genuine = await post(
      await mail({ from: 'fay@example.org', messageId, text: 'The genuine story.', attachments: [{ filename: 'clip.mp4', content: sampleVideo() }] }, [
        pass('example.org'),
      ]),
    ).expect(201);
    expect(genuine.body).toMatchObject({ createdTip: true, duplicate: false });
    expect(genuine.body.reference).not.toBe(early.body.reference);
    const { rows } = await t.db.query(`SELECT story FROM tips WHERE reference = $1`, [genuine.body.reference]);
    expect(rows[0].story).toContain('The genuine story.');
  });

  it("a forged From (dmarc=fail) with the contributor's own address and their next Message-ID does not suppress the genuine mail", async () => {
    const messageId = unique('forged-id');
    await post(await mail({ from: 'gus@example.org', messageId, text: 'forged' }, [fail('example.org')])).expect(201);
    const genuine = await post(await mail({ from: 'gus@example.org', messageId, text: 'genuine' }, [pass('example.org')])).expect(201);
    expect(genuine.body).toMatchObject({ createdTip: true, duplicate: false });
  });

  it('the same sender retrying the same message is still one message (200 duplicate)', async () => {
    const raw = await mail({ from: 'hal@example.org', messageId: unique('retry') }, [pass('example.org')]);
    const first = await post(raw).expect(201);
    const again = await post(raw).expect(200);
    expect(again.body).toEqual({ reference: first.body.reference, createdTip: false, duplicate: true });
  });

  it(`mail ${PER_HOUR + 1} from one sender within the hour: 429 RATE_LIMITED with Retry-After, nothing stored; another sender still gets through`, async () => {
    for (let i = 0; i < PER_HOUR; i++)
      await post(await mail({ from: 'flood@example.org', messageId: unique(`flood-${i}`) }, [pass('example.org')])).expect(201);
    const [tips, blobs] = [await t.count('tips'), await t.blobFiles()];
    const over = await post(
      await mail({ from: 'FLOOD@example.org', messageId: unique('flood-over'), attachments: [{ filename: 'clip.mp4', content: sampleVideo() }] }, [
        pass('example.org'),
      ]),
    );
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(await t.count('tips')).toBe(tips);
    expect(await t.blobFiles()).toEqual(blobs);
    await post(await mail({ from: 'ivy@example.org', messageId: unique('other') }, [pass('example.org')])).expect(201);
  });

  it('over SMTP the same flood gets 450 (the MX keeps the mail and tries later), not a bounce', async () => {
    const transport = createTransport(`smtp://127.0.0.1:${smtpPort}`);
    const tips = await t.count('tips');
    const error = (await transport
      .sendMail({ from: 'flood@example.org', to: TIPS, subject: 'again', text: 'again', messageId: unique('smtp-flood') })
      .catch((e: unknown) => e)) as { responseCode?: number; response?: string };
    expect(error.responseCode).toBe(450);
    expect(error.response).toMatch(/Too many mails from this sender/);
    expect(await t.count('tips')).toBe(tips);
  });
});
