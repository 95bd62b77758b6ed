import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3Peer, type S3Peer } from '../support/s3-peer.js';

const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const MiB = 1024 * 1024;
const Bucket = 'tipdesk-media';

/** The test S3 peer answers the multipart calls @tus/s3-store makes as S3 does (s3rver lacks them). */
describe('the S3 test peer: multipart operations as S3 answers them', () => {
  let peer: S3Peer;
  let s3: S3Client;
  beforeAll(async () => {
    peer = await startS3Peer();
    s3 = peer.client();
  });
  afterAll(async () => {
    s3.destroy();
    await peer.close();
  });

  const start = async (Key: string) => (await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!;
  const put = async (Key: string, UploadId: string, PartNumber: number, Body: Buffer) =>
    (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }))).ETag!;
  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode }),
    );

  it('ListParts: number, quoted MD5 ETag, size and date of each part, in pages', async () => {
    const UploadId = await start('a-video');
    const parts = [randomBytes(1000), randomBytes(2000), randomBytes(3000)];
    for (const [i, part] of parts.entries()) expect(await put('a-video', UploadId, i + 1, part)).toBe(md5(part));

    const all = await s3.send(new ListPartsCommand({ Bucket, Key: 'a-video', UploadId }));
    expect(all).toMatchObject({ Bucket, Key: 'a-video', UploadId, IsTruncated: false, StorageClass: 'STANDARD' });
    expect(all.Parts!.map((p) => ({ n: p.PartNumber, etag: p.ETag, size: p.Size }))).toEqual(parts.map((p, i) => ({ n: i + 1, etag: md5(p), size: p.length })));
    expect(all.Parts![0].LastModified).toBeInstanceOf(Date);

    const first = await s3.send(new ListPartsCommand({ Bucket, Key: 'a-video', UploadId, MaxParts: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2', MaxParts: 2 });
    expect(first.Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
    const rest = await s3.send(new ListPartsCommand({ Bucket, Key: 'a-video', UploadId, PartNumberMarker: first.NextPartNumberMarker }));
    expect(rest).toMatchObject({ IsTruncated: false, PartNumberMarker: '2' });
    expect(rest.Parts!.map((p) => p.PartNumber)).toEqual([3]);
  });

  it("an unknown upload id, or another key's: NoSuchUpload 404 for ListParts, UploadPart, Complete and Abort", async () => {
    const UploadId = await start('mine');
    const unknown = 'f'.repeat(32);
    for (const [key, id] of [
      ['mine', unknown],
      ['theirs', UploadId],
    ]) {
      expect(await errorOf(s3.send(new ListPartsCommand({ Bucket, Key: key, UploadId: id })))).toEqual({ name: 'NoSuchUpload', status: 404 });
      expect(await errorOf(s3.send(new UploadPartCommand({ Bucket, Key: key, UploadId: id, PartNumber: 1, Body: Buffer.from('x') })))).toEqual({
        name: 'NoSuchUpload',
        status: 404,
      });
      expect(await errorOf(s3.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: id })))).toEqual({ name: 'NoSuchUpload', status: 404 });
      expect(
        await errorOf(
          s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } })),
        ),
      ).toEqual({ name: 'NoSuchUpload', status: 404 });
    }
    expect(await peer.multipartUploads()).toContainEqual({ key: 'mine', uploadId: UploadId });
  });

  it('ListMultipartUploads: the open uploads by key, with a prefix, in pages', async () => {
    const ids = [await start('list/b'), await start('list/a'), await start('list/c')];
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'list/' }));
    expect(all.Uploads!.map((u) => u.Key)).toEqual(['list/a', 'list/b', 'list/c']);
    expect(all.Uploads![0]).toMatchObject({ UploadId: ids[1], StorageClass: 'STANDARD' });
    expect(all.Uploads![0].Initiated).toBeInstanceOf(Date);
    const first = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'list/', MaxUploads: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: 'list/b', NextUploadIdMarker: ids[0] });
    const rest = await s3.send(
      new ListMultipartUploadsCommand({ Bucket, Prefix: 'list/', KeyMarker: first.NextKeyMarker, UploadIdMarker: first.NextUploadIdMarker }),
    );
    expect(rest.IsTruncated).toBe(false);
    expect(rest.Uploads!.map((u) => u.Key)).toEqual(['list/c']);
  });

  it('Abort removes the parts (204); the upload is then unknown and no longer listed', async () => {
    const UploadId = await start('dropped');
    await put('dropped', UploadId, 1, randomBytes(100));
    const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'dropped', UploadId }));
    expect(aborted.$metadata.httpStatusCode).toBe(204);
    expect(await errorOf(s3.send(new ListPartsCommand({ Bucket, Key: 'dropped', UploadId })))).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect((await peer.multipartUploads()).map((u) => u.uploadId)).not.toContain(UploadId);
    expect(await peer.keys()).not.toContain('dropped');
  });

  it('a streamed body (the SDK sends it aws-chunked with a CRC32 trailer) is stored as its bytes, not its framing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tipdesk-peer-'));
    try {
      const bytes = randomBytes(300_000);
      await writeFile(join(dir, 'part'), bytes);
      const UploadId = await start('streamed');
      const etag = await put('streamed', UploadId, 1, createReadStream(join(dir, 'part')) as never);
      expect(etag).toBe(md5(bytes));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'streamed.part', Body: createReadStream(join(dir, 'part')) }));
      const object = await s3.send(new GetObjectCommand({ Bucket, Key: 'streamed.part' }));
      expect(object.ContentLength).toBe(bytes.length);
      expect(object.ContentEncoding).toBeUndefined();
      expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Complete: a part under 5 MiB that is not the last is EntityTooSmall, a wrong ETag InvalidPart; a right list makes the object and ends the upload', async () => {
    const UploadId = await start('whole');
    const big = randomBytes(5 * MiB);
    const small = randomBytes(10);
    const etags = [await put('whole', UploadId, 1, small), await put('whole', UploadId, 2, big)];
    const complete = (parts: { PartNumber: number; ETag: string }[]) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'whole', UploadId, MultipartUpload: { Parts: parts } }));
    expect(
      await errorOf(
        complete([
          { PartNumber: 1, ETag: etags[0] },
          { PartNumber: 2, ETag: etags[1] },
        ]),
      ),
    ).toEqual({ name: 'EntityTooSmall', status: 400 });
    expect(await errorOf(complete([{ PartNumber: 2, ETag: md5(small) }]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(
      await errorOf(
        complete([
          { PartNumber: 2, ETag: etags[1] },
          { PartNumber: 1, ETag: etags[0] },
        ]),
      ),
    ).toEqual({ name: 'InvalidPartOrder', status: 400 });

    // Part 1 again, now 5 MiB: then 1 + 2 make the object.
    const first = randomBytes(5 * MiB);
    etags[0] = await put('whole', UploadId, 1, first);
    await complete([
      { PartNumber: 1, ETag: etags[0] },
      { PartNumber: 2, ETag: etags[1] },
    ]);
    const object = await s3.send(new GetObjectCommand({ Bucket, Key: 'whole' }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    expect(bytes.equals(Buffer.concat([first, big]))).toBe(true);
    expect(await errorOf(s3.send(new ListPartsCommand({ Bucket, Key: 'whole', UploadId })))).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect((await peer.multipartUploads()).map((u) => u.uploadId)).not.toContain(UploadId);
  });
});
