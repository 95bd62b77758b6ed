// Issue 15: POST /api/tips with an Idempotency-Key another client used answered 201 with that
// client's receipt, secret included, whatever the body; and a key could be one character long.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { CONSENT } from '../support/fixtures.js';
import { sampleVideo } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const json = (key: string, story: string) =>
  request(t.url)
    .post('/api/tips')
    .set('Idempotency-Key', key)
    .send({ story, ...CONSENT });
const multipart = (key: string, story: string) =>
  request(t.url)
    .post('/api/tips')
    .set('Idempotency-Key', key)
    .field('story', story)
    .field('consentTerms', 'true')
    .field('consentOwnWork', 'true')
    .field('consentOver18', 'true')
    .attach('files', sampleVideo(), { filename: 'clip.mp4', contentType: 'video/mp4' });

describe('Idempotency-Key: a replay only for the same request', () => {
  it('JSON: another body under someone else’s key: 422 IDEMPOTENCY_KEY_REUSED, no receipt, no tip', async () => {
    const key = randomUUID();
    const victim = await json(key, 'The first story, from the victim').expect(201);
    const tips = await t.count('tips');
    const res = await json(key, 'An attacker guessing keys');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(JSON.stringify(res.body)).not.toContain(victim.body.secret);
    expect(JSON.stringify(res.body)).not.toContain(victim.body.reference);
    expect(await t.count('tips')).toBe(tips);
  });

  it('multipart: another story with a video under someone else’s key: 422, no receipt, nothing stored', async () => {
    const key = randomUUID();
    const victim = await multipart(key, 'The first video, from the victim').expect(201);
    const [tips, media, blobs] = [await t.count('tips'), await t.count('media'), (await t.blobFiles()).length];
    const res = await multipart(key, 'Another story entirely');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(JSON.stringify(res.body)).not.toContain(victim.body.secret);
    expect([await t.count('tips'), await t.count('media')]).toEqual([tips, media]);
    expect((await t.blobFiles()).length).toBe(blobs);
  });

  it('the same request again (a phone retrying): 201 with the first receipt, marked replayed, JSON and multipart', async () => {
    for (const send of [json, multipart]) {
      const key = randomUUID();
      const first = await send(key, 'A retried story').expect(201);
      const tips = await t.count('tips');
      const again = await send(key, 'A retried story').expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await t.count('tips')).toBe(tips);
    }
  });

  it.each([
    ['one character', 'a'],
    ['15 characters', 'x'.repeat(15)],
    ['256 characters', 'x'.repeat(256)],
    ['a space inside', 'sixteen chars ok'],
  ])('a key of %s: 400 naming Idempotency-Key, no tip', async (_label, key) => {
    const tips = await t.count('tips');
    const res = await json(key, 'A story');
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('Idempotency-Key');
    expect(await t.count('tips')).toBe(tips);
  });

  it('a key of 16 and of 255 visible characters: accepted', async () => {
    await json('k'.repeat(16), 'A story').expect(201);
    await json('K'.repeat(255), 'A story').expect(201);
  });
});
