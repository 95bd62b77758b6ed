// Issue 15: with no byte quota, one client could send 4 GiB tus uploads and form files without
// end. UPLOAD_BYTES_PER_DAY holds per address group (IPv4 address, IPv6 /64): tus creations count
// their Upload-Length, form files their bytes; over it 429 UPLOAD_QUOTA_REACHED with Retry-After,
// nothing kept, and uploads already under way finish.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { sampleVideo } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TUS = { 'Tus-Resumable': '1.0.0' };
const VIDEO = sampleVideo(); // 6,042 bytes: one fits in the day's 10,000, two do not
const QUOTA = 10_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ UPLOAD_BYTES_PER_DAY: String(QUOTA), STORAGE_MIN_FREE_BYTES: '0' });
});
afterAll(async () => {
  await t?.close();
});

// TRUST_PROXY is loopback by default: the test names each client as a proxy on this host would.
const createUpload = (client: string, bytes: number) =>
  request(t.url)
    .post('/api/uploads')
    .set(TUS)
    .set('X-Forwarded-For', client)
    .set('Upload-Length', String(bytes))
    .set('Upload-Metadata', `filename ${Buffer.from('clip.mp4').toString('base64')}`);

const multipartTip = (client: string, videos: number, accept = 'application/json') => {
  const post = request(t.url)
    .post(accept.includes('html') ? '/' : '/api/tips')
    .set('X-Forwarded-For', client)
    .set('Accept', accept)
    .field('story', 'A story with a video')
    .field('consentTerms', 'true')
    .field('consentOwnWork', 'true')
    .field('consentOver18', 'true');
  for (let n = 0; n < videos; n++) post.attach('files', VIDEO, { filename: `clip${n}.mp4`, contentType: 'video/mp4' });
  return post;
};

describe('the daily upload quota (UPLOAD_BYTES_PER_DAY)', () => {
  it('a tus creation past the day: 429 UPLOAD_QUOTA_REACHED with Retry-After, no upload kept; a smaller one still fits; the first one finishes', async () => {
    const client = '198.51.100.1';
    const first = await createUpload(client, VIDEO.length).expect(201);
    const uploads = await t.count('uploads');

    const refused = await createUpload(client, VIDEO.length);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text)).toMatchObject({ code: 'UPLOAD_QUOTA_REACHED', message: expect.stringContaining('in one day') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(24 * 3600);
    expect(await t.count('uploads')).toBe(uploads);

    // What was refused was not counted: the 3,958 bytes left are still there.
    await createUpload(client, QUOTA - VIDEO.length).expect(201);
    await createUpload(client, 1).expect(429);

    // An upload under way is never cut off by the quota: its chunks are not counted again.
    const path = new URL(first.headers.location, t.url).pathname;
    await request(t.url)
      .patch(path)
      .set(TUS)
      .set('X-Forwarded-For', client)
      .set('Content-Type', 'application/offset+octet-stream')
      .set('Upload-Offset', '0')
      .send(VIDEO)
      .expect(204);
  });

  it('counts an IPv6 /64 as one client: the second address of the same /64 is refused, another /64 is not', async () => {
    await createUpload('2001:db8:5:5::1', VIDEO.length).expect(201);
    const res = await createUpload('2001:db8:5:5:aaaa:bbbb:cccc:dddd', VIDEO.length);
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text).code).toBe('UPLOAD_QUOTA_REACHED');
    await createUpload('2001:db8:5:6::1', VIDEO.length).expect(201);
  });

  it('a multipart tip whose video passes the day: 429 UPLOAD_QUOTA_REACHED, no tip, no blob', async () => {
    const client = '198.51.100.2';
    await multipartTip(client, 1).expect(201);
    const [tips, blobs] = [await t.count('tips'), (await t.blobFiles()).length];
    const res = await multipartTip(client, 1);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('UPLOAD_QUOTA_REACHED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await t.count('tips')).toBe(tips);
    expect((await t.blobFiles()).length).toBe(blobs);
  });

  it('a multipart tip whose second video passes the day: 429, the first video is not kept either', async () => {
    const [tips, blobs] = [await t.count('tips'), (await t.blobFiles()).length];
    const res = await multipartTip('198.51.100.3', 2);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('UPLOAD_QUOTA_REACHED');
    expect(await t.count('tips')).toBe(tips);
    expect((await t.blobFiles()).length).toBe(blobs);
  });

  it('a story without files from a client past the day still arrives: 201', async () => {
    await request(t.url)
      .post('/api/tips')
      .set('X-Forwarded-For', '198.51.100.2')
      .field('story', 'Just words')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .expect(201);
  });

  it('the form without JavaScript, past the day: the form comes back (429) with the reason inline and the file named', async () => {
    const tips = await t.count('tips');
    const res = await multipartTip('198.51.100.2', 1, 'text/html');
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('id="form-error"');
    expect(res.text).toContain('as much as we can take in one day (9.8 KB');
    expect(res.text).toContain('A story with a video'); // what they wrote is kept in the form
    expect(await t.count('tips')).toBe(tips);
  });

  it('UPLOAD_BYTES_PER_DAY of 0: the app refuses to start, naming it', async () => {
    await expect(startTestApp({ UPLOAD_BYTES_PER_DAY: '0' })).rejects.toThrow(/UPLOAD_BYTES_PER_DAY/);
  });
});
