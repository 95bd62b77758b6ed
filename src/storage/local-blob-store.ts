import { access, constants, mkdir, open, opendir, rename, rm, stat, type FileHandle, utimes } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
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

// Socket chunks are 64 KiB; writing each on its own costs ~0.5 s of CPU per GiB. A 1 MiB buffer
// batches them (measured in bench/upload.mjs) while keeping 8 concurrent uploads under 200 MB RSS.
// (Nudging writeback with an early fdatasync every 64 MiB was tried and made uploads 60% slower.)
const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * The absolute path of `relativePath` under `root`, refusing anything that would land outside it.
 * assertSafeKey already rejects `..`; this is the second lock on the same door.
 */
export function resolveInsideRoot(root: string, relativePath: string): string {
  const absoluteRoot = resolve(root);
  const absolutePath = resolve(absoluteRoot, relativePath);
  if (absolutePath !== absoluteRoot && !absolutePath.startsWith(absoluteRoot + sep)) {
    throw new Error(`Blob path escapes the storage root: ${JSON.stringify(relativePath)}`);
  }
  return absolutePath;
}

/**
 * Blobs as files under one directory. Temporary blobs live in `<root>/tmp` on the same file
 * system as the committed ones, so commit is a single atomic rename.
 */
export class LocalBlobStore implements BlobStore {
  readonly driver = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async writeTemporary(source: Readable, options: BlobWriteOptions = {}): Promise<TemporaryBlob> {
    const tempKey = newTemporaryKey();
    const path = this.pathOf(tempKey);
    const meter = new BlobMeter(options.maxBytes);
    try {
      await this.ensureDirectory(dirname(path));
      const file = await open(path, 'wx');
      // The stream owns the handle from here; `flush` fsyncs it before closing, and the
      // pipeline resolves only after that, so the bytes are on disk when we return.
      await pipeline(source, meter, file.createWriteStream({ flush: true, highWaterMark: WRITE_BUFFER_BYTES }));
      await syncDirectory(dirname(path));
      return { tempKey, ...meter.result() };
    } catch (error) {
      source.destroy();
      await rm(path, { force: true });
      throw toStorageError(error);
    }
  }

  async commit(tempKey: string, finalKey: string): Promise<void> {
    assertCommitKeys(tempKey, finalKey);
    const from = this.pathOf(tempKey);
    const to = this.pathOf(finalKey);
    try {
      await this.ensureDirectory(dirname(to));
      // A committed blob's age counts from its commit (as on S3, where the copy is new), so the
      // orphan sweep never mistakes a long upload committed a moment ago for an old orphan.
      const now = new Date();
      await utimes(from, now, now);
      await rename(from, to);
      // The rename is durable only once the directory that now holds the name is on disk.
      await syncDirectory(dirname(to));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new BlobNotFoundError(tempKey);
      throw toStorageError(error);
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    if (range) assertValidRange(range);
    const path = this.pathOf(key);
    // Opening first (rather than stat, then open) means a missing blob is found out here,
    // and the stream reads the file we checked even if it is deleted meanwhile.
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(key);
      throw error;
    }
    try {
      const info = await file.stat();
      if (!info.isFile()) throw new BlobNotFoundError(key);
      if (range && range.start >= info.size) {
        throw new RangeError(`Byte range ${range.start}-${range.end} starts past the end of ${key}`);
      }
      return file.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async localPath(key: string): Promise<string | null> {
    if (!(await this.stat(key))) throw new BlobNotFoundError(key);
    return this.pathOf(key);
  }

  async *list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }> {
    assertSafePrefix(prefix);
    const lastSlash = prefix.lastIndexOf('/');
    yield* this.walk(lastSlash === -1 ? '' : prefix.slice(0, lastSlash), prefix);
  }

  async sweepTemporary(olderThan: Date): Promise<number> {
    const tmpDirectory = this.pathOf(TEMPORARY_PREFIX.slice(0, -1));
    let removed = 0;
    for await (const entry of openDirectoryIfPresent(tmpDirectory)) {
      if (!entry.isFile()) continue;
      const path = resolveInsideRoot(tmpDirectory, entry.name);
      const info = await stat(path).catch((error: unknown) => {
        if (isMissing(error)) return null;
        throw error;
      });
      // mtime moves with every write, so a slow upload still in progress is never swept.
      if (info && info.mtime < olderThan) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async check(): Promise<void> {
    // Read-only (a readiness probe runs every second): the root is a directory we may write to,
    // or, before the first file, its parent is, where it will be created.
    try {
      const info = await stat(this.root).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (info && !info.isDirectory()) throw Object.assign(new Error(`${this.root} is not a directory`), { code: 'ENOTDIR' });
      await access(info ? this.root : dirname(this.root), constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      throw toStorageError(error);
    }
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    return resolveInsideRoot(this.root, key);
  }

  /** mkdir -p, then fsync the parent of every directory it made, so new names survive a crash. */
  private async ensureDirectory(directory: string): Promise<void> {
    const firstCreated = await mkdir(directory, { recursive: true });
    if (firstCreated === undefined) return;
    const topmostParent = dirname(firstCreated);
    for (let current = directory; ; current = dirname(current)) {
      if (current !== directory) await syncDirectory(current);
      if (current === topmostParent || current === dirname(current)) break;
    }
  }

  private async *walk(relativeDirectory: string, prefix: string): AsyncGenerator<{ key: string; modifiedAt: Date }> {
    const directory = relativeDirectory === '' ? this.root : this.pathOf(relativeDirectory);
    for await (const entry of openDirectoryIfPresent(directory)) {
      const key = relativeDirectory === '' ? entry.name : `${relativeDirectory}/${entry.name}`;
      // Anything that is not one of our keys (lost+found, editor droppings) is not a blob.
      if (!isSafeKey(key)) continue;
      if (entry.isDirectory()) {
        const folder = `${key}/`;
        if (!isTemporaryKey(folder) && (folder.startsWith(prefix) || prefix.startsWith(folder))) {
          yield* this.walk(key, prefix);
        }
      } else if (entry.isFile() && key.startsWith(prefix) && !isTemporaryKey(key)) {
        const info = await stat(resolveInsideRoot(this.root, key)).catch((error: unknown) => {
          if (isMissing(error)) return null; // deleted while we walked
          throw error;
        });
        if (info) yield { key, modifiedAt: info.mtime };
      }
    }
  }
}

async function* openDirectoryIfPresent(path: string) {
  try {
    yield* await opendir(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A full disk or an exhausted quota is the one failure callers answer differently (507). */
function toStorageError(error: unknown): unknown {
  const code = errorCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT' ? new StorageFullError() : error;
}
