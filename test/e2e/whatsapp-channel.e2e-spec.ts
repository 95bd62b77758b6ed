import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { WhatsAppMediaRetryService } from '../../src/channels/whatsapp/whatsapp-media-retry.service.js';
import { signatureFor } from '../../src/channels/whatsapp/whatsapp-signature.js';
import { onePixelPng, sampleVideo, windowsExe } from '../support/media-samples.js';
import { signedInStaff } from '../support/staff.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { webhookDelivery, WhatsAppGraphPeer } from '../support/whatsapp-graph-peer.js';

const VERIFY_TOKEN = 'verify-token-for-tests';
const APP_SECRET = 'app-secret-for-tests-0123456789';
const ACCESS_TOKEN = 'EAAG-access-token-for-tests';
const PHONE_NUMBER_ID = '106540352242922'; // as in webhookDelivery's metadata
const WEBHOOK = '/api/channels/whatsapp/webhook';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const aPdf = () => Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), Buffer.alloc(4096, 0x20)]);

let serial = 0;
/** A reader's number, new for each test so their conversations never meet. */
const newReader = () => `4477009${String(++serial).padStart(5, '0')}`;

type Message = Record<string, unknown>;
const delivery = (from: string, messages: Message[], name?: string) => webhookDelivery(from, messages, { name });
const text = (body: string): Message => ({ type: 'text', text: { body } });

