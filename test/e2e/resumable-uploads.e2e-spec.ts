import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { describeResumableUploads, TUS } from '../support/resumable-upload-cases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The same cases run against the S3 store in resumable-uploads-s3.e2e-spec.ts.
describeResumableUploads('file');

describe('/api/uploads rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ UPLOADS_PER_HOUR: '2' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('more new uploads than UPLOADS_PER_HOUR from one address: 429 with Retry-After, nothing created', async () => {
    for (let i = 0; i < 2; i++) expect((await request(t.url).post('/api/uploads').set(TUS).set('Upload-Length', '100')).status).toBe(201);
    const res = await request(t.url).post('/api/uploads').set(TUS).set('Upload-Length', '100');
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(await t.count('uploads')).toBe(2);
  });
});
