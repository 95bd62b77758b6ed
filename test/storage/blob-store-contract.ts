import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, BlobTooLargeError, type BlobStore, type TemporaryBlob } from '../../src/storage/blob-store.js';

export interface BlobStoreHarness {
  store: BlobStore;
  teardown(): Promise<void>;
  /** Temporary blobs as the backend itself sees them, bypassing the store under test. */
  listTemporary(): Promise<string[]>;
  /** Backdates a temporary blob's last-modified time, as if a crash had left it long ago. */
  ageTemporary(tempKey: string, modifiedAt: Date): Promise<void>;
}

const MIB = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** Byte `offset` of every generated test blob: cheap, not periodic at any part size. */
function patternByte(offset: number): number {
  return (offset * 31 + (offset >>> 11) * 7 + (offset >>> 19)) & 0xff;
}

function patternBytes(start: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let index = 0; index < length; index += 1) bytes[index] = patternByte(start + index);
  return bytes;
}

/** `totalBytes` of the pattern as a stream of 64 KiB chunks; never one big buffer. */
function patternStream(totalBytes: number, options: { failAfter?: number; destroyAfter?: number } = {}): Readable {
  let offset = 0;
  const stream = new Readable({
    read() {
      if (options.failAfter !== undefined && offset >= options.failAfter) {
        this.destroy(new Error('the contributor’s connection dropped'));
        return;
      }
      if (options.destroyAfter !== undefined && offset >= options.destroyAfter) {
        this.destroy();
        return;
      }
      if (offset >= totalBytes) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK_BYTES, totalBytes - offset);
      const chunk = patternBytes(offset, length);
      offset += length;
      this.push(chunk);
    },
  });
  return stream;
}

