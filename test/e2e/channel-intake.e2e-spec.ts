import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import request from 'supertest';
import { FILES_ONLY_STORY, PENDING_MEDIA_ATTEMPTS } from '../../src/channels/channel-intake.rules.js';
import { ChannelIntakeService } from '../../src/channels/channel-intake.service.js';
import type { InboundMessage } from '../../src/channels/inbound-message.js';
import { stageMedia, type UploadedMedia } from '../../src/media/blob-storage-engine.js';
import { BLOB_STORE, type BlobStore } from '../../src/storage/blob-store.js';
import { onePixelPng, sampleVideo } from '../support/media-samples.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let intake: ChannelIntakeService;
let store: BlobStore;
let editor: SignedInStaff;

const MAX_FILES = 3;

beforeAll(async () => {
  t = await startTestApp({ MAX_FILES_PER_TIP: String(MAX_FILES), WHATSAPP_CONVERSATION_HOURS: '24' });
  intake = t.app.get(ChannelIntakeService);
  store = t.app.get(BLOB_STORE);
  editor = await signedInStaff(t, 'editor');
});
afterAll(async () => {
  await t.close();
});

let phoneCounter = 0;
const newPhone = () => `+4477009${String(++phoneCounter).padStart(5, '0')}`;
const newEmail = () => `reader-${randomUUID().slice(0, 8)}@example.org`;

function stage(bytes: Buffer, name: string): Promise<UploadedMedia> {
  return stageMedia(store, Readable.from([bytes]), { originalName: name, declaredType: 'application/octet-stream' }, 10 * 1024 * 1024);
}

function message(fields: Partial<InboundMessage> & Pick<InboundMessage, 'channel'>): InboundMessage {
  return {
    providerMessageId: `id-${randomUUID()}`,
    sender: { address: fields.channel === 'email' ? newEmail() : newPhone(), name: 'Sam Sender' },
    text: 'A lorry has shed its load on the bypass',
    attachments: [],
    dropped: [],
    ...fields,
  };
}

async function tipRow(tipId: string) {
  const {
    rows: [row],
  } = await t.db.query(
    `SELECT t.channel, t.status, t.story, c.name, c.email_encrypted IS NOT NULL AS has_email, c.phone_encrypted IS NOT NULL AS has_phone
       FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1`,
    [tipId],
  );
  return row;
}

const countWhere = async (sql: string, params: unknown[]) => Number((await t.db.query(sql, params)).rows[0].n);

describe('ChannelIntakeService.receive: a new tip', () => {
  it('an email makes a tip with channel email, the subject and text as story, the sender as contributor, and audit events', async () => {
    const msg = message({
      channel: 'email',
      subject: 'Crash on the A14',
      text: 'Two cars, one lane closed.',
      sender: { address: 'Pat.Reader@Example.org', name: 'Pat Reader' },
    });
    const result = await intake.receive(msg);
    expect(result).toEqual(expect.objectContaining({ createdTip: true, duplicate: false, reference: expect.stringMatching(/^TD-/) }));
    expect(result.secret).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);
    expect(await tipRow(result.tipId)).toEqual({
      channel: 'email',
      status: 'new',
      story: 'Crash on the A14\n\nTwo cars, one lane closed.',
      name: 'Pat Reader',
      has_email: true,
      has_phone: false,
    });
    // The story is the first message: the thread starts empty.
    expect(await countWhere('SELECT count(*) AS n FROM messages WHERE tip_id = $1', [result.tipId])).toBe(0);
    expect(await countWhere('SELECT count(*) AS n FROM consents WHERE tip_id = $1', [result.tipId])).toBe(0);
    const { rows: events } = await t.db.query(`SELECT actor_type, action, after FROM audit_events WHERE entity_id = $1 ORDER BY at, action`, [result.tipId]);
    expect(events.map((e) => [e.actor_type, e.action])).toEqual([
      ['contributor', 'channel.message_received'],
      ['contributor', 'tip.created'],
    ]);
    expect(events[1].after).toEqual(expect.objectContaining({ channel: 'email' }));

    const detail = await editor.get(`/api/tips/${result.tipId}`).expect(200);
    expect(detail.body).toEqual(expect.objectContaining({ channel: 'email', consents: [], pendingMedia: [] }));
    expect(detail.body.contributor.email).toBe('pat.reader@example.org');
  });

  it('a WhatsApp message with only a photo: the phone number as contributor, a placeholder story and the photo attached', async () => {
    const photo = await stage(onePixelPng(), 'IMG_0001.png');
    const result = await intake.receive(message({ channel: 'whatsapp', text: '', attachments: [photo] }));
    expect(await tipRow(result.tipId)).toEqual(expect.objectContaining({ channel: 'whatsapp', story: FILES_ONLY_STORY, has_phone: true, has_email: false }));
    const { rows: media } = await t.db.query(`SELECT storage_key, kind FROM media WHERE tip_id = $1`, [result.tipId]);
    expect(media).toEqual([expect.objectContaining({ kind: 'image' })]);
    expect(await t.blobFiles()).toEqual(expect.arrayContaining([media[0].storage_key]));
    expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });

  it('a bad message from a channel (no provider id, a sender that is not an address): 400 VALIDATION_FAILED, its files removed', async () => {
    const photo = await stage(onePixelPng(), 'x.png');
    const before = await t.count('tips');
    await expect(
      intake.receive(message({ channel: 'email', providerMessageId: '', sender: { address: 'not an address' }, attachments: [photo] })),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: { providerMessageId: expect.any(Array), sender: expect.any(Array) },
    });
    expect(await t.count('tips')).toBe(before);
    expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });
});

