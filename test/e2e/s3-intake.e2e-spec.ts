import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, CreateBucketCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import request from 'supertest';
import { createS3Client } from '../../src/storage/s3-blob-store.js';
import { sampleVideo, windowsExe } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the whole intake with STORAGE_DRIVER=s3 (against s3rver)', () => {
  let server: S3rver;
  let serverDirectory: string;
  let t: TestApp;
  const s3 = () => createS3Client({ endpoint: t.config.S3_ENDPOINT, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });

  beforeAll(async () => {
    serverDirectory = await mkdtemp(join(tmpdir(), 'tipdesk-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: serverDirectory });
    const { port } = await server.run();
    const env = {
      STORAGE_DRIVER: 's3', S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_BUCKET: 'tipdesk-media', S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true',
    };
    const client = createS3Client({ endpoint: env.S3_ENDPOINT, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: env.S3_BUCKET }));
    client.destroy();
    t = await startTestApp(env);
  });
  afterAll(async () => {
    await t.close();
    await server.close();
    await rm(serverDirectory, { recursive: true, force: true });
  });

  const keys = async () => ((await s3().send(new ListObjectsV2Command({ Bucket: 'tipdesk-media' }))).Contents ?? []).map((o) => o.Key!);

  it('stores a posted video in the bucket under its media key, with the same SHA-256', async () => {
    const video = sampleVideo();
    const res = await request(t.url)
      .post('/api/tips')
      .field('story', 'Filmed the flood on my phone')
      .field('consentTerms', 'true').field('consentOwnWork', 'true').field('consentOver18', 'true')
      .attach('files', video, { filename: 'flood.mp4' });
    expect(res.status).toBe(201);
    const { rows: [media] } = await t.db.query('SELECT storage_key, sha256 FROM media');
    expect(media.sha256).toBe(sha256(video));
    expect(await keys()).toEqual([media.storage_key]);
    const object = await s3().send(new GetObjectCommand({ Bucket: 'tipdesk-media', Key: media.storage_key }));
    expect(sha256(Buffer.from(await object.Body!.transformToByteArray()))).toBe(sha256(video));
    expect((await request(t.url).get('/health')).body.storage).toEqual({ driver: 's3', status: 'up' });
  });

  it('a refused file leaves nothing in the bucket', async () => {
    const before = await keys();
    const res = await request(t.url)
      .post('/api/tips')
      .field('story', 'Not a video').field('consentTerms', 'true').field('consentOwnWork', 'true').field('consentOver18', 'true')
      .attach('files', sampleVideo(), { filename: 'ok.mp4' })
      .attach('files', windowsExe(), { filename: 'bad.mp4' });
    expect(res.status).toBe(415);
    expect(await keys()).toEqual(before);
  });
});
