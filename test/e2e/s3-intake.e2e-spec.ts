import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { sampleVideo, windowsExe } from '../support/media-samples.js';
import { startS3Peer, type S3Peer } from '../support/s3-peer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the whole intake with STORAGE_DRIVER=s3 (against s3rver)', () => {
  let peer: S3Peer;
  let t: TestApp;
  const s3 = () => peer.client();

  beforeAll(async () => {
    peer = await startS3Peer();
    t = await startTestApp(peer.env);
  });
  afterAll(async () => {
    await t.close();
    await peer.close();
  });

  const keys = async () => ((await s3().send(new ListObjectsV2Command({ Bucket: 'tipdesk-media' }))).Contents ?? []).map((o) => o.Key!);

  it('stores a posted video in the bucket under its media key, with the same SHA-256', async () => {
    const video = sampleVideo();
    const res = await request(t.url)
      .post('/api/tips')
      .field('story', 'Filmed the flood on my phone')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .attach('files', video, { filename: 'flood.mp4' });
    expect(res.status).toBe(201);
    const {
      rows: [media],
    } = await t.db.query('SELECT storage_key, sha256 FROM media');
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
      .field('story', 'Not a video')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .attach('files', sampleVideo(), { filename: 'ok.mp4' })
      .attach('files', windowsExe(), { filename: 'bad.mp4' });
    expect(res.status).toBe(415);
    expect(await keys()).toEqual(before);
  });
});
