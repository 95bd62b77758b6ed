import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createS3Client } from '../../src/storage/s3-blob-store.js';

export interface S3Peer {
  /** The settings that point the app at this server's `tipdesk-media` bucket. */
  env: Record<string, string>;
  /** A client of ours for looking inside the bucket. */
  client(): S3Client;
  close(): Promise<void>;
}

/** A real S3-compatible HTTP server (s3rver) on a free port, with the bucket already made. */
export async function startS3Peer(): Promise<S3Peer> {
  const directory = await mkdtemp(join(tmpdir(), 'tipdesk-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const env = {
    STORAGE_DRIVER: 's3', S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_BUCKET: 'tipdesk-media', S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true',
  };
  const client = () => createS3Client({ endpoint: env.S3_ENDPOINT, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
  const setup = client();
  await setup.send(new CreateBucketCommand({ Bucket: env.S3_BUCKET }));
  setup.destroy();
  return {
    env,
    client,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
