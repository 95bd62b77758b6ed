import { randomUUID } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { Sha256Thread } from './sha256-thread.js';

/** A blob written under a temporary key: durable, but invisible until committed. */
export interface TemporaryBlob {
  tempKey: string;
  size: number;
  /** Hex SHA-256 of the bytes, computed while they streamed past. */
  sha256: string;
}

export interface BlobWriteOptions {
  /** Refuse (BlobTooLargeError) and remove the partial blob once more bytes than this arrive. */
  maxBytes?: number;
}

export interface ByteRange {
  /** Inclusive byte offsets, as in an HTTP Range header. */
  start: number;
  end: number;
}

/**
 * Where media bytes live. Keys are chosen by tipdesk (`media/<uuid>`, `thumbnails/<uuid>.jpg`),
 * never derived from anything a client sent. Bytes are streamed, never held whole in memory.
 */
export interface BlobStore {
  readonly driver: 'local' | 's3';

  /** Streams `source` into a new temporary key. On any failure nothing is left behind. */
  writeTemporary(source: Readable, options?: BlobWriteOptions): Promise<TemporaryBlob>;

  /** Makes a temporary blob visible under `finalKey` (durable before it resolves). */
  commit(tempKey: string, finalKey: string): Promise<void>;

  /** Removes a temporary or final blob; a missing one is not an error. */
  delete(key: string): Promise<void>;

  /** The bytes of a committed blob, or of a range of it. Throws BlobNotFoundError. */
  read(key: string, range?: ByteRange): Promise<Readable>;

  /** Size of a committed blob, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;

  /**
   * The path of a committed blob on this machine's disk, for tools that read files themselves
   * (ffprobe, ffmpeg); always null when the store keeps its blobs elsewhere (S3). A local store
   * throws BlobNotFoundError for a missing blob.
   */
  localPath(key: string): Promise<string | null>;

  /** Committed keys under a prefix, with when each was last written (for orphan sweeps). */
  list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }>;

  /** Removes temporary blobs (and unfinished multipart uploads) not written to since `olderThan`. */
  sweepTemporary(olderThan: Date): Promise<number>;

  /** Throws when the store is not usable (for /health/ready): read-only, writes nothing. */
  check(): Promise<void>;
}

export const BLOB_STORE = Symbol('BlobStore');

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The file is larger than the limit of ${maxBytes} bytes`);
  }
}

export class StorageFullError extends Error {
  constructor() {
    super('File storage is full');
  }
}

/** Free space is below STORAGE_MIN_FREE_BYTES: new uploads wait, uploads under way finish (storage-reserve.ts). */
export class StorageReserveReachedError extends Error {
  constructor() {
    super('Free space is below the storage reserve');
  }
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No blob under ${key}`);
  }
}

export function isSafeKey(key: string): boolean {
  return /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9._-]*)*$/i.test(key) && !key.includes('..') && key.length <= 200;
}

/** Keys are ours, but check anyway: nothing may escape the store's root or bucket prefix. */
export function assertSafeKey(key: string): void {
  if (!isSafeKey(key)) {
    throw new Error(`Unsafe blob key: ${JSON.stringify(key)}`);
  }
}

/** A list prefix is a key, a key's folder (`media/`), or nothing. */
export function assertSafePrefix(prefix: string): void {
  if (prefix !== '' && !isSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix)) {
    throw new Error(`Unsafe blob prefix: ${JSON.stringify(prefix)}`);
  }
}

export const TEMPORARY_PREFIX = 'tmp/';

export function newTemporaryKey(): string {
  return `${TEMPORARY_PREFIX}${randomUUID()}`;
}

export function isTemporaryKey(key: string): boolean {
  return key.startsWith(TEMPORARY_PREFIX);
}

/** commit() only ever moves a blob out of tmp/, never into it or sideways. */
export function assertCommitKeys(tempKey: string, finalKey: string): void {
  assertSafeKey(tempKey);
  assertSafeKey(finalKey);
  if (!isTemporaryKey(tempKey)) throw new Error(`Not a temporary blob key: ${JSON.stringify(tempKey)}`);
  if (isTemporaryKey(finalKey)) throw new Error(`A committed blob key may not be temporary: ${JSON.stringify(finalKey)}`);
}

/** Inclusive range checks shared by the drivers, so both refuse the same nonsense. */
export function assertValidRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}`);
  }
}

/**
 * Hashes and counts the bytes flowing through it, and fails with BlobTooLargeError as soon as
 * more than `maxBytes` have arrived, so an oversized upload is cut off rather than stored.
 * (No `size`/`length` property on purpose: lib-storage would read it as the body's length.)
 */
export class BlobMeter extends Transform {
  // On the hashing thread: the event loop only copies the bytes (storage/sha256-thread.ts).
  private readonly hash = Sha256Thread.shared().hash();
  private bytesSeen = 0;
  private sha256: string | undefined;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytesSeen += chunk.length;
    if (this.bytesSeen > this.maxBytes) {
      callback(new BlobTooLargeError(this.maxBytes));
      return;
    }
    const roomForMore = this.hash.update(chunk);
    if (roomForMore) roomForMore.then(() => callback(null, chunk), callback);
    else callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.hash.digest().then((hex) => {
      this.sha256 = hex;
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.sha256 === undefined) this.hash.forget();
    callback(error);
  }

  /** Call once, after the stream has finished. */
  result(): { size: number; sha256: string } {
    if (this.sha256 === undefined) throw new Error('BlobMeter.result() before the stream finished');
    return { size: this.bytesSeen, sha256: this.sha256 };
  }
}
