import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BlobMeter,
  BlobNotFoundError,
  StorageFullError,
  TEMPORARY_PREFIX,
  assertCommitKeys,
  assertSafeKey,
  assertSafePrefix,
  assertValidRange,
  isSafeKey,
  isTemporaryKey,
  newTemporaryKey,
  type BlobStore,
  type BlobWriteOptions,
  type ByteRange,
  type TemporaryBlob,
} from './blob-store.js';

// Two 8 MiB parts in flight (plus the one being filled) bound an upload's memory, whatever the
// file's size; 8 MiB × 10,000 parts also leaves room far beyond the 4 GiB limit.
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export interface S3ConnectionOptions {
  /** Omit for AWS itself; set for MinIO, R2, GCS interop and test peers. */
  endpoint?: string;
  region: string;
  /** Omit both to use the SDK's default chain (environment, instance or task role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `bucket` in the path rather than the host name; most S3-compatible servers want this. */
  forcePathStyle?: boolean;
}

export function createS3Client(options: S3ConnectionOptions): S3Client {
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle = false } = options;
  return new S3Client({
    endpoint,
    region,
    forcePathStyle,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  });
}

/**
 * Blobs as objects in one bucket. Temporary blobs are `tmp/<uuid>` objects; S3 has no rename,
 * so commit copies to the final key and deletes the temporary one. A single CopyObject stops at
 * 5 GiB, which the config keeps MAX_FILE_BYTES under for this driver.
 */
export class S3BlobStore implements BlobStore {
  readonly driver = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: { client: S3Client; bucket: string }) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  async writeTemporary(source: Readable, options: BlobWriteOptions = {}): Promise<TemporaryBlob> {
    const tempKey = newTemporaryKey();
    const meter = new BlobMeter(options.maxBytes);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: tempKey, Body: meter },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    // A failed upload stops reading the meter; destroying it unblocks (and fails) the pipeline.
    const stored = upload.done().catch((error: unknown) => {
      meter.destroy(asError(error));
      throw error;
    });
    // Too large, or the source failed: the pipeline destroys the meter with that error, and the
    // Upload, reading a destroyed body, stops, aborts its multipart upload and only then rejects.
    // That is the same abort upload.abort() triggers, but upload.abort() makes done() reject
    // at once, before AbortMultipartUpload has run; this way nothing is still running when we
    // reject, and nothing is left in the bucket.
    const outcomes = await Promise.allSettled([pipeline(source, meter), stored]);
    // The pipeline's reason comes first, as it is the cause (too large, source failed); the
    // upload's abort failing after it is a consequence, and sweepTemporary catches its leftovers.
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (!failure) return { tempKey, ...meter.result() };
    source.destroy();
    await this.deleteQuietly(tempKey);
    throw toStorageError(failure.reason);
  }

  async commit(tempKey: string, finalKey: string): Promise<void> {
    assertCommitKeys(tempKey, finalKey);
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: finalKey, CopySource: copySourceOf(this.bucket, tempKey) }));
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') throw new BlobNotFoundError(tempKey);
      throw toStorageError(error);
    }
    // The blob is committed once the copy succeeds; a temporary copy left over by a failed
    // delete is invisible and sweepTemporary removes it, so it must not fail the commit.
    await this.deleteQuietly(tempKey);
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    // DeleteObject succeeds for a missing key.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range) assertValidRange(range);
    try {
      const { Body, ContentRange } = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      if (!(Body instanceof Readable)) throw new Error(`S3 answered GetObject for ${key} without a body stream`);
      if (!range) return Body;
      // A server may ignore Range (no Content-Range: the body is the whole object) or widen it
      // (s3rver answers 0-0 with all of it): cut exactly the asked-for bytes out of what came.
      const served = servedRangeOf(ContentRange);
      if (served.start > range.start) {
        Body.destroy();
        throw new Error(`S3 answered a range of ${key} from byte ${served.start}, not ${range.start}`);
      }
      return served.start === range.start && served.end <= range.end ? Body : windowOf(Body, range, served.start);
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') throw new BlobNotFoundError(key);
      if (errorName(error) === 'InvalidRange' && range) {
        throw new RangeError(`Byte range ${range.start}-${range.end} starts past the end of ${key}`, { cause: error });
      }
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    assertSafeKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async localPath(key: string): Promise<string | null> {
    assertSafeKey(key);
    return null;
  }

  async *list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }> {
    assertSafePrefix(prefix);
    for await (const object of this.listObjects(prefix)) {
      if (!isTemporaryKey(object.key) && isSafeKey(object.key)) yield object;
    }
  }

  /**
   * Callers pick `olderThan` well beyond the longest upload: S3 dates a multipart upload by when
   * it began, not by its last part, so a younger cut-off would abort a slow upload in progress.
   */
  async sweepTemporary(olderThan: Date): Promise<number> {
    let removed = 0;
    for await (const object of this.listObjects(TEMPORARY_PREFIX)) {
      if (object.modifiedAt < olderThan) {
        await this.delete(object.key);
        removed += 1;
      }
    }
    return removed + (await this.abortMultipartUploadsStartedBefore(olderThan));
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  private async *listObjects(prefix: string): AsyncGenerator<{ key: string; modifiedAt: Date }> {
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: continuationToken }));
      for (const object of page.Contents ?? []) {
        if (object.Key && object.LastModified) yield { key: object.Key, modifiedAt: object.LastModified };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  /** Parts of uploads that crashed mid-way are invisible to ListObjects but still billed. */
  private async abortMultipartUploadsStartedBefore(olderThan: Date): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: TEMPORARY_PREFIX,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        );
      } catch (error) {
        // Some S3-compatible servers (s3rver, the test peer) do not list multipart uploads. Real
        // deployments should also set a lifecycle rule (AbortIncompleteMultipartUpload) on tmp/.
        if (isNotImplemented(error)) return aborted;
        throw error;
      }
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= olderThan) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          aborted += 1;
        } catch (error) {
          if (errorName(error) !== 'NoSuchUpload') throw error; // finished or aborted meanwhile
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return aborted;
  }

  /** Cleanup after a failure: never hides the failure being reported, and sweeps catch leftovers. */
  private async deleteQuietly(key: string): Promise<void> {
    await this.delete(key).catch(() => undefined);
  }
}

