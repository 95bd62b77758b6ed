// Issue 15: nothing kept the disk from filling: anonymous 4 GiB uploads until DATA_DIR was full,
// breaking the uploads under way (and, on one disk, the database). Below STORAGE_MIN_FREE_BYTES
// new uploads get 507; those under way finish; stories without files still arrive.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CONSENT } from '../support/fixtures.js';
import { sampleVideo } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TUS = { 'Tus-Resumable': '1.0.0' };
// More than any test machine's disk has free: this process sees the reserve as reached.
const FULL = { STORAGE_MIN_FREE_BYTES: String(2 ** 52) };

let roomy: TestApp;
let full: TestApp;
beforeAll(async () => {
  roomy = await startTestApp({ STORAGE_MIN_FREE_BYTES: '0' });
  // A second process on the same database and data directory whose disk is "nearly full".
  full = await startTestApp(FULL, { shareWith: roomy });
});
afterAll(async () => {
  await full?.close();
  await roomy?.close();
});

const createUpload = (app: TestApp, bytes: number) =>
  request(app.url)
    .post('/api/uploads')
    .set(TUS)
    .set('Upload-Length', String(bytes))
    .set('Upload-Metadata', `filename ${Buffer.from('clip.mp4').toString('base64')}`);

describe('the storage reserve (STORAGE_MIN_FREE_BYTES)', () => {
  it('a tus creation below the reserve: 507 STORAGE_RESERVE_REACHED in words, no upload kept', async () => {
    const uploads = await full.count('uploads');
    const res = await createUpload(full, 1024);
    expect(res.status).toBe(507);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'STORAGE_RESERVE_REACHED', message: expect.stringContaining('storage is nearly full') });
    expect(await full.count('uploads')).toBe(uploads);
  });

  it('a multipart tip with a video below the reserve: 507, no tip, no blob', async () => {
    const [tips, blobs] = [await full.count('tips'), (await full.blobFiles()).length];
    const res = await request(full.url)
      .post('/api/tips')
      .field('story', 'A story with a video')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .attach('files', sampleVideo(), { filename: 'clip.mp4', contentType: 'video/mp4' });
    expect(res.status).toBe(507);
    expect(res.body.code).toBe('STORAGE_RESERVE_REACHED');
    expect(await full.count('tips')).toBe(tips);
    expect((await full.blobFiles()).length).toBe(blobs);
  });

  it('a story without files below the reserve still arrives: 201 (JSON and multipart)', async () => {
    await request(full.url)
      .post('/api/tips')
      .send({ story: 'Just words', ...CONSENT })
      .expect(201);
    await request(full.url)
      .post('/api/tips')
      .field('story', 'Just words, from the form')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .expect(201);
  });

  it('an upload begun before the reserve was reached finishes through the nearly-full process, and becomes a tip', async () => {
    const video = sampleVideo();
    const created = await createUpload(roomy, video.length).expect(201);
    const path = new URL(created.headers.location, roomy.url).pathname;
    await request(full.url).patch(path).set(TUS).set('Content-Type', 'application/offset+octet-stream').set('Upload-Offset', '0').send(video).expect(204);
    const id = path.split('/').pop();
    await request(full.url)
      .post('/api/tips')
      .send({ story: 'Finished after the disk filled', uploads: [id], ...CONSENT })
      .expect(201);
  });

  it('STORAGE_MIN_FREE_BYTES negative: the app refuses to start, naming it', async () => {
    await expect(startTestApp({ STORAGE_MIN_FREE_BYTES: '-1' })).rejects.toThrow(/STORAGE_MIN_FREE_BYTES/);
  });
});