describe('ChannelIntakeService.receive: dedupe', () => {
  it("the same WhatsApp message delivered three times at once: one tip, one channel message, the copies' files removed", async () => {
    const sender = { address: newPhone() };
    const providerMessageId = `wamid.${randomUUID()}`;
    const tipsBefore = await t.count('tips');
    const deliveries = await Promise.all(
      [1, 2, 3].map(async () =>
        intake.receive(message({ channel: 'whatsapp', providerMessageId, sender, attachments: [await stage(sampleVideo(), 'clip.mp4')] })),
      ),
    );
    expect(await t.count('tips')).toBe(tipsBefore + 1);
    expect(new Set(deliveries.map((d) => d.tipId)).size).toBe(1);
    expect(deliveries.filter((d) => d.duplicate)).toHaveLength(2);
    expect(deliveries.filter((d) => d.createdTip)).toHaveLength(1);
    expect(await countWhere(`SELECT count(*) AS n FROM channel_messages WHERE provider_message_id = $1`, [providerMessageId])).toBe(1);
    expect(await countWhere(`SELECT count(*) AS n FROM media WHERE tip_id = $1`, [deliveries[0].tipId])).toBe(1);
    expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });

  it('a reply delivered twice later: one thread message', async () => {
    const sender = { address: newPhone() };
    const first = await intake.receive(message({ channel: 'whatsapp', sender }));
    const reply = message({ channel: 'whatsapp', sender, text: 'Here is more' });
    const a = await intake.receive(reply);
    const b = await intake.receive({ ...reply });
    expect([a.tipId, b.tipId]).toEqual([first.tipId, first.tipId]);
    expect([a.duplicate, b.duplicate]).toEqual([false, true]);
    expect(await countWhere('SELECT count(*) AS n FROM messages WHERE tip_id = $1', [first.tipId])).toBe(1);
  });
});

describe('ChannelIntakeService.receive: threading', () => {
  it('an email naming the reference of a tip its sender wrote before joins that tip as a message from the contributor', async () => {
    const sender = { address: newEmail() };
    const first = await intake.receive(message({ channel: 'email', sender, subject: 'Fire', text: 'Smoke over the docks' }));
    const reply = await intake.receive(
      message({
        channel: 'email',
        sender: { address: sender.address.toUpperCase() },
        subject: `Re: [${first.reference}]`,
        text: 'It is spreading',
        threadReference: first.reference.toLowerCase(),
      }),
    );
    expect(reply).toEqual({ tipId: first.tipId, reference: first.reference, createdTip: false, duplicate: false });
    const { rows } = await t.db.query(`SELECT direction, channel, body, author_id FROM messages WHERE tip_id = $1`, [first.tipId]);
    expect(rows).toEqual([{ direction: 'from_contributor', channel: 'email', body: 'It is spreading', author_id: null }]);
    const {
      rows: [link],
    } = await t.db.query(`SELECT message_id FROM channel_messages WHERE tip_id = $1 AND message_id IS NOT NULL`, [first.tipId]);
    expect(link.message_id).toBeTruthy();
  });

  it('a reference from someone who never wrote to that tip (a guess): a new tip instead, and the old one untouched', async () => {
    const owner = await intake.receive(message({ channel: 'email', text: 'Mine' }));
    const stranger = await intake.receive(message({ channel: 'email', text: 'Let me in', threadReference: owner.reference }));
    expect(stranger.createdTip).toBe(true);
    expect(stranger.tipId).not.toBe(owner.tipId);
    expect(await countWhere('SELECT count(*) AS n FROM messages WHERE tip_id = $1', [owner.tipId])).toBe(0);
  });

  it("a web tip's reference in an email: a new tip (nobody wrote to the web tip by email)", async () => {
    const web = await request(t.url)
      .post('/api/tips')
      .send({ story: 'Web tip', email: 'pat@example.org', consentTerms: true, consentOwnWork: true, consentOver18: true })
      .expect(201);
    const result = await intake.receive(message({ channel: 'email', sender: { address: 'pat@example.org' }, threadReference: web.body.reference }));
    expect(result.createdTip).toBe(true);
    expect(result.reference).not.toBe(web.body.reference);
  });

  it("WhatsApp: a message inside the conversation window joins the number's tip; after the window it makes a new tip", async () => {
    const sender = { address: newPhone() };
    const first = await intake.receive(message({ channel: 'whatsapp', sender }));
    const inside = await intake.receive(message({ channel: 'whatsapp', sender, text: 'Another angle' }));
    expect(inside).toEqual(expect.objectContaining({ tipId: first.tipId, createdTip: false }));

    await t.db.query(`UPDATE channel_messages SET received_at = received_at - interval '25 hours' WHERE tip_id = $1`, [first.tipId]);
    const outside = await intake.receive(message({ channel: 'whatsapp', sender, text: 'Something else entirely' }));
    expect(outside.createdTip).toBe(true);
    expect(outside.tipId).not.toBe(first.tipId);
    expect((await tipRow(outside.tipId)).story).toBe('Something else entirely');
  });

  it('WhatsApp: a different number inside the window gets its own tip', async () => {
    const a = await intake.receive(message({ channel: 'whatsapp' }));
    const b = await intake.receive(message({ channel: 'whatsapp' }));
    expect(b.tipId).not.toBe(a.tipId);
  });
});