/** What a GetObject body holds: `bytes a-b/size` when ranged, else the whole object from 0. */
function servedRangeOf(contentRange: string | undefined): { start: number; end: number } {
  const match = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '');
  return match ? { start: Number(match[1]), end: Number(match[2]) } : { start: 0, end: Number.POSITIVE_INFINITY };
}

/** Bytes `range.start`…`range.end` of a stream whose first byte is byte `firstByte` of the blob. */
function windowOf(body: Readable, range: ByteRange, firstByte: number): Readable {
  let offset = firstByte;
  const window = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const from = Math.max(range.start - offset, 0);
      const to = Math.min(range.end + 1 - offset, chunk.length);
      offset += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
  // (Bytes past the window are still read and dropped: only a server that ignored Range costs that.)
  // Failures reach the reader: the pipeline destroys `window` with them, and destroying
  // `window` (a reader who stops) destroys the S3 body and its socket.
  pipeline(body, window).catch(() => undefined);
  return window;
}

function copySourceOf(bucket: string, key: string): string {
  return `${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NotFound' || name === 'NoSuchKey' || (httpStatusOf(error) === 404 && name !== 'NoSuchBucket');
}

function isNotImplemented(error: unknown): boolean {
  return errorName(error) === 'NotImplemented' || httpStatusOf(error) === 501;
}

/** MinIO answers a full disk with 507 (XMinioStorageFull); callers answer it as 507 too. */
function toStorageError(error: unknown): unknown {
  return errorName(error) === 'XMinioStorageFull' || httpStatusOf(error) === 507 ? new StorageFullError() : error;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
