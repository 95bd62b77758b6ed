import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SweepService } from '../../src/jobs/sweep.service.js';
import { UploadsService } from '../../src/uploads/uploads.service.js';
import { describeResumableUploads, mp4Of, TUS } from '../support/resumable-upload-cases.js';
import { startS3Peer, type S3Peer } from '../support/s3-peer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The file store's cases (resumable-uploads.e2e-spec.ts) with STORAGE_DRIVER=s3: @tus/s3-store
// against the S3 test peer (s3rver with the multipart calls it lacks).
describeResumableUploads('s3');

describe('/api/uploads on S3: what only S3 has', () => {
  let peer: S3Peer;
  let t: TestApp;
  beforeAll(async () => {
    peer = await startS3Peer();
    t = await startTestApp(peer.env);
  });
  afterAll(async () => {
    await t?.close();
    await peer?.close();
  });

  it('a creation that stopped between starting the multipart upload and saving its info is swept: the multipart upload aborted, no row', async () => {
    // The row comes first (onUploadCreate), then S3Store.create starts the multipart upload and
    // then writes <id>.info: a crash in between leaves a multipart upload no object listing shows.
    const id = randomUUID();
    await t.app.get(UploadsService).recordCreated(id, 10_000, 'clip.mp4');
    const s3 = peer.client();
    await s3.send(new CreateMultipartUploadCommand({ Bucket: peer.env.S3_BUCKET, Key: id }));
    s3.destroy();
    expect((await peer.multipartUploads()).map((u) => u.key)).toContain(id);
    await t.db.query(`UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);

    const report = await t.app.get(SweepService).sweep();

    expect(report?.uploads).toBe(1);
    expect((await peer.multipartUploads()).map((u) => u.key)).not.toContain(id);
    expect((await peer.keys()).filter((k) => k.startsWith(id))).toEqual([]);
    expect((await t.db.query('SELECT 1 FROM uploads WHERE id = $1', [id])).rows).toEqual([]);
  });

  it('an unfinished upload whose multipart upload S3 aborted (a bucket lifecycle rule): 404, not taken for finished', async () => {
    const bytes = mp4Of(20_000);
    const created = await request(t.url).post('/api/uploads').set(TUS).set('Upload-Length', String(bytes.length));
    const id = created.headers.location.split('/').pop()!;
    const patched = await request(t.url)
      .patch(`/api/uploads/${id}`)
      .set(TUS)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(bytes.subarray(0, 5_000));
    expect(patched.status).toBe(204);
    const [upload] = (await peer.multipartUploads()).filter((u) => u.key === id);
    const s3 = peer.client();
    await s3.send(new AbortMultipartUploadCommand({ Bucket: peer.env.S3_BUCKET, Key: id, UploadId: upload.uploadId }));
    s3.destroy();

    const head = await request(t.url).head(`/api/uploads/${id}`).set(TUS);
    expect(head.status).toBe(404);
    const rest = await request(t.url)
      .patch(`/api/uploads/${id}`)
      .set(TUS)
      .set('Upload-Offset', '5000')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(bytes.subarray(5_000));
    expect(rest.status).toBe(404);
    expect((await t.db.query('SELECT finished_at FROM uploads WHERE id = $1', [id])).rows[0].finished_at).toBeNull();
  });
});
