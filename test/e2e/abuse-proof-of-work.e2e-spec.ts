// Issue 15: nothing made a flood of tips cost the sender anything. Past POW_AFTER_TIPS_PER_HOUR
// posts from an address group (and always with POW_ALWAYS) a tip post or a tus creation must
// carry a solved ALTCHA challenge in X-Altcha, accepted once, before its expiry.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createChallenge, solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import request from 'supertest';
import { CONSENT } from '../support/fixtures.js';
import { sampleVideo } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HMAC_KEY = 'a test proof-of-work key, 32 characters or more';
// Cheap challenges: the tests prove the rules, not the browser's patience.
const EASY = { POW_COST: '10', POW_COUNTER_MAX: '200', POW_HMAC_KEY: HMAC_KEY };
const TUS = { 'Tus-Resumable': '1.0.0' };

let t: TestApp;
let always: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ...EASY, POW_AFTER_TIPS_PER_HOUR: '2' });
  always = await startTestApp({ ...EASY, POW_ALWAYS: 'true' });
});
afterAll(async () => {
  await always?.close();
  await t?.close();
});

const encode = (challenge: Challenge, solution: unknown) => Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');

async function fetchChallenge(app: TestApp): Promise<Challenge> {
  return (await request(app.url).get('/api/pow/challenge').expect(200)).body as Challenge;
}

/** What the ALTCHA widget sends: a fresh challenge from the app, solved. */
async function solved(app: TestApp = t): Promise<string> {
  const challenge = await fetchChallenge(app);
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('no solution found');
  return encode(challenge, solution);
}

const tipFrom = (client: string, proof?: string, app: TestApp = t) => {
  const post = request(app.url)
    .post('/api/tips')
    .set('X-Forwarded-For', client)
    .send({ story: 'A story from a busy connection', ...CONSENT });
  return proof === undefined ? post : post.set('X-Altcha', proof);
};

/** Posts tips until the client is past the threshold of 2 an hour. */
async function pastThreshold(client: string): Promise<void> {
  await tipFrom(client).expect(201);
  await tipFrom(client).expect(201);
}

