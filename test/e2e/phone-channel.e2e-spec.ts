import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { onePixelPng, sampleVideo, windowsExe } from '../support/media-samples.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let editor: SignedInStaff;
let admin: SignedInStaff;
let accounting: SignedInStaff;

const MAX_FILES = 3;
const call = {
  callerNumber: '+44 (0)7700 900-123',
  callerName: 'Casey Caller',
  story: 'A sinkhole opened on Mill Lane',
  location: 'Mill Lane',
  occurredAt: '2026-11-01T08:30:00Z',
};

beforeAll(async () => {
  t = await startTestApp({ MAX_FILES_PER_TIP: String(MAX_FILES) });
  editor = await signedInStaff(t, 'editor');
  admin = await signedInStaff(t, 'admin');
  accounting = await signedInStaff(t, 'accounting');
});
afterAll(async () => {
  await t.close();
});

async function logCall(by: SignedInStaff = editor, fields: Record<string, unknown> = call) {
  return by.post('/api/tips/phone').send(fields);
}

describe('POST /api/tips/phone', () => {
  it("an editor logs a call: 201 with reference and one-time secret; a phone tip with the caller's number encrypted, taken by the editor", async () => {
    const res = await logCall();
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      reference: expect.stringMatching(/^TD-/),
      secret: expect.any(String),
      statusUrl: expect.stringContaining(res.body.reference),
    });
    const {
      rows: [row],
    } = await t.db.query(
      `SELECT t.channel, t.status, t.story, t.location, c.name, c.phone_encrypted FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1`,
      [res.body.id],
    );
    expect(row).toEqual(expect.objectContaining({ channel: 'phone', status: 'new', story: call.story, location: 'Mill Lane', name: 'Casey Caller' }));
    expect(row.phone_encrypted).not.toContain('7700');

    const detail = await editor.get(`/api/tips/${res.body.id}`).expect(200);
    expect(detail.body.contributor.phone).toBe('+447700900123');
    expect(detail.body.consents).toEqual([]);
    expect(detail.body.history).toHaveLength(2);
    expect(detail.body.history).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'tip.created',
          actorType: 'staff',
          actorId: editor.user.id,
          after: expect.objectContaining({ channel: 'phone', takenBy: editor.user.id }),
        }),
        // Issue 12: who was shown the secret is on the record (they may never offer or approve on this tip).
        expect.objectContaining({ action: 'tip.secret_shown', actorType: 'staff', actorId: editor.user.id }),
      ]),
    );

    // The secret works on the caller's status page.
    await request(t.url).post('/api/contributor/session').send({ reference: res.body.reference, secret: res.body.secret }).expect(200);

    const queue = await editor.get('/api/tips?channel=phone').expect(200);
    expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(res.body.id);
  });

  it('an admin may log a call too', async () => {
    expect((await logCall(admin)).status).toBe(201);
  });

  it.each([
    ['no caller number', { ...call, callerNumber: undefined }, 'callerNumber'],
    ['a caller number with letters', { ...call, callerNumber: 'call me maybe' }, 'callerNumber'],
    ['a caller number too short', { ...call, callerNumber: '123' }, 'callerNumber'],
    ['no story', { ...call, story: '   ' }, 'story'],
    ['a story over 20,000 characters', { ...call, story: 'x'.repeat(20_001) }, 'story'],
    ['a date in the future', { ...call, occurredAt: '2999-01-01' }, 'occurredAt'],
    ['a date that is not one', { ...call, occurredAt: 'last Tuesday' }, 'occurredAt'],
    ['an unknown field', { ...call, channel: 'web' }, 'channel'],
  ])('%s: 400 VALIDATION_FAILED naming the field, no tip', async (_name, fields, field) => {
    const before = await t.count('tips');
    const res = await logCall(editor, fields);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 400, code: 'VALIDATION_FAILED', fields: expect.objectContaining({ [field]: expect.any(Array) }) }),
    );
    expect(await t.count('tips')).toBe(before);
  });

  it('accounting: 403, no tip', async () => {
    const before = await t.count('tips');
    expect((await logCall(accounting)).status).toBe(403);
    expect(await t.count('tips')).toBe(before);
  });

  it('signed out: 401, no tip', async () => {
    const before = await t.count('tips');
    expect((await request(t.url).post('/api/tips/phone').send(call)).status).toBe(401);
    expect(await t.count('tips')).toBe(before);
  });

  it('a contributor signed in to their own tip: 401 (no staff sign-in), no tip', async () => {
    const web = await request(t.url).post('/api/tips').send({ story: 'Web tip', consentTerms: true, consentOwnWork: true, consentOver18: true }).expect(201);
    const session = await request(t.url).post('/api/contributor/session').send({ reference: web.body.reference, secret: web.body.secret }).expect(200);
    const cookie = ([] as string[])
      .concat(session.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    const before = await t.count('tips');
    const res = await request(t.url)
      .post('/api/tips/phone')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', session.body.csrfToken ?? '')
      .send(call);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('AUTH_REQUIRED');
    expect(await t.count('tips')).toBe(before);
  });

  it('without the CSRF token: 403, no tip', async () => {
    const before = await t.count('tips');
    const res = await request(t.url).post('/api/tips/phone').set('Cookie', editor.cookie).send(call);
    expect(res.status).toBe(403);
    expect(await t.count('tips')).toBe(before);
  });
});