function sha256OfPattern(totalBytes: number): string {
  const hash = createHash('sha256');
  for (let offset = 0; offset < totalBytes; offset += CHUNK_BYTES) {
    hash.update(patternBytes(offset, Math.min(CHUNK_BYTES, totalBytes - offset)));
  }
  return hash.digest('hex');
}

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(stream, async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.length;
    }
  });
  return { sha256: hash.digest('hex'), size };
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(stream, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const uuid = randomUUID;

/**
 * What every BlobStore driver promises, run unchanged against each one, so the app can switch
 * STORAGE_DRIVER without a behaviour changing underneath it.
 */
export function describeBlobStoreContract(name: string, setup: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let harness: BlobStoreHarness;
    let store: BlobStore;

    beforeEach(async () => {
      harness = await setup();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.teardown();
    });

    describe('a 20 MiB video streamed in, committed and read back', () => {
      const totalBytes = 20 * MIB;
      let written: TemporaryBlob;
      let finalKey: string;

      beforeEach(async () => {
        written = await store.writeTemporary(patternStream(totalBytes));
        finalKey = `media/${uuid()}`;
        await store.commit(written.tempKey, finalKey);
      });

      it('reports the SHA-256 and size of exactly the bytes sent', () => {
        expect(written.tempKey).toMatch(/^tmp\/[0-9a-f-]{36}$/);
        expect(written.size).toBe(totalBytes);
        expect(written.sha256).toBe(sha256OfPattern(totalBytes));
      });

      it('reads back the same bytes, and stat gives the size', async () => {
        expect(await sha256Of(await store.read(finalKey))).toEqual({
          sha256: sha256OfPattern(totalBytes),
          size: totalBytes,
        });
        expect(await store.stat(finalKey)).toEqual({ size: totalBytes });
      });

      it('leaves no temporary blob once committed', async () => {
        expect(await harness.listTemporary()).toEqual([]);
        expect(await store.stat(written.tempKey)).toBeNull();
      });

      it('reads a range across an 8 MiB boundary as exactly those bytes', async () => {
        const range = { start: 8 * MIB - 1000, end: 8 * MIB + 2999 };
        const bytes = await bytesOf(await store.read(finalKey, range));
        expect(bytes.equals(patternBytes(range.start, 4000))).toBe(true);
      });

      it('reads a range running past the end as the bytes up to the end', async () => {
        const bytes = await bytesOf(await store.read(finalKey, { start: totalBytes - 10, end: totalBytes + 10 }));
        expect(bytes.equals(patternBytes(totalBytes - 10, 10))).toBe(true);
      });

      it('refuses a range that starts past the end with a RangeError', async () => {
        await expect(store.read(finalKey, { start: totalBytes, end: totalBytes + 10 })).rejects.toThrow(RangeError);
      });

      it('reads the one-byte range 0-0 (a player’s first probe) as exactly one byte', async () => {
        const bytes = await bytesOf(await store.read(finalKey, { start: 0, end: 0 }));
        expect(bytes.equals(patternBytes(0, 1))).toBe(true);
      });

      it('reads the last byte alone', async () => {
        const bytes = await bytesOf(await store.read(finalKey, { start: totalBytes - 1, end: totalBytes - 1 }));
        expect(bytes.equals(patternBytes(totalBytes - 1, 1))).toBe(true);
      });

      it('reads a seek-style run of ranges, each exactly its bytes', async () => {
        for (const [start, end] of [
          [0, 1],
          [0, MIB - 1],
          [15 * MIB, 15 * MIB + 65535],
          [3 * MIB + 7, 3 * MIB + 7],
          [totalBytes - 4096, totalBytes - 1],
        ]) {
          const bytes = await bytesOf(await store.read(finalKey, { start, end }));
          expect(bytes.length).toBe(end - start + 1);
          expect(bytes.equals(patternBytes(start, end - start + 1))).toBe(true);
        }
      });

      it('releases a range stream destroyed part-way (a viewer who stops watching)', async () => {
        const stream = await store.read(finalKey, { start: 0, end: totalBytes - 1 });
        const first: Buffer = await new Promise((resolve, reject) => {
          stream.once('data', resolve);
          stream.once('error', reject);
        });
        expect(first.length).toBeGreaterThan(0);
        const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
        stream.destroy();
        await closed;
        expect(stream.destroyed).toBe(true);
        // The store still serves the blob afterwards.
        expect((await bytesOf(await store.read(finalKey, { start: 5, end: 9 }))).equals(patternBytes(5, 5))).toBe(true);
      });

      it.each([
        ['end before start', { start: 10, end: 9 }],
        ['a negative start', { start: -1, end: 9 }],
        ['a fractional offset', { start: 0.5, end: 9 }],
      ])('refuses %s with a RangeError', async (_what, range) => {
        await expect(store.read(finalKey, range)).rejects.toThrow(RangeError);
      });
    });

    it('answers a range read of a missing blob with BlobNotFoundError', async () => {
      const key = `media/${uuid()}`;
      await expect(store.read(key, { start: 0, end: 9 })).rejects.toEqual(new BlobNotFoundError(key));
    });

    it('accepts an empty blob', async () => {
      const written = await store.writeTemporary(Readable.from([]));
      expect(written.size).toBe(0);
      expect(written.sha256).toBe(createHash('sha256').digest('hex'));
      const key = `media/${uuid()}`;
      await store.commit(written.tempKey, key);
      expect(await store.stat(key)).toEqual({ size: 0 });
    });

    it('accepts a stream of exactly maxBytes', async () => {
      const written = await store.writeTemporary(patternStream(MIB), { maxBytes: MIB });
      expect(written.size).toBe(MIB);
      await store.delete(written.tempKey);
    });

    it('rejects a small stream over maxBytes with BlobTooLargeError and leaves nothing', async () => {
      const source = patternStream(3 * MIB);
      await expect(store.writeTemporary(source, { maxBytes: MIB })).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(source.destroyed).toBe(true);
      expect(await harness.listTemporary()).toEqual([]);
    });

    it('rejects a stream that outgrows maxBytes after whole parts were sent, and leaves nothing', async () => {
      await expect(store.writeTemporary(patternStream(20 * MIB), { maxBytes: 9 * MIB })).rejects.toThrow(BlobTooLargeError);
      expect(await harness.listTemporary()).toEqual([]);
    });

    it('rejects with the source’s own error when the source fails mid-way, and leaves nothing', async () => {
      await expect(store.writeTemporary(patternStream(20 * MIB, { failAfter: 10 * MIB }))).rejects.toThrow('the contributor’s connection dropped');
      expect(await harness.listTemporary()).toEqual([]);
    });

    it('rejects when the source is destroyed mid-way without an error, and leaves nothing', async () => {
      await expect(store.writeTemporary(patternStream(20 * MIB, { destroyAfter: 2 * MIB }))).rejects.toThrow(/premature close/i);
      expect(await harness.listTemporary()).toEqual([]);
    });

    it('abandons a temporary blob with delete', async () => {
      const written = await store.writeTemporary(patternStream(1000));
      expect(await harness.listTemporary()).toEqual([written.tempKey]);
      await store.delete(written.tempKey);
      expect(await harness.listTemporary()).toEqual([]);
    });

    it('deletes a committed blob', async () => {
      const written = await store.writeTemporary(patternStream(1000));
      const key = `thumbnails/${uuid()}.jpg`;
      await store.commit(written.tempKey, key);
      await store.delete(key);
      expect(await store.stat(key)).toBeNull();
    });

    it('treats deleting a missing blob as done', async () => {
      await expect(store.delete(`media/${uuid()}`)).resolves.toBeUndefined();
    });

    it('gives the path of a committed blob on local disk (exactly its bytes), or null for a store elsewhere', async () => {
      const bytes = Buffer.from('a poster frame, say');
      const written = await store.writeTemporary(Readable.from([bytes]));
      const key = `media/${uuid()}`;
      await store.commit(written.tempKey, key);
      const path = await store.localPath(key);
      if (store.driver === 'local') expect(await readFile(path!)).toEqual(bytes);
      else expect(path).toBeNull();
    });

    it('answers localPath of a missing blob with BlobNotFoundError on local disk, null elsewhere', async () => {
      const key = `media/${uuid()}`;
      if (store.driver === 'local') await expect(store.localPath(key)).rejects.toEqual(new BlobNotFoundError(key));
      else expect(await store.localPath(key)).toBeNull();
    });

    it('answers read of a missing blob with BlobNotFoundError', async () => {
      const key = `media/${uuid()}`;
      await expect(store.read(key)).rejects.toEqual(new BlobNotFoundError(key));
    });

    it('answers commit of a missing temporary blob with BlobNotFoundError', async () => {
      const tempKey = `tmp/${uuid()}`;
      await expect(store.commit(tempKey, `media/${uuid()}`)).rejects.toEqual(new BlobNotFoundError(tempKey));
    });

    it('refuses to commit from outside tmp/ or into tmp/', async () => {
      await expect(store.commit(`media/${uuid()}`, `media/${uuid()}`)).rejects.toThrow(/Not a temporary/);
      await expect(store.commit(`tmp/${uuid()}`, `tmp/${uuid()}`)).rejects.toThrow(/may not be temporary/);
    });

    it('answers stat of a missing blob with null', async () => {
      expect(await store.stat(`media/${uuid()}`)).toBeNull();
    });

    it('lists committed blobs under a prefix, with when they were written, and never temporary ones', async () => {
      const before = Date.now() - 5000;
      const media = `media/${uuid()}`;
      const thumbnail = `thumbnails/${uuid()}.jpg`;
      for (const key of [media, thumbnail]) {
        const written = await store.writeTemporary(patternStream(100));
        await store.commit(written.tempKey, key);
      }
      const pending = await store.writeTemporary(patternStream(100));

      const everything = await collect(store.list(''));
      expect(everything.map((entry) => entry.key).sort()).toEqual([media, thumbnail].sort());
      expect(everything.map((entry) => entry.key)).not.toContain(pending.tempKey);
      for (const entry of everything) {
        // Not toBeInstanceOf(Date): node:fs builds its Dates outside Jest's sandbox realm.
        expect(entry.modifiedAt.getTime()).toBeGreaterThan(before);
        expect(entry.modifiedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      }
      expect((await collect(store.list('media/'))).map((entry) => entry.key)).toEqual([media]);
      expect((await collect(store.list('thumb'))).map((entry) => entry.key)).toEqual([thumbnail]);
      expect(await collect(store.list('tmp/'))).toEqual([]);
      expect(await collect(store.list('nothing-here/'))).toEqual([]);
    });

    it('sweeps temporary blobs older than the cut-off and keeps fresh ones and committed ones', async () => {
      const stale = await store.writeTemporary(patternStream(100));
      const fresh = await store.writeTemporary(patternStream(100));
      const committed = await store.writeTemporary(patternStream(100));
      const finalKey = `media/${uuid()}`;
      await store.commit(committed.tempKey, finalKey);
      await harness.ageTemporary(stale.tempKey, new Date(Date.now() - 3 * 24 * 3600 * 1000));

      expect(await store.sweepTemporary(new Date(Date.now() - 24 * 3600 * 1000))).toBe(1);
      expect(await harness.listTemporary()).toEqual([fresh.tempKey]);
      expect(await store.stat(finalKey)).toEqual({ size: 100 });
    });

    it('passes its health check', async () => {
      await expect(store.check()).resolves.toBeUndefined();
      expect(await harness.listTemporary()).toEqual([]);
    });

    it.each(['../etc/passwd', '/abs', 'media/../../x', 'media//x', '', 'media/x/', 'tmp/..'])('refuses the unsafe key %j everywhere', async (key) => {
      const refusal = /Unsafe blob key/;
      await expect(store.read(key)).rejects.toThrow(refusal);
      await expect(store.stat(key)).rejects.toThrow(refusal);
      await expect(store.localPath(key)).rejects.toThrow(refusal);
      await expect(store.delete(key)).rejects.toThrow(refusal);
      await expect(store.commit(key, `media/${uuid()}`)).rejects.toThrow(refusal);
      await expect(store.commit(`tmp/${uuid()}`, key)).rejects.toThrow(refusal);
    });

    it.each(['../', '/media/', 'media/../'])('refuses to list the unsafe prefix %j', async (prefix) => {
      await expect(collect(store.list(prefix))).rejects.toThrow(/Unsafe blob prefix/);
    });
  });
}