describe('WhatsApp channel (webhook, Graph media, replies)', () => {
  let t: TestApp;
  let graph: WhatsAppGraphPeer;

  /** POSTs the exact bytes with Meta's signature over them (or the given header). */
  const post = (payload: unknown, signature?: string | null) => {
    // A string goes out as these exact bytes (superagent would re-serialise a Buffer as JSON).
    const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
    let req = request(t.url).post(WEBHOOK).set('Content-Type', 'application/json');
    if (signature !== null) req = req.set('X-Hub-Signature-256', signature ?? signatureFor(raw, APP_SECRET));
    return req.send(raw);
  };
  const tipOf = async (messageId: string) =>
    (await t.db.query(`SELECT t.* FROM channel_messages cm JOIN tips t ON t.id = cm.tip_id WHERE cm.provider_message_id = $1`, [messageId])).rows[0];
  const mediaOf = async (tipId: string) => (await t.db.query(`SELECT * FROM media WHERE tip_id = $1 ORDER BY created_at`, [tipId])).rows;
  const notesOf = async (tipId: string) =>
    (await t.db.query(`SELECT body FROM notes WHERE tip_id = $1 ORDER BY created_at`, [tipId])).rows.map((r) => r.body as string);
  const idsOf = (payload: ReturnType<typeof delivery>) => payload.entry[0].changes[0].value.messages.map((m) => m.id as string);

  beforeAll(async () => {
    graph = await new WhatsAppGraphPeer(ACCESS_TOKEN).start();
    t = await startTestApp({
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_GRAPH_URL: graph.graphUrl,
      WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_CONVERSATION_HOURS: '24',
      MAX_FILE_BYTES: '2000000',
    });
  });
  afterAll(async () => {
    await t?.close();
    await graph?.stop();
  });
  beforeEach(() => {
    graph.media.clear();
  });

  describe('GET verification handshake', () => {
    it('subscribe with the verify token: 200, the challenge as text/plain', async () => {
      const res = await request(t.url).get(WEBHOOK).query({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toBe('1158201444');
    });

    it('a wrong verify token: 403', async () => {
      const res = await request(t.url).get(WEBHOOK).query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444' });
      expect(res.status).toBe(403);
      expect(res.text).not.toContain('1158201444');
    });

    it('a mode other than subscribe: 403', async () => {
      const res = await request(t.url).get(WEBHOOK).query({ 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' });
      expect(res.status).toBe(403);
    });

    it('no query at all: 403', async () => {
      expect((await request(t.url).get(WEBHOOK)).status).toBe(403);
    });
  });

  describe('POST signature: checked over the raw bytes before anything is stored', () => {
    const counts = async () => ({ tips: await t.count('tips'), channelMessages: await t.count('channel_messages'), media: await t.count('media') });

    it.each([
      ['missing', null],
      ['malformed', 'sha256=nothex'],
      ['under another secret', 'other'],
      ['of other bytes', 'other-body'],
    ])('signature %s: 401, nothing stored, no Graph call', async (_name, kind) => {
      const before = await counts();
      const requestsBefore = graph.requests.length;
      const payload = delivery(newReader(), [{ type: 'video', video: { id: '9001', mime_type: 'video/mp4' } }]);
      graph.media.set('9001', { bytes: sampleVideo(), mimeType: 'video/mp4', answer: 'ok' });
      const raw = JSON.stringify(payload);
      const signature =
        kind === null ? null : kind === 'other' ? signatureFor(raw, 'another-app-secret') : kind === 'other-body' ? signatureFor(`${raw} `, APP_SECRET) : kind;
      const res = await post(raw, signature);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('WHATSAPP_SIGNATURE_INVALID');
      expect(await counts()).toEqual(before);
      expect(graph.requests.length).toBe(requestsBefore);
    });

    it('the same JSON re-serialised (spaces) with the original signature: 401', async () => {
      const payload = delivery(newReader(), [text('hello')]);
      const signature = signatureFor(JSON.stringify(payload), APP_SECRET);
      const res = await post(JSON.stringify(payload, null, 2), signature);
      expect(res.status).toBe(401);
    });

    it('a body over 1 MB: 413, nothing stored', async () => {
      const before = await counts();
      const res = await post(delivery(newReader(), [text('x'.repeat(1_100_000))]));
      expect(res.status).toBe(413);
      expect(await counts()).toEqual(before);
    });

    it('statuses only (delivered, read): 200, nothing stored', async () => {
      const before = await counts();
      const payload = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { phone_number_id: PHONE_NUMBER_ID },
                  statuses: [{ id: 'wamid.out1', status: 'read', timestamp: '1767225600', recipient_id: '447700900001' }],
                },
              },
            ],
          },
        ],
      };
      const res = await post(payload);
      expect(res.status).toBe(200);
      expect(await counts()).toEqual(before);
    });

    it('signed but not JSON: 200 (Meta would only resend it), nothing stored', async () => {
      const before = await counts();
      expect((await post('not json at all')).status).toBe(200);
      expect(await counts()).toEqual(before);
    });

    it('other routes still get JSON parsing: POST /api/tips with JSON makes a tip', async () => {
      const res = await request(t.url).post('/api/tips').send({ story: 'Still JSON', consentTerms: true, consentOwnWork: true, consentOver18: true });
      expect(res.status).toBe(201);
    });
  });

  describe('messages become tips', () => {
    it('a text and a video: one tip with channel whatsapp, the video stored from the Graph API with the Bearer token', async () => {
      const reader = newReader();
      const video = sampleVideo();
      graph.media.set('1037543291543636', { bytes: video, mimeType: 'video/mp4', answer: 'ok' });
      const payload = delivery(
        reader,
        [
          text('A fox is riding the number 12 tram'),
          { type: 'video', video: { id: '1037543291543636', mime_type: 'video/mp4', sha256: 'x', caption: 'filmed it just now' } },
        ],
        'Ana Reader',
      );
      const res = await post(payload);
      expect(res.status).toBe(200);

      const [first, second] = idsOf(payload);
      const tip = await tipOf(first);
      expect(tip).toMatchObject({ channel: 'whatsapp', story: 'A fox is riding the number 12 tram' });
      expect((await tipOf(second)).id).toBe(tip.id);
      const media = await mediaOf(tip.id);
      expect(media).toHaveLength(1);
      expect(media[0]).toMatchObject({ sha256: sha256(video), sniffed_type: 'video/mp4', display_filename: 'whatsapp-video.mp4' });
      expect(Number(media[0].size_bytes)).toBe(video.length);
      expect(graph.requests).toEqual(expect.arrayContaining(['GET /v21.0/1037543291543636', 'GET /download/1037543291543636']));
      // The contributor's number is kept (encrypted), never in a log line.
      const [contributor] = (
        await t.db.query(`SELECT c.name, c.phone_encrypted FROM contributors c JOIN tips t ON t.contributor_id = c.id WHERE t.id = $1`, [tip.id])
      ).rows;
      expect(contributor.phone_encrypted).toBeTruthy();
      expect(contributor.phone_encrypted).not.toContain(reader);
      expect(contributor.name).toBe('Ana Reader');
      expect(t.logs.join('')).not.toContain(reader);
      expect(t.logs.join('')).not.toContain('number 12 tram');
    });

    it('a photo alone: a tip whose story says files only, the photo stored', async () => {
      graph.media.set('2001', { bytes: onePixelPng(), mimeType: 'image/png', answer: 'ok' });
      const payload = delivery(newReader(), [{ type: 'image', image: { id: '2001', mime_type: 'image/png' } }]);
      expect((await post(payload)).status).toBe(200);
      const tip = await tipOf(idsOf(payload)[0]);
      expect(await mediaOf(tip.id)).toHaveLength(1);
    });

    it('the same delivery three times in a row: one tip, one message row, one media', async () => {
      graph.media.set('3001', { bytes: sampleVideo(), mimeType: 'video/mp4', answer: 'ok' });
      const payload = delivery(newReader(), [{ type: 'video', video: { id: '3001', mime_type: 'video/mp4', caption: 'a crash on the A40' } }]);
      const tipsBefore = await t.count('tips');
      for (let i = 0; i < 3; i++) expect((await post(payload)).status).toBe(200);
      expect(await t.count('tips')).toBe(tipsBefore + 1);
      const tip = await tipOf(idsOf(payload)[0]);
      expect(Number((await t.db.query(`SELECT count(*) AS n FROM channel_messages WHERE provider_message_id = $1`, [idsOf(payload)[0]])).rows[0].n)).toBe(1);
      expect(await mediaOf(tip.id)).toHaveLength(1);
      // The duplicates' downloads were staged and then discarded: no stray blobs.
      await eventually(async () => expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]));
    });

    it('the same delivery three times at once: one tip, one media', async () => {
      graph.media.set('3002', { bytes: sampleVideo(), mimeType: 'video/mp4', answer: 'ok' });
      const payload = delivery(newReader(), [text('Flooding at the station'), { type: 'video', video: { id: '3002', mime_type: 'video/mp4' } }]);
      const tipsBefore = await t.count('tips');
      const answers = await Promise.all([post(payload), post(payload), post(payload)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(await t.count('tips')).toBe(tipsBefore + 1);
      const tip = await tipOf(idsOf(payload)[0]);
      expect(await mediaOf(tip.id)).toHaveLength(1);
      await eventually(async () => expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]));
    });

    it('two messages within the conversation window: the same tip; after the window: a new tip', async () => {
      const reader = newReader();
      const first = delivery(reader, [text('There is smoke over the docks')]);
      const second = delivery(reader, [text('Now the fire brigade is here')]);
      expect((await post(first)).status).toBe(200);
      expect((await post(second)).status).toBe(200);
      const tip = await tipOf(idsOf(first)[0]);
      expect((await tipOf(idsOf(second)[0])).id).toBe(tip.id);

      // 25 hours pass (the window is 24).
      await t.db.query(`UPDATE channel_messages SET received_at = received_at - interval '25 hours' WHERE tip_id = $1`, [tip.id]);
      const later = delivery(reader, [text('Something else entirely')]);
      expect((await post(later)).status).toBe(200);
      const newTip = await tipOf(idsOf(later)[0]);
      expect(newTip.id).not.toBe(tip.id);
      expect(newTip.channel).toBe('whatsapp');
    });

    it('storing fails (the database refuses): 500, so Meta delivers again; the redelivery makes the tip once', async () => {
      await t.db.query(`CREATE FUNCTION refuse_channel_message() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
      await t.db.query(`CREATE TRIGGER refuse_channel_message BEFORE INSERT ON channel_messages FOR EACH ROW EXECUTE FUNCTION refuse_channel_message()`);
      const payload = delivery(newReader(), [text('Lights out on the high street')]);
      const tipsBefore = await t.count('tips');
      try {
        const res = await post(payload);
        expect(res.status).toBe(500);
        expect(await t.count('tips')).toBe(tipsBefore);
      } finally {
        await t.db.query(`DROP TRIGGER refuse_channel_message ON channel_messages; DROP FUNCTION refuse_channel_message()`);
      }
      await post(payload).expect(200);
      await post(payload).expect(200);
      expect(await t.count('tips')).toBe(tipsBefore + 1);
      expect((await tipOf(idsOf(payload)[0])).story).toBe('Lights out on the high street');
    });

    it('another reader within the window: their own tip', async () => {
      const one = delivery(newReader(), [text('One')]);
      const two = delivery(newReader(), [text('Two')]);
      await post(one).expect(200);
      await post(two).expect(200);
      expect((await tipOf(idsOf(one)[0])).id).not.toBe((await tipOf(idsOf(two)[0])).id);
    });
  });

  describe('documents: kept only when the bytes are video, photo or audio', () => {
    it('a document that is a video: kept under its name', async () => {
      graph.media.set('4001', { bytes: sampleVideo(), mimeType: 'application/octet-stream', answer: 'ok' });
      const payload = delivery(newReader(), [{ type: 'document', document: { id: '4001', mime_type: 'application/octet-stream', filename: 'clip.mp4' } }]);
      await post(payload).expect(200);
      const media = await mediaOf((await tipOf(idsOf(payload)[0])).id);
      expect(media).toHaveLength(1);
      expect(media[0]).toMatchObject({ display_filename: 'clip.mp4', sniffed_type: 'video/mp4' });
    });

    it.each([
      ['a PDF', 'statement.pdf', 'application/pdf', aPdf],
      ['an exe named .mp4', 'video.mp4', 'video/mp4', windowsExe],
    ])('%s: dropped with a note, the tip kept, nothing stored', async (_name, filename, mimeType, bytes) => {
      graph.media.set('4002', { bytes: bytes(), mimeType, answer: 'ok' });
      const payload = delivery(newReader(), [text('See attached'), { type: 'document', document: { id: '4002', mime_type: mimeType, filename } }]);
      await post(payload).expect(200);
      const tip = await tipOf(idsOf(payload)[0]);
      expect(await mediaOf(tip.id)).toEqual([]);
      expect((await notesOf(tip.id)).join('\n')).toContain(`"${filename}" was not kept: not a video, photo or audio file`);
      await eventually(async () => expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]));
    });

    it('media larger than MAX_FILE_BYTES by its Graph file_size: dropped with a note, never downloaded', async () => {
      graph.media.set('4003', { bytes: Buffer.concat([sampleVideo(), Buffer.alloc(2_100_000)]), mimeType: 'video/mp4', answer: 'ok' });
      const payload = delivery(newReader(), [{ type: 'video', video: { id: '4003', mime_type: 'video/mp4' } }]);
      await post(payload).expect(200);
      const tip = await tipOf(idsOf(payload)[0]);
      expect((await notesOf(tip.id)).join('\n')).toMatch(/"whatsapp-video.mp4" was not kept: larger than the 2000000-byte limit/);
      expect(graph.requests).not.toContain('GET /download/4003');
    });
  });

  describe('a media download that fails: the tip is kept, the media fetched again later', () => {
    it.each([
      ['the media lookup answers 500', 'metadata-500' as const, '5001'],
      ['the download answers 500', 'download-500' as const, '5002'],
      ['the media lookup answers 404', 'metadata-404' as const, '5003'],
    ])('%s: 200, tip kept, pending media recorded; once the Graph API recovers the retry attaches it', async (_name, answer, mediaId) => {
      const video = sampleVideo();
      graph.media.set(mediaId, { bytes: video, mimeType: 'video/mp4', answer });
      const payload = delivery(newReader(), [text('The bridge is closed'), { type: 'video', video: { id: mediaId, mime_type: 'video/mp4' } }]);
      await post(payload).expect(200);
      const tip = await tipOf(idsOf(payload)[1]);
      expect(tip.channel).toBe('whatsapp');
      expect(await mediaOf(tip.id)).toEqual([]);
      const [pending] = (await t.db.query(`SELECT * FROM channel_pending_media WHERE tip_id = $1`, [tip.id])).rows;
      expect(pending).toMatchObject({ channel: 'whatsapp', provider_media_id: mediaId, filename: 'whatsapp-video.mp4', attempts: 0 });

      const retry = t.app.get(WhatsAppMediaRetryService);
      // Still failing: the attempt is counted and the next one pushed back.
      await retry.retryDue();
      let [row] = (
        await t.db.query(`SELECT attempts, last_error_code, next_attempt_at > now() AS later FROM channel_pending_media WHERE id = $1`, [pending.id])
      ).rows;
      expect(row).toMatchObject({ attempts: 1, later: true });
      expect(row.last_error_code).toMatch(/^GRAPH_HTTP_(500|404)$/);

      // The Graph API recovers and the backoff runs out.
      graph.media.set(mediaId, { bytes: video, mimeType: 'video/mp4', answer: 'ok' });
      await t.db.query(`UPDATE channel_pending_media SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, [pending.id]);
      const report = await retry.retryDue();
      expect(report.attached).toBeGreaterThanOrEqual(1);
      const media = await mediaOf(tip.id);
      expect(media).toHaveLength(1);
      expect(media[0].sha256).toBe(sha256(video));
      [row] = (await t.db.query(`SELECT * FROM channel_pending_media WHERE id = $1`, [pending.id])).rows;
      expect(row).toBeUndefined();
    });

    it('a retried download that turns out not to be media: refused for good after that one try, with a note, the tip kept', async () => {
      const mediaId = '5004';
      graph.media.set(mediaId, { bytes: sampleVideo(), mimeType: 'video/mp4', answer: 'download-500' });
      const payload = delivery(newReader(), [{ type: 'video', video: { id: mediaId, mime_type: 'video/mp4' } }]);
      await post(payload).expect(200);
      const tip = await tipOf(idsOf(payload)[0]);
      const [pending] = (await t.db.query(`SELECT id FROM channel_pending_media WHERE tip_id = $1`, [tip.id])).rows;
      graph.media.set(mediaId, { bytes: windowsExe(), mimeType: 'video/mp4', answer: 'ok' });
      const report = await t.app.get(WhatsAppMediaRetryService).retryDue();
      expect(report.dropped).toBeGreaterThanOrEqual(1);
      expect((await t.db.query(`SELECT id FROM channel_pending_media WHERE id = $1`, [pending.id])).rows).toEqual([]);
      expect(await mediaOf(tip.id)).toEqual([]);
      const notes = (await t.db.query(`SELECT body FROM notes WHERE tip_id = $1 AND author_id IS NULL`, [tip.id])).rows.map((r: { body: string }) => r.body);
      expect(notes).toEqual([expect.stringMatching(/was fetched late but not kept: not a video, photo or audio file/)]);
    });

    it('the Graph API unreachable: 200 and the media pending', async () => {
      const unreachable = await startTestApp({
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
        WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9/v21.0', // discard port: nothing listens
      });
      try {
        const payload = delivery(newReader(), [{ type: 'image', image: { id: '6001', mime_type: 'image/jpeg' } }]);
        const raw = JSON.stringify(payload);
        const res = await request(unreachable.url)
          .post(WEBHOOK)
          .set('Content-Type', 'application/json')
          .set('X-Hub-Signature-256', signatureFor(raw, APP_SECRET))
          .send(raw);
        expect(res.status).toBe(200);
        const [pending] = (await unreachable.db.query(`SELECT provider_media_id FROM channel_pending_media`)).rows;
        expect(pending.provider_media_id).toBe('6001');
        expect(await unreachable.count('tips')).toBe(1);
      } finally {
        await unreachable.close();
      }
    });
  });

  describe("the desk's messages go back out on WhatsApp", () => {
    it('a new tip: the reader gets its reference and secret on WhatsApp, and they open the status page', async () => {
      const reader = newReader();
      const payload = delivery(reader, [text('Council meeting leak')]);
      await post(payload).expect(200);
      const tip = await tipOf(idsOf(payload)[0]);
      const receipt = () => graph.sent.filter((m) => m.body.to === reader && String((m.body.text as { body: string }).body).includes(tip.reference));
      await eventually(() => expect(receipt()).toHaveLength(1));
      const words = (receipt()[0].body.text as { body: string }).body;
      const secret = /Secret: (\S+)/.exec(words)?.[1];
      expect(secret).toBeDefined();
      await request(t.url)
        .post('/api/contributor/session')
        .send({ reference: tip.reference, secret })
        .expect((res) => expect([200, 201]).toContain(res.status));
      expect(t.logs.join('')).not.toContain(secret);

      // The next message joins the tip: no second receipt.
      await post(delivery(reader, [text('More detail')])).expect(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(graph.sent.filter((m) => m.body.to === reader)).toHaveLength(1);
    });

    it("an editor's message on a WhatsApp tip reaches the Graph messages endpoint with the reader's number and the text", async () => {
      const reader = newReader();
      const payload = delivery(reader, [text('I saw the whole thing')]);
      await post(payload).expect(200);
      const tip = await tipOf(idsOf(payload)[0]);
      const editor = await signedInStaff(t, 'editor');
      await editor.post(`/api/tips/${tip.id}/messages`).send({ body: 'Could you send the original file?' }).expect(201);
      const sentTo = () => graph.sent.filter((m) => (m.body.text as { body: string }).body === 'Could you send the original file?');
      await eventually(() => expect(sentTo()).toHaveLength(1));
      const [sent] = sentTo();
      expect(sent.phoneNumberId).toBe(PHONE_NUMBER_ID);
      expect(sent.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
      expect(sent.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: reader,
        type: 'text',
        text: { preview_url: false, body: 'Could you send the original file?' },
      });
      expect(t.logs.join('')).not.toContain(reader);
    });

    it('Meta refusing the message (outside the 24-hour window): the failure logged by code, without the number or the text', async () => {
      const reader = newReader();
      const payload = delivery(reader, [text('Old conversation')]);
      await post(payload).expect(200);
      const tip = await tipOf(idsOf(payload)[0]);
      const editor = await signedInStaff(t, 'editor');
      graph.nextSendError = { status: 400, code: 131047 };
      await editor.post(`/api/tips/${tip.id}/messages`).send({ body: 'Are you still there?' }).expect(201);
      await eventually(() => expect(t.logs.join('')).toContain('WHATSAPP_WINDOW_CLOSED'));
      const logs = t.logs.join('');
      expect(logs).not.toContain(reader);
      expect(logs).not.toContain('Are you still there?');
    });
  });
});

describe('WhatsApp channel not configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET verification: 404', async () => {
    const res = await request(t.url).get(WEBHOOK).query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'anything', 'hub.challenge': '1' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('WHATSAPP_NOT_CONFIGURED');
  });

  it('POST delivery, even signed: 404, nothing stored', async () => {
    const raw = JSON.stringify(delivery('447700900999', [text('hello')]));
    const res = await request(t.url).post(WEBHOOK).set('Content-Type', 'application/json').set('X-Hub-Signature-256', signatureFor(raw, APP_SECRET)).send(raw);
    expect(res.status).toBe(404);
    expect(await t.count('tips')).toBe(0);
  });
});
