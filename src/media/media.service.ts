import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DataSource, type EntityManager, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../http/errors.js';
import { BLOB_STORE, type BlobStore } from '../storage/blob-store.js';
import type { UploadedMedia } from './blob-storage-engine.js';
import type { ContributorMediaDto } from './dto/contributor-media.dto.js';
import { MediaRepository, type ErasedMedia, type MediaForExport } from './media.repository.js';

/** More files than MAX_FILES_PER_TIP on one tip, whether sent with it or added later. */
export class TooManyFilesError extends DomainError {
  constructor(maxFiles: number, message = `A tip can have at most ${maxFiles} files`) {
    super(HttpStatus.BAD_REQUEST, 'TOO_MANY_FILES', message, { files: [`At most ${maxFiles} files`] });
  }
}

export interface StagedMedia {
  id: string;
  tempKey: string;
  storageKey: string;
}

/** Told the ids of media rows once they have committed in state 'stored' (the jobs module enqueues their processing). */
export type MediaStoredListener = (mediaIds: string[]) => void;

// Where attachToTip notes the media of a transaction still open, for the commit to announce.
const STORED_MEDIA = 'tipdeskStoredMediaIds';

@Injectable()
export class MediaService {
  private readonly storedListeners: MediaStoredListener[] = [];

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    private readonly dataSource: DataSource,
    private readonly repository: MediaRepository,
    private readonly config: AppConfig,
  ) {
    // Every caller of attachToTip commits its own transaction; hearing of the commit here means
    // none of them has to remember to announce new media (and a rollback announces nothing).
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) this.announceStored(takeStoredIds(queryRunner));
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) takeStoredIds(queryRunner);
      },
    };
    dataSource.subscribers.push(subscriber);
  }

  /** Registers a listener for media that has just committed in state 'stored'. */
  onStored(listener: MediaStoredListener): void {
    this.storedListeners.push(listener);
  }

  private announceStored(ids: string[]): void {
    if (ids.length === 0) return;
    for (const listener of this.storedListeners) listener(ids);
  }

  /** A tip's files for its contributor's access export: their facts, and how to stream each one's bytes. */
  async forAccessExport(tipId: string): Promise<(Omit<MediaForExport, 'storageKey'> & { inStorage: boolean; open(): Promise<Readable> })[]> {
    const files = await this.repository.forAccessExport(tipId);
    return Promise.all(
      files.map(async ({ storageKey, ...file }) => ({
        ...file,
        // Asked before the ZIP starts: a blob that is not there is said so in the list, not found half way.
        inStorage: (await this.store.stat(storageKey)) !== null,
        open: () => this.store.read(storageKey),
      })),
    );
  }

  /** How many files a tip has (call under the tip's row lock when the answer decides an insert). */
  async countForTip(manager: EntityManager, tipId: string): Promise<number> {
    return this.repository.countForTip(manager, tipId);
  }

  /** A tip's files as its contributor sees them, oldest first (by name within one post); `ids` narrows it to some of them. */
  async forContributor(tipId: string, options: { manager?: EntityManager; ids?: string[] } = {}): Promise<ContributorMediaDto[]> {
    // An upload still under way is not theirs to see yet (nor the desk's).
    return this.repository.forContributor(options.manager ?? this.dataSource.manager, tipId, options.ids ?? null);
  }

  /**
   * Inserts media rows for stored files inside the caller's transaction and moves each blob to
   * its final key (durably) before the caller commits: the bytes are visible only once the row
   * is, and a crash in between leaves a blob without a row, which the orphan sweep removes.
   */
  async attachToTip(manager: EntityManager, tipId: string, files: UploadedMedia[]): Promise<StagedMedia[]> {
    const staged: StagedMedia[] = files.map((file) => {
      const id = randomUUID();
      return { id, tempKey: file.tempKey, storageKey: `media/${id}` };
    });
    await this.repository.insertStored(
      manager,
      files.map((file, i) => ({
        id: staged[i].id,
        tipId,
        storageKey: staged[i].storageKey,
        displayFilename: file.displayFilename,
        declaredType: file.declaredType,
        sniffedType: file.sniffedType,
        kind: file.kind,
        sizeBytes: file.size,
        sha256: file.sha256,
        // Scanned after commit by the scan job; null when no scanner is configured.
        scanState: this.config.CLAMAV_HOST ? 'pending' : null,
      })),
    );
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) {
      const pending = (runner.data[STORED_MEDIA] ??= []) as string[];
      pending.push(...staged.map((s) => s.id));
    }
    const committed: StagedMedia[] = [];
    try {
      for (const s of staged) {
        await this.store.commit(s.tempKey, s.storageKey);
        committed.push(s);
      }
    } catch (error) {
      // The caller never learns these final keys: remove them here, so a failed intake leaves no blob.
      await this.discard(committed);
      throw error;
    }
    // Outside a transaction the rows have committed already.
    if (!runner?.isTransactionActive) this.announceStored(staged.map((s) => s.id));
    return staged;
  }

  /** Removes every blob of a failed intake, whether it got as far as its final key or not. */
  async discard(staged: { tempKey: string; storageKey?: string }[]): Promise<void> {
    await Promise.allSettled(staged.flatMap((s) => [s.tempKey, s.storageKey].filter((k): k is string => !!k).map((k) => this.store.delete(k))));
  }

  /** Erasure: the tip's media rows, in the caller's transaction; call deleteBlobs() with the answer after COMMIT. */
  async eraseForTip(manager: EntityManager, tipId: string): Promise<ErasedMedia[]> {
    return this.repository.deleteForTip(manager, tipId);
  }

  /**
   * The SHA-256 of each erased file's poster, read before the blobs go (posters are small JPEGs
   * made by media processing, whose digest no row keeps): what an erasure certificate lists.
   * A poster that cannot be read any more is listed with a null digest.
   */
  async posterDigests(files: readonly ErasedMedia[]): Promise<{ mediaId: string; sha256: string | null }[]> {
    const digests: { mediaId: string; sha256: string | null }[] = [];
    for (const file of files) {
      if (!file.thumbnailKey) continue;
      try {
        const hash = createHash('sha256');
        for await (const chunk of await this.store.read(file.thumbnailKey)) hash.update(chunk as Buffer);
        digests.push({ mediaId: file.id, sha256: hash.digest('hex') });
      } catch {
        digests.push({ mediaId: file.id, sha256: null });
      }
    }
    return digests;
  }

  /**
   * Deletes an erased tip's files and posters. Best effort: a delete that fails leaves a blob no
   * row names, which the orphan sweep (removeOrphanedBlobs) removes on its next run.
   */
  async deleteBlobs(files: readonly ErasedMedia[]): Promise<{ deleted: number; failed: number }> {
    const keys = files.flatMap((f) => [f.storageKey, f.thumbnailKey].filter((k): k is string => !!k));
    const results = await Promise.allSettled(keys.map((key) => this.store.delete(key)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    return { deleted: keys.length - failed, failed };
  }

  /**
   * Committed blobs no row names, older than `olderThan`: media left by a crash between commit
   * and COMMIT, and posters whose row update failed after they were written (the soak found them
   * when PostgreSQL restarted mid-processing).
   */
  async removeOrphanedBlobs(manager: EntityManager, olderThan: Date): Promise<number> {
    let removed = 0;
    const sweeps = [
      { prefix: 'media/', known: (keys: string[]) => this.repository.knownStorageKeys(manager, keys) },
      { prefix: 'thumbnails/', known: (keys: string[]) => this.repository.knownThumbnailKeys(manager, keys) },
    ];
    for (const { prefix, known } of sweeps) {
      let batch: string[] = [];
      const flush = async () => {
        const named = await known(batch);
        for (const key of batch.filter((k) => !named.has(k))) {
          await this.store.delete(key);
          removed++;
        }
        batch = [];
      };
      for await (const { key, modifiedAt } of this.store.list(prefix)) {
        if (modifiedAt >= olderThan) continue;
        batch.push(key);
        if (batch.length >= 500) await flush();
      }
      if (batch.length) await flush();
    }
    return removed;
  }
}

function takeStoredIds(runner: QueryRunner): string[] {
  const ids = (runner.data?.[STORED_MEDIA] ?? []) as string[];
  if (runner.data) delete runner.data[STORED_MEDIA];
  return ids;
}
