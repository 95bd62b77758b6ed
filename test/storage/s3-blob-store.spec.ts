import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { BlobTooLargeError } from '../../src/storage/blob-store.js';
import { S3BlobStore, createS3Client } from '../../src/storage/s3-blob-store.js';
import { describeBlobStoreContract } from './blob-store-contract.js';

// s3rver, a real S3 HTTP API on a free port, is the test peer. Where it falls short of S3:
// - no ListMultipartUploads (501 NotImplemented): sweepTemporary skips that half;
// - no AbortMultipartUpload (405 MethodNotAllowed): a failed upload's parts stay in s3rver's own
//   directory, invisible to every API call, so "leaves nothing" is checked through ListObjects
//   and the abort itself is checked by watching the commands sent;
// - a Range of `bytes=0-0` returns the whole object (it reads end 0 as "no end") without a
//   Content-Range; the driver cuts the window out itself, and the contract's 0-0 case checks it.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let server: S3rver;
let serverDirectory: string;
let endpoint: string;
let bucketsMade = 0;

beforeAll(async () => {
  serverDirectory = await mkdtemp(join(tmpdir(), 'tipdesk-s3rver-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: serverDirectory });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.close();
  await rm(serverDirectory, { recursive: true, force: true });
});

/** A client, a bucket of its own and the names of the commands the client sent. */
async function freshBucket(): Promise<{ client: S3Client; bucket: string; commandsSent: string[] }> {
  const client = createS3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, ...CREDENTIALS });
  const commandsSent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commandsSent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
  bucketsMade += 1;
  const bucket = `tipdesk-test-${bucketsMade}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { client, bucket, commandsSent };
}

describeBlobStoreContract('S3 (s3rver)', async () => {
  const { client, bucket } = await freshBucket();
  return {
    store: new S3BlobStore({ client, bucket }),
    teardown: async () => client.destroy(),
    listTemporary: async () => {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tmp/' }));
      return (page.Contents ?? []).map((object) => object.Key ?? '');
    },
    // s3rver dates an object by its file's mtime; S3 has no API to backdate one.
    ageTemporary: (tempKey, modifiedAt) => utimes(join(serverDirectory, bucket, `${tempKey}._S3rver_object`), modifiedAt, modifiedAt),
  };
});

describe('S3BlobStore against s3rver', () => {
  it('aborts the multipart upload of a stream that outgrows maxBytes after a part was sent', async () => {
    const { client, bucket, commandsSent } = await freshBucket();
    const store = new S3BlobStore({ client, bucket });
    const tenMebibytes = Readable.from(
      (function* () {
        for (let chunk = 0; chunk < 160; chunk += 1) yield Buffer.alloc(64 * 1024, chunk);
      })(),
    );
    try {
      await expect(store.writeTemporary(tenMebibytes, { maxBytes: 9 * 1024 * 1024 })).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(commandsSent).toEqual(expect.arrayContaining(['CreateMultipartUploadCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']));
      expect(commandsSent).not.toContain('CompleteMultipartUploadCommand');
    } finally {
      client.destroy();
    }
  });

  it('sends a 20 MiB blob as a multipart upload of 8 MiB parts', async () => {
    const { client, bucket, commandsSent } = await freshBucket();
    const store = new S3BlobStore({ client, bucket });
    const twentyMebibytes = Readable.from(
      (function* () {
        for (let chunk = 0; chunk < 320; chunk += 1) yield Buffer.alloc(64 * 1024, chunk);
      })(),
    );
    try {
      const written = await store.writeTemporary(twentyMebibytes);
      expect(written.size).toBe(20 * 1024 * 1024);
      expect(commandsSent.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
      expect(commandsSent).toContain('CompleteMultipartUploadCommand');
    } finally {
      client.destroy();
    }
  });
});
