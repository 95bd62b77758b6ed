import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FileStore } from '@tus/file-store';
import { Upload } from '@tus/utils';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { RunningHashes } from '../../src/uploads/running-hashes.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

// A real tus file store on a temporary directory, its writes hashed by RunningHashes.
describe('RunningHashes (the SHA-256 of a tus upload, computed as it is written)', () => {
  let directory: string;
  let store: FileStore;
  let hashes: RunningHashes;
  const bytes = randomBytes(3 * 1024 * 1024 + 17);

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tipdesk-running-hashes-'));
    store = new FileStore({ directory });
    hashes = new RunningHashes();
    hashes.wrap(store);
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function created(): Promise<string> {
    const id = randomUUID();
    await store.create(new Upload({ id, size: bytes.length, offset: 0 }));
    return id;
  }
  const write = (id: string, from: number, to: number) => store.write(Readable.from([bytes.subarray(from, to)]), id, from);

  it('one write of everything: the digest of the bytes', async () => {
    const id = await created();
    expect(await write(id, 0, bytes.length)).toBe(bytes.length);
    expect(hashes.take(id, bytes.length)).toBe(sha256(bytes));
    expect(hashes.take(id, bytes.length)).toBeNull(); // taken once
  });

  it('several writes in order (chunks): the digest of the whole', async () => {
    const id = await created();
    const cuts = [0, 1_000_000, 2_500_000, bytes.length];
    for (let i = 0; i + 1 < cuts.length; i++) await write(id, cuts[i], cuts[i + 1]);
    expect(hashes.take(id, bytes.length)).toBe(sha256(bytes));
  });

  it('not all the bytes yet: no digest', async () => {
    const id = await created();
    await write(id, 0, 1_000_000);
    expect(hashes.take(id, bytes.length)).toBeNull();
  });

  it('a write from an offset it has not seen (the start went through another process): no digest, so the finish reads the file', async () => {
    const id = await created();
    await store.write(Readable.from([bytes.subarray(0, 1_000_000)]), id, 0);
    hashes.forget(id); // as if that first write had happened elsewhere
    await write(id, 1_000_000, bytes.length);
    expect(hashes.take(id, bytes.length)).toBeNull();
  });

  it('a write whose source fails part-way: no digest (what was stored is not known to match)', async () => {
    const id = await created();
    const failing = new Readable({ read() {} });
    failing.push(bytes.subarray(0, 500_000));
    setImmediate(() => failing.destroy(new Error('connection reset')));
    await expect(store.write(failing, id, 0)).rejects.toMatchObject({ status_code: 500 }); // tus's FILE_WRITE_ERROR
    expect(hashes.take(id, 500_000)).toBeNull();
  });

  it('starting again from 0 starts a new hash', async () => {
    const id = await created();
    await store.write(Readable.from([randomBytes(1000)]), id, 0);
    await rm(join(directory, id)); // the bytes replaced from the start, as a client restarting would
    await store.create(new Upload({ id, size: bytes.length, offset: 0 }));
    await write(id, 0, bytes.length);
    expect(hashes.take(id, bytes.length)).toBe(sha256(bytes));
  });
});