describe('proof of work (ALTCHA) past POW_AFTER_TIPS_PER_HOUR', () => {
  it('GET /api/pow/challenge: a signed PBKDF2 challenge that expires, never cached', async () => {
    const res = await request(t.url).get('/api/pow/challenge').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.parameters).toMatchObject({ algorithm: 'PBKDF2/SHA-256', cost: 10 });
    expect(res.body.signature).toEqual(expect.any(String));
    const seconds = res.body.parameters.expiresAt - Date.now() / 1000;
    expect(seconds).toBeGreaterThan(590);
    expect(seconds).toBeLessThanOrEqual(600);
  });

  it('below the threshold no challenge is needed: 201 without X-Altcha', async () => {
    await pastThreshold('198.51.100.10');
  });

  it('past the threshold, JSON without a solution: 403 POW_REQUIRED naming the challenge and the header, no tip', async () => {
    const client = '198.51.100.11';
    await pastThreshold(client);
    const tips = await t.count('tips');
    const res = await tipFrom(client).expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, code: 'POW_REQUIRED' });
    expect(res.body.message).toContain('GET /api/pow/challenge');
    expect(res.body.message).toContain('X-Altcha');
    expect(await t.count('tips')).toBe(tips);
  });

  it('past the threshold, with a solved challenge: 201', async () => {
    const client = '198.51.100.12';
    await pastThreshold(client);
    await tipFrom(client, await solved()).expect(201);
  });

  it('a solution replayed: 403 POW_REPLAYED, no tip', async () => {
    const client = '198.51.100.13';
    await pastThreshold(client);
    const proof = await solved();
    await tipFrom(client, proof).expect(201);
    const tips = await t.count('tips');
    const res = await tipFrom(client, proof).expect(403);
    expect(res.body.code).toBe('POW_REPLAYED');
    expect(await t.count('tips')).toBe(tips);
    // From another address too: a solution is good for one post, whoever sends it.
    const elsewhere = '198.51.100.14';
    await pastThreshold(elsewhere);
    expect((await tipFrom(elsewhere, proof).expect(403)).body.code).toBe('POW_REPLAYED');
  });

  it('a solution of an expired challenge (signed with our key): 403 POW_EXPIRED, no tip', async () => {
    const client = '198.51.100.15';
    await pastThreshold(client);
    const challenge = await createChallenge({
      algorithm: 'PBKDF2/SHA-256',
      cost: 10,
      deriveKey,
      keyPrefix: '0',
      expiresAt: new Date(Date.now() - 1000),
      hmacSignatureSecret: HMAC_KEY,
    });
    const solution = await solveChallenge({ challenge, deriveKey });
    const tips = await t.count('tips');
    const res = await tipFrom(client, encode(challenge, solution)).expect(403);
    expect(res.body.code).toBe('POW_EXPIRED');
    expect(res.body.message).toContain('expired');
    expect(await t.count('tips')).toBe(tips);
  });

  it("a solution sent with another challenge: 403 POW_INVALID, no tip; that challenge's own solution still works once", async () => {
    const client = '198.51.100.16';
    await pastThreshold(client);
    const first = await fetchChallenge(t);
    const second = await fetchChallenge(t);
    const solution = await solveChallenge({ challenge: first, deriveKey });
    const tips = await t.count('tips');
    const res = await tipFrom(client, encode(second, solution)).expect(403);
    expect(res.body.code).toBe('POW_INVALID');
    expect(await t.count('tips')).toBe(tips);
    await tipFrom(client, encode(first, solution)).expect(201);
  });

  it('a challenge we did not sign (another key), or garbage: 403 POW_INVALID', async () => {
    const client = '198.51.100.17';
    await pastThreshold(client);
    const foreign = await createChallenge({
      algorithm: 'PBKDF2/SHA-256',
      cost: 10,
      deriveKey,
      keyPrefix: '0',
      expiresAt: new Date(Date.now() + 60_000),
      hmacSignatureSecret: 'somebody else entirely, with their own key',
    });
    const solution = await solveChallenge({ challenge: foreign, deriveKey });
    expect((await tipFrom(client, encode(foreign, solution)).expect(403)).body.code).toBe('POW_INVALID');
    expect((await tipFrom(client, 'not base64 json at all').expect(403)).body.code).toBe('POW_INVALID');
    expect((await tipFrom(client, 'x'.repeat(10_000)).expect(403)).body.code).toBe('POW_INVALID');
  });

  it('an IPv6 /64 is one group: its second address is past the threshold too', async () => {
    await tipFrom('2001:db8:7:7::1').expect(201);
    await tipFrom('2001:db8:7:7::2').expect(201);
    expect((await tipFrom('2001:db8:7:7::3').expect(403)).body.code).toBe('POW_REQUIRED');
  });

  it('past the threshold, multipart with a video and no solution: 403 before a byte is stored, no tip, no blob', async () => {
    const client = '198.51.100.18';
    await pastThreshold(client);
    const [tips, blobs] = [await t.count('tips'), (await t.blobFiles()).length];
    const res = await request(t.url)
      .post('/api/tips')
      .set('X-Forwarded-For', client)
      .field('story', 'A story with a video')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .attach('files', sampleVideo(), { filename: 'clip.mp4', contentType: 'video/mp4' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('POW_REQUIRED');
    expect(await t.count('tips')).toBe(tips);
    expect((await t.blobFiles()).length).toBe(blobs);
    // The same post with a solution goes through.
    await request(t.url)
      .post('/api/tips')
      .set('X-Forwarded-For', client)
      .set('X-Altcha', await solved())
      .field('story', 'A story with a video')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .attach('files', sampleVideo(), { filename: 'clip.mp4', contentType: 'video/mp4' })
      .expect(201);
  });

  it('the form without JavaScript past the threshold: 403, the form again with what was written and why it needs JavaScript or a later retry', async () => {
    const client = '198.51.100.19';
    await pastThreshold(client);
    const tips = await t.count('tips');
    const res = await request(t.url)
      .post('/')
      .set('X-Forwarded-For', client)
      .set('Accept', 'text/html')
      .type('form')
      .send({ story: 'Written without JavaScript', consentTerms: 'true', consentOwnWork: 'true', consentOver18: 'true' });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('id="pow-explanation"');
    expect(res.text).toMatch(/needs JavaScript/);
    expect(res.text).toMatch(/try again in an hour/);
    expect(res.text).toContain('Written without JavaScript');
    expect(await t.count('tips')).toBe(tips);
  });

  it('the form without JavaScript past the threshold, multipart with a video: 403 with the story kept, the video never stored', async () => {
    const client = '198.51.100.20';
    await pastThreshold(client);
    const [tips, blobs] = [await t.count('tips'), (await t.blobFiles()).length];
    const res = await request(t.url)
      .post('/')
      .set('X-Forwarded-For', client)
      .set('Accept', 'text/html')
      .field('story', 'Written before the video')
      .field('consentTerms', 'true')
      .attach('files', sampleVideo(), { filename: 'clip.mp4', contentType: 'video/mp4' })
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true');
    expect(res.status).toBe(403);
    expect(res.text).toContain('id="pow-explanation"');
    expect(res.text).toContain('Written before the video');
    expect(res.text).toContain('data-pow="required"'); // with JavaScript on, the next Send solves it
    expect(await t.count('tips')).toBe(tips);
    expect((await t.blobFiles()).length).toBe(blobs);
  });
});

