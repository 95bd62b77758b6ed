import { Injectable } from '@nestjs/common';
import { statfs } from 'node:fs/promises';
import { AppConfig } from '../config/app-config.js';
import { StorageReserveReachedError } from './blob-store.js';

/** Free space is read at most this often: a flood of posts must not turn into a flood of statfs calls. */
const FREE_SPACE_TTL_MS = 2_000;

/**
 * Keeps STORAGE_MIN_FREE_BYTES free on the disk under DATA_DIR: below it a new upload (a tus
 * creation, a form's first file) is refused with 507, while uploads already under way finish and
 * stories without files still arrive. Without it, anyone could fill the disk that also holds
 * the uploads in progress (and, with the embedded server, the database). S3 has no disk to watch.
 */
@Injectable()
export class StorageReserve {
  private cached?: { at: number; freeBytes: number };

  constructor(private readonly config: AppConfig) {}

  /** Throws StorageReserveReachedError (507 at the HTTP edge) when a new upload would eat into the reserve. */
  async assertRoomForNewUpload(): Promise<void> {
    if (this.config.STORAGE_DRIVER === 's3' || this.config.STORAGE_MIN_FREE_BYTES === 0) return;
    if ((await this.freeBytes()) < this.config.STORAGE_MIN_FREE_BYTES) throw new StorageReserveReachedError();
  }

  private async freeBytes(): Promise<number> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < FREE_SPACE_TTL_MS) return this.cached.freeBytes;
    const stats = await statfs(this.config.dataDir);
    // bavail, not bfree: what an unprivileged writer may still use.
    this.cached = { at: now, freeBytes: Number(stats.bavail) * Number(stats.bsize) };
    return this.cached.freeBytes;
  }
}
