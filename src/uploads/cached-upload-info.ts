import type { KvStore, Upload } from '@tus/utils';

// Uploads whose info this process keeps; past that the least recently used is dropped (read again from disk).
const MAX_CACHED = 10_000;

/**
 * tus's record of each upload (size, metadata, creation date) kept in memory in front of the file
 * store's `<id>.json`, so a chunk does not read and parse it again: every PATCH and HEAD asks for
 * it. Safe because tipdesk never changes it after creation (no creation-defer-length: the size is
 * fixed then), and the offset is not in it (the file store takes the data file's size). An entry
 * another process has deleted meanwhile is caught by the data file being gone (see tus-store.ts).
 */
export class CachedUploadInfo implements KvStore<Upload> {
  private readonly cache = new Map<string, Upload>();

  constructor(private readonly store: KvStore<Upload>) {}

  async get(key: string): Promise<Upload | undefined> {
    const cached = this.cache.get(key);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const value = await this.store.get(key);
    if (value) this.remember(key, value);
    return value;
  }

  async set(key: string, value: Upload): Promise<void> {
    await this.store.set(key, value);
    this.remember(key, value);
  }

  async delete(key: string): Promise<void> {
    this.cache.delete(key);
    await this.store.delete(key);
  }

  list(): Promise<string[]> {
    if (!this.store.list) throw new Error('the info store cannot list');
    return this.store.list();
  }

  /** Drops a cached entry; true when there was one. */
  forget(key: string): boolean {
    return this.cache.delete(key);
  }

  private remember(key: string, value: Upload): void {
    this.cache.delete(key);
    this.cache.set(key, value);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
  }
}
