import { ERRORS, type DataStore, type Upload } from '@tus/utils';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { AppConfig } from '../config/app-config.js';
import { CachedUploadInfo } from './cached-upload-info.js';

/** The tus data store, with what tipdesk needs beyond the DataStore interface. */
export interface TusStore {
  readonly datastore: DataStore;
  /** Where an upload's bytes are, for the uploads row (operators only; never parsed back). */
  locationOf(id: string): string;
  /** The bytes of an upload, from the start. */
  read(id: string): Promise<Readable>;
  /** Removes an upload's bytes and its tus info; a missing one is not an error. */
  remove(id: string): Promise<void>;
}

export const TUS_STORE = Symbol('TusStore');

// Only these: no creation-defer-length (every upload declares its size, so the limit holds at
// creation) and no concatenation.
const EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'expiration'];

export function uploadsDirectory(config: AppConfig): string {
  return join(config.dataDir, 'uploads');
}

export async function createTusStore(config: AppConfig): Promise<TusStore> {
  const expirationPeriodInMilliseconds = config.UPLOAD_EXPIRY_HOURS * 3600_000;
  if (config.STORAGE_DRIVER === 's3') {
    // Loaded only for S3, as in storage.module.ts: the AWS SDK is heavy.
    const { S3Store } = await import('@tus/s3-store');

    /** @tus/s3-store 2.0.7's S3Store, with what it gets wrong for us put right (each method says what). */
    class TipdeskS3Store extends S3Store {
      /**
       * S3Store answers a multipart upload S3 no longer has (NoSuchUpload) as finished, which it
       * is only if the object is there: one aborted by someone else (a bucket lifecycle rule)
       * would otherwise look complete to the client and never be finished. Such an upload is
       * not found (and its row is swept).
       */
      override async getUpload(id: string): Promise<Upload> {
        const upload = await super.getUpload(id);
        if (upload.size && upload.offset === upload.size) {
          try {
            await this.client.headObject({ Bucket: this.bucket, Key: id });
          } catch (error) {
            if (isS3Missing(error)) throw ERRORS.FILE_NOT_FOUND;
            throw error;
          }
        }
        return upload;
      }

      override async read(id: string): Promise<Readable> {
        try {
          return await super.read(id);
        } catch (error) {
          // tus finishes a zero-byte upload at its creation without a write, so S3 never got an
          // object: its bytes are none (and the sniff refuses it like any other non-media).
          if (isS3Missing(error) && (await this.getMetadata(id)).file.size === 0) return Readable.from([]);
          throw error;
        }
      }

      /**
       * S3Store.remove falls short twice: it leaves the `<id>.part` object (an unfinished
       * upload's tail under 5 MiB, stored apart because every S3 part but the last must be 5 MiB
       * or more), and for a finished upload it stops at the NoSuchUpload its abort gets (the
       * multipart upload is complete), leaving the object and `<id>.info`. This one aborts the
       * multipart upload if it is still open, then deletes all three objects; the tus DELETE
       * (termination) goes through it too.
       */
      override async remove(id: string): Promise<void> {
        let uploadIds: string[];
        let found = true;
        try {
          uploadIds = [(await this.getMetadata(id))['upload-id']].filter((u): u is string => Boolean(u));
        } catch (error) {
          if (!isS3Missing(error)) throw error;
          // No info object: a creation that failed between starting the multipart upload and
          // saving the info. Its multipart upload is found by key instead (invisible to listings
          // of objects, and billed until aborted).
          uploadIds = await this.openMultipartUploads(id);
          found = uploadIds.length > 0;
        }
        // The abort first: until the info object is gone a failed removal can be retried by the sweep.
        for (const uploadId of uploadIds) {
          await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: uploadId }).catch((error: unknown) => {
            if (!isS3Missing(error)) throw error; // NoSuchUpload: finished (or already aborted)
          });
        }
        const keys = [id, this.partKey(id, true), this.infoKey(id)];
        const { Errors } = await this.client.deleteObjects({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } });
        if (Errors?.length) throw new Error(`Could not delete ${Errors.map((e) => `${e.Key} (${e.Code})`).join(', ')} from the bucket`);
        await this.clearCache(id);
        if (!found) throw ERRORS.FILE_NOT_FOUND;
      }

      /** The ids of the multipart uploads open under key `id` (ListMultipartUploads). */
      private async openMultipartUploads(id: string): Promise<string[]> {
        const ids: string[] = [];
        let keyMarker: string | undefined;
        let uploadIdMarker: string | undefined;
        do {
          const page = await this.client.listMultipartUploads({ Bucket: this.bucket, Prefix: id, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker });
          ids.push(...(page.Uploads ?? []).filter((u) => u.Key === id && u.UploadId).map((u) => u.UploadId!));
          keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
          uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
        } while (keyMarker);
        return ids;
      }
    }

    const bucket = config.S3_BUCKET!;
    const store = new TipdeskS3Store({
      expirationPeriodInMilliseconds,
      s3ClientConfig: {
        bucket,
        endpoint: config.S3_ENDPOINT,
        region: config.S3_REGION,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
        credentials:
          config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
            ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
            : undefined,
      },
    });
    store.extensions = EXTENSIONS;
    return {
      datastore: store,
      // The object (once finished) beside <id>.info and, while unfinished, <id>.part and a multipart upload.
      locationOf: (id) => `s3:${bucket}/${id}`,
      read: (id) => store.read(id),
      remove: (id) => store.remove(id).catch(ignoreMissing),
    };
  }
  const { FileStore, FileConfigstore } = await import('@tus/file-store');
  const info = new CachedUploadInfo(new FileConfigstore(uploadsDirectory(config)));

  /** FileStore with its upload info cached (cached-upload-info.ts). */
  class TipdeskFileStore extends FileStore {
    /** An upload another process removed while its info was cached here is not found, as it would be without the cache. */
    override async getUpload(id: string): Promise<Upload> {
      try {
        return await super.getUpload(id);
      } catch (error) {
        if (error === ERRORS.FILE_NO_LONGER_EXISTS && info.forget(id)) return super.getUpload(id);
        throw error;
      }
    }
  }

  // FileStore refuses any id whose path leaves this directory (isPathInsideDirectory), and the
  // ids are ours anyway: random UUIDs from the server's namingFunction.
  const store = new TipdeskFileStore({ directory: uploadsDirectory(config), configstore: info, expirationPeriodInMilliseconds });
  store.extensions = EXTENSIONS;
  return {
    datastore: store,
    locationOf: (id) => `file:uploads/${id}`,
    read: async (id) => store.read(id),
    remove: async (id) => {
      await store.remove(id).catch(ignoreMissing);
      // remove() leaves the info file behind when the data file was already gone.
      await info.delete(id).catch(() => undefined);
    },
  };
}

/** S3's answer for a key or multipart upload that is not there (the SDK names 404s without a code NotFound). */
function isS3Missing(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NoSuchUpload' || name === 'NotFound';
}

function ignoreMissing(error: unknown): void {
  const status = (error as { status_code?: number } | undefined)?.status_code;
  if (status === 404 || status === 410) return;
  throw error;
}
