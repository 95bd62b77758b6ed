import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { LocalBlobStore, resolveInsideRoot } from '../../src/storage/local-blob-store.js';
import { describeBlobStoreContract } from './blob-store-contract.js';

async function temporaryFilesIn(root: string): Promise<string[]> {
  const names = await readdir(join(root, 'tmp')).catch(() => []);
  return names.map((name) => `tmp/${name}`);
}

describeBlobStoreContract('local disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tipdesk-blobs-'));
  return {
    store: new LocalBlobStore(root),
    teardown: () => rm(root, { recursive: true, force: true }),
    listTemporary: () => temporaryFilesIn(root),
    ageTemporary: (tempKey, modifiedAt) => utimes(join(root, tempKey), modifiedAt, modifiedAt),
  };
});

describe('LocalBlobStore on disk', () => {
  let root: string;
  let store: LocalBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tipdesk-blobs-'));
    store = new LocalBlobStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts a committed blob at <root>/<key> with exactly the bytes written', async () => {
    const bytes = Buffer.from('a clip of the flood on the high street');
    const written = await store.writeTemporary(Readable.from([bytes]));
    const key = `media/${randomUUID()}`;
    await store.commit(written.tempKey, key);

    expect((await readFile(join(root, key))).equals(bytes)).toBe(true);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('lists nothing that is not one of its keys, such as lost+found', async () => {
    await mkdir(join(root, 'lost+found'));
    await writeFile(join(root, 'lost+found', '#1234'), 'fsck leftovers');
    await writeFile(join(root, '.DS_Store'), '');
    const written = await store.writeTemporary(Readable.from([Buffer.from('x')]));
    await store.commit(written.tempKey, 'media/clip');

    const keys: string[] = [];
    for await (const entry of store.list('')) keys.push(entry.key);
    expect(keys).toEqual(['media/clip']);
  });

  it('closes the file when a range stream is destroyed part-way, and when one is read to the end', async () => {
    const key = `media/${randomUUID()}`;
    const written = await store.writeTemporary(Readable.from([Buffer.alloc(4 * 1024 * 1024, 7)]));
    await store.commit(written.tempKey, key);
    const path = join(root, key);
    const openHandlesTo = async () => {
      const links = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
      return links.filter((link) => link === path).length;
    };

    const stream = await store.read(key, { start: 10, end: 4 * 1024 * 1024 - 1 });
    // Paused after the first chunk: a flowing stream could read to the end and close by itself
    // before destroy(), and then its 'close' would never come.
    await new Promise<void>((resolve) => stream.once('data', () => (stream.pause(), resolve())));
    expect(await openHandlesTo()).toBe(1);
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy();
    await closed;
    expect(await openHandlesTo()).toBe(0);

    const whole = await store.read(key);
    for await (const _chunk of whole) void _chunk;
    expect(await openHandlesTo()).toBe(0);
  });

  it('works from a relative root', async () => {
    const relativeStore = new LocalBlobStore(relative(process.cwd(), join(root, 'blobs')));
    const written = await relativeStore.writeTemporary(Readable.from([Buffer.from('x')]));
    await relativeStore.commit(written.tempKey, 'media/clip');
    expect(await readFile(join(root, 'blobs', 'media', 'clip'), 'utf8')).toBe('x');
  });

  describe('resolveInsideRoot, the second check behind assertSafeKey', () => {
    it.each([
      ['media/clip', '/srv/blobs/media/clip'],
      ['tmp/abc', '/srv/blobs/tmp/abc'],
    ])('resolves %j inside the root', (key, expected) => {
      expect(resolveInsideRoot('/srv/blobs', key)).toBe(expected);
      expect(resolveInsideRoot('/srv/blobs/', key)).toBe(expected);
    });

    it.each([
      ['a parent directory', '../etc/passwd'],
      ['an absolute path', '/etc/passwd'],
      ['a climb out from inside', 'media/../../etc/passwd'],
      ['a sibling directory sharing the root’s name as a prefix', '../blobs-evil/x'],
    ])('refuses %s', (_what, key) => {
      expect(() => resolveInsideRoot('/srv/blobs', key)).toThrow(/escapes the storage root/);
    });
  });
});