describe('ChannelIntakeService.receive: files', () => {
  const notesOf = async (tipId: string) => (await t.db.query(`SELECT author_id, body FROM notes WHERE tip_id = $1 ORDER BY created_at`, [tipId])).rows;

  it('refused attachments are noted on the tip by tipdesk, the rest kept; the tip page shows the note by "tipdesk"', async () => {
    const video = await stage(sampleVideo(), 'clip.mp4');
    const result = await intake.receive(
      message({
        channel: 'email',
        attachments: [video],
        dropped: [{ filename: 'invoice.mp4', reason: 'not a video, photo or audio file (it is a Windows program)' }],
      }),
    );
    expect(await countWhere('SELECT count(*) AS n FROM media WHERE tip_id = $1', [result.tipId])).toBe(1);
    const notes = await notesOf(result.tipId);
    expect(notes).toEqual([{ author_id: null, body: expect.stringContaining('"invoice.mp4" was not kept: not a video, photo or audio file') }]);

    const detail = await editor.get(`/api/tips/${result.tipId}`).expect(200);
    expect(detail.body.notes).toEqual([expect.objectContaining({ author: null, body: expect.stringContaining('invoice.mp4') })]);
    const page = await editor.get(`/desk/tips/${result.tipId}`).expect(200);
    expect(page.text).toMatch(/tipdesk<\/p>|tipdesk ·/);
    expect(page.text).toContain('No consent recorded: this tip came by email');
  });

  it('more files than MAX_FILES_PER_TIP: the first ones kept, the rest dropped (blobs removed) and noted', async () => {
    const files = await Promise.all([1, 2, 3, 4, 5].map((n) => stage(onePixelPng(), `photo-${n}.png`)));
    const result = await intake.receive(message({ channel: 'whatsapp', attachments: files }));
    expect(await countWhere('SELECT count(*) AS n FROM media WHERE tip_id = $1', [result.tipId])).toBe(MAX_FILES);
    const [note] = await notesOf(result.tipId);
    expect(note.body).toContain(`"photo-4.png" was not kept: a tip can have at most ${MAX_FILES} files`);
    expect(note.body).toContain('"photo-5.png"');
    expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });

  it("a thread's files count with the tip's: a reply with more than fit keeps what fits", async () => {
    const sender = { address: newPhone() };
    const first = await intake.receive(
      message({ channel: 'whatsapp', sender, attachments: [await stage(onePixelPng(), 'a.png'), await stage(onePixelPng(), 'b.png')] }),
    );
    await intake.receive(
      message({ channel: 'whatsapp', sender, text: '', attachments: [await stage(onePixelPng(), 'c.png'), await stage(onePixelPng(), 'd.png')] }),
    );
    expect(await countWhere('SELECT count(*) AS n FROM media WHERE tip_id = $1', [first.tipId])).toBe(MAX_FILES);
    expect((await notesOf(first.tipId)).map((n) => n.body).join('\n')).toContain('"d.png" was not kept');
  });

  it('a failure half-way (a file whose blob is gone) leaves no tip, no row and no blob', async () => {
    const before = {
      tips: await t.count('tips'),
      contributors: await t.count('contributors'),
      media: await t.count('media'),
      channel: await t.count('channel_messages'),
      audit: await t.count('audit_events'),
    };
    const blobsBefore = await t.blobFiles();
    const good = await stage(sampleVideo(), 'good.mp4');
    const gone = await stage(onePixelPng(), 'gone.png');
    await store.delete(gone.tempKey);
    await expect(intake.receive(message({ channel: 'email', attachments: [good, gone] }))).rejects.toThrow();
    expect({
      tips: await t.count('tips'),
      contributors: await t.count('contributors'),
      media: await t.count('media'),
      channel: await t.count('channel_messages'),
      audit: await t.count('audit_events'),
    }).toEqual(before);
    expect((await t.blobFiles()).sort()).toEqual(blobsBefore.sort());
  });
});