describe('POW_ALWAYS=true', () => {
  it('the first tip of a client needs a solution: 403 POW_REQUIRED without, 201 with', async () => {
    expect((await tipFrom('203.0.113.1', undefined, always).expect(403)).body.code).toBe('POW_REQUIRED');
    await tipFrom('203.0.113.1', await solved(always), always).expect(201);
  });

  it('a tus creation without a solution: 403 POW_REQUIRED as JSON, no upload; with one: 201', async () => {
    const create = () =>
      request(always.url)
        .post('/api/uploads')
        .set(TUS)
        .set('Upload-Length', '6042')
        .set('Upload-Metadata', `filename ${Buffer.from('clip.mp4').toString('base64')}`);
    const uploads = await always.count('uploads');
    const res = await create().expect(403);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'POW_REQUIRED' });
    expect(await always.count('uploads')).toBe(uploads);
    const proof = await solved(always);
    await create().set('X-Altcha', proof).expect(201);
    expect(JSON.parse((await create().set('X-Altcha', proof).expect(403)).text).code).toBe('POW_REPLAYED');
    expect(await always.count('uploads')).toBe(uploads + 1);
  });

  it('the form page says up front that it needs JavaScript, and loads no script from anywhere but itself', async () => {
    const res = await request(always.url).get('/').expect(200);
    expect(res.text).toContain('data-pow="required"');
    expect(res.text).toMatch(/<noscript>[\s\S]*needs JavaScript[\s\S]*<\/noscript>/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves the ALTCHA widget, its stylesheet and its worker from its own assets', async () => {
    const page = (await request(always.url).get('/').expect(200)).text;
    const widget = page.match(/data-pow-script="([^"]+)"/)![1];
    const worker = page.match(/data-pow-worker="([^"]+)"/)![1];
    const style = page.match(/data-pow-style="([^"]+)"/)![1];
    for (const [url, type] of [
      [widget, /javascript/],
      [worker, /javascript/],
      [style, /css/],
    ] as const) {
      expect(url).toMatch(/^\/assets\/vendor\/altcha-\d+\.\d+\.\d+\//);
      const res = await request(always.url).get(url).expect(200);
      expect(res.headers['content-type']).toMatch(type);
    }
  });
});
