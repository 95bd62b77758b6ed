import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { StorageReserve } from './storage-reserve.js';

export async function createBlobStore(config: AppConfig): Promise<BlobStore> {
  if (config.STORAGE_DRIVER === 's3') {
    // Loaded only for S3: the AWS SDK adds ~25 MB to every process that merely imports it.
    const { S3BlobStore, createS3Client } = await import('./s3-blob-store.js');
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
  providers: [{ provide: BLOB_STORE, inject: [AppConfig], useFactory: createBlobStore }, StorageReserve],
  exports: [BLOB_STORE, StorageReserve],
})
export class StorageModule {}