describe('ChannelIntakeService: media still to fetch', () => {
  it('is recorded, shown on the tip, retried with backoff, and attached once fetched', async () => {
    const result = await intake.receive(
      message({
        channel: 'whatsapp',
        text: 'Video coming',
        pendingMedia: [{ providerMediaId: `media-${randomUUID()}`, filename: 'VID-1.mp4', declaredType: 'video/mp4' }],
      }),
    );
    const detail = await editor.get(`/api/tips/${result.tipId}`).expect(200);
    expect(detail.body.pendingMedia).toEqual([expect.objectContaining({ filename: 'VID-1.mp4', attempts: 0, retrying: true })]);
    const page = await editor.get(`/desk/tips/${result.tipId}`).expect(200);
    expect(page.text).toContain('1 file could not be fetched yet (retrying)');

    const due = (await intake.pendingMediaDue(100)).filter((d) => d.tipId === result.tipId);
    expect(due).toEqual([expect.objectContaining({ channel: 'whatsapp', filename: 'VID-1.mp4', attempts: 0 })]);
    // Leased: a second ask does not hand it out again.
    expect((await intake.pendingMediaDue(100)).filter((d) => d.tipId === result.tipId)).toEqual([]);

    expect(await intake.fetchFailed(due[0].id, 'GRAPH_503')).toEqual({ retrying: true });
    const {
      rows: [row],
    } = await t.db.query(`SELECT attempts, last_error_code, extract(epoch FROM next_attempt_at - now()) AS wait FROM channel_pending_media WHERE id = $1`, [
      due[0].id,
    ]);
    expect(row).toEqual(expect.objectContaining({ attempts: 1, last_error_code: 'GRAPH_503' }));
    expect(Number(row.wait)).toBeGreaterThan(50);
    expect(Number(row.wait)).toBeLessThanOrEqual(60);

    await t.db.query(`UPDATE channel_pending_media SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, [due[0].id]);
    const [again] = (await intake.pendingMediaDue(100)).filter((d) => d.tipId === result.tipId);
    await intake.fetchFailed(again.id, 'GRAPH_TIMEOUT');
    const {
      rows: [second],
    } = await t.db.query(`SELECT attempts, extract(epoch FROM next_attempt_at - now()) AS wait FROM channel_pending_media WHERE id = $1`, [due[0].id]);
    expect(second.attempts).toBe(2);
    expect(Number(second.wait)).toBeGreaterThan(110); // twice as long

    const video = await stage(sampleVideo(), 'VID-1.mp4');
    expect(await intake.attachFetched(due[0].id, video)).toEqual({ attached: true });
    expect(await countWhere('SELECT count(*) AS n FROM media WHERE tip_id = $1', [result.tipId])).toBe(1);
    expect(await countWhere('SELECT count(*) AS n FROM channel_pending_media WHERE tip_id = $1', [result.tipId])).toBe(0);
    // Fetched twice (two retry passes racing): the second copy is not kept.
    const copy = await stage(sampleVideo(), 'VID-1.mp4');
    expect(await intake.attachFetched(due[0].id, copy)).toEqual({ attached: false });
    expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });

  it('gives up after the last attempt and says so on the tip', async () => {
    const result = await intake.receive(message({ channel: 'whatsapp', pendingMedia: [{ providerMediaId: 'media-x', filename: 'lost.mp4' }] }));
    const {
      rows: [{ id }],
    } = await t.db.query(`SELECT id FROM channel_pending_media WHERE tip_id = $1`, [result.tipId]);
    await t.db.query(`UPDATE channel_pending_media SET attempts = $2 WHERE id = $1`, [id, PENDING_MEDIA_ATTEMPTS - 1]);
    expect(await intake.fetchFailed(id, 'GRAPH_404')).toEqual({ retrying: false });
    const detail = await editor.get(`/api/tips/${result.tipId}`).expect(200);
    expect(detail.body.pendingMedia).toEqual([expect.objectContaining({ retrying: false, lastErrorCode: 'GRAPH_404' })]);
    expect(detail.body.notes).toEqual([expect.objectContaining({ author: null, body: expect.stringContaining('"lost.mp4" could not be fetched') })]);
  });
});