describe('POST /api/tips/:id/media (files a caller sent later)', () => {
  it('adds files to a phone tip, audited as the editor', async () => {
    const { body: tip } = await logCall();
    const res = await editor.post(`/api/tips/${tip.id}/media`).attach('files', sampleVideo(), 'from-caller.mp4').attach('files', onePixelPng(), 'photo.png');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ mediaIds: [expect.any(String), expect.any(String)], filesLeft: MAX_FILES - 2 });
    const detail = await editor.get(`/api/tips/${tip.id}`).expect(200);
    expect(detail.body.media.map((m: { displayFilename: string }) => m.displayFilename).sort()).toEqual(['from-caller.mp4', 'photo.png']);
    expect(detail.body.history.map((e: { action: string }) => e.action)).toContain('tip.media_added');
  });

  it('more files than the tip can take: 400 TOO_MANY_FILES, none added, no blob left', async () => {
    const { body: tip } = await logCall();
    const blobs = (await t.blobFiles()).length;
    const req = editor.post(`/api/tips/${tip.id}/media`);
    for (let i = 0; i <= MAX_FILES; i++) req.attach('files', onePixelPng(), `p${i}.png`);
    const res = await req;
    expect(res.status).toBe(400);
    expect((await t.blobFiles()).length).toBe(blobs);
  });

  it('an exe named .mp4: 415, nothing added', async () => {
    const { body: tip } = await logCall();
    const res = await editor.post(`/api/tips/${tip.id}/media`).attach('files', windowsExe(), 'clip.mp4');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(Number((await t.db.query('SELECT count(*) AS n FROM media WHERE tip_id = $1', [tip.id])).rows[0].n)).toBe(0);
  });

  it('no files: 400 VALIDATION_FAILED', async () => {
    const { body: tip } = await logCall();
    const res = await editor.post(`/api/tips/${tip.id}/media`).field('note', 'x');
    expect(res.status).toBe(400);
  });

  it('a web tip: 409 TIP_NOT_PHONE, nothing added, no blob left', async () => {
    const web = await request(t.url).post('/api/tips').send({ story: 'Web tip', consentTerms: true, consentOwnWork: true, consentOver18: true }).expect(201);
    const {
      rows: [{ id }],
    } = await t.db.query(`SELECT id FROM tips WHERE reference = $1`, [web.body.reference]);
    const blobs = (await t.blobFiles()).length;
    const res = await editor.post(`/api/tips/${id}/media`).attach('files', onePixelPng(), 'p.png');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('TIP_NOT_PHONE');
    expect((await t.blobFiles()).length).toBe(blobs);
  });

  it('an unknown tip: 404; a bad id: 400', async () => {
    expect((await editor.post('/api/tips/00000000-0000-4000-8000-000000000000/media').attach('files', onePixelPng(), 'p.png')).status).toBe(404);
    expect((await editor.post('/api/tips/not-a-uuid/media').attach('files', onePixelPng(), 'p.png')).status).toBe(400);
  });

  it('accounting: 403', async () => {
    const { body: tip } = await logCall();
    expect((await accounting.post(`/api/tips/${tip.id}/media`).attach('files', onePixelPng(), 'p.png')).status).toBe(403);
  });
});
