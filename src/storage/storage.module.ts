import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore, createS3Client } from './s3-blob-store.js';

export function createBlobStore(config: AppConfig): BlobStore {
  if (config.STORAGE_DRIVER === 's3') {
    const client = createS3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
    });
    return new S3BlobStore({ client, bucket: config.S3_BUCKET! });
  }
  return new LocalBlobStore(join(config.dataDir, 'blobs'));
}

@Global()
@Module({
  providers: [{ provide: BLOB_STORE, inject: [AppConfig], useFactory: createBlobStore }],
  exports: [BLOB_STORE],
})
export class StorageModule {}
