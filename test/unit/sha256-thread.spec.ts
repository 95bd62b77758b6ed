// SHA-256 on the hashing thread (storage/sha256-thread.ts): the same digests as node:crypto on the
// main thread, however the bytes are cut, and a bounded number of bytes waiting for the thread.
import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobMeter, BlobTooLargeError } from '../../src/storage/blob-store.js';
import { Sha256Thread } from '../../src/storage/sha256-thread.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Feeds `bytes` in `chunkSize` pieces as a well-behaved caller does: waiting whenever update() asks. */
async function hashOnThread(bytes: Uint8Array, chunkSize: number, seen: { maxInFlight: number } = { maxInFlight: 0 }): Promise<string> {
  const hash = Sha256Thread.shared().hash();
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    const wait = hash.update(bytes.subarray(offset, offset + chunkSize));
    seen.maxInFlight = Math.max(seen.maxInFlight, hash.bytesInFlight);
    if (wait) await wait;
  }
  return hash.digest();
}

describe('SHA-256 on the hashing thread', () => {
  const data = randomBytes(5 * MiB + 12_345);

  it.each([1000, 64 * 1024, MiB - 1, MiB, MiB + 1, 3 * MiB, 8 * MiB])('matches node:crypto with %d-byte chunks', async (chunkSize) => {
    expect(await hashOnThread(data, chunkSize)).toBe(sha256(data));
  });

  it('matches node:crypto a byte at a time across a batch boundary', async () => {
    const small = data.subarray(0, MiB + 300);
    expect(await hashOnThread(small, 1)).toBe(sha256(small));
  });

  it('hashes nothing as the digest of no bytes', async () => {
    expect(await Sha256Thread.shared().hash().digest()).toBe(sha256(new Uint8Array()));
  });

  it('keeps eight hashes at once apart', async () => {
    const inputs = Array.from({ length: 8 }, (_, i) => randomBytes(3 * MiB + i));
    const digests = await Promise.all(inputs.map((input, i) => hashOnThread(input, 64 * 1024 + i)));
    expect(digests).toEqual(inputs.map(sha256));
  });

  it('never holds more than 4 MiB per hash waiting for the thread, even with eight hashes keeping it busy', async () => {
    const seen = { maxInFlight: 0 };
    const inputs = Array.from({ length: 8 }, () => randomBytes(8 * MiB));
    await Promise.all(inputs.map((input) => hashOnThread(input, 64 * 1024, seen)));
    expect(seen.maxInFlight).toBeGreaterThan(0);
    expect(seen.maxInFlight).toBeLessThanOrEqual(4 * MiB);
  });
});

describe('BlobMeter', () => {
  it('counts and hashes what streams through it, behind a slow disk too, with memory bounded by the stream', async () => {
    const data = randomBytes(6 * MiB);
    const meter = new BlobMeter();
    let written = 0;
    const slowDisk = new Writable({
      highWaterMark: 256 * 1024,
      write(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        setTimeout(done, 1);
      },
    });
    const chunks = function* () {
      for (let offset = 0; offset < data.length; offset += 64 * 1024) yield data.subarray(offset, offset + 64 * 1024);
    };
    await pipeline(Readable.from(chunks()), meter, slowDisk);
    expect(written).toBe(data.length);
    expect(meter.result()).toEqual({ size: data.length, sha256: sha256(data) });
  });

  it('fails with BlobTooLargeError past its limit, and its hash is let go', async () => {
    const meter = new BlobMeter(MiB);
    await expect(pipeline(Readable.from([randomBytes(MiB), randomBytes(10)]), meter, new Writable({ write: (_c, _e, done) => done() }))).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    expect(() => meter.result()).toThrow(/before the stream finished/);
  });
});
