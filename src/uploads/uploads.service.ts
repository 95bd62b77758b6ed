import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../http/errors.js';
import { LOGGER } from '../logging/logger.js';
import { sniffMedia, type UploadedMedia } from '../media/blob-storage-engine.js';
import { sanitiseDisplayFilename } from '../media/media-files.js';
import type { MediaKind } from '../media/media.entities.js';
import { BLOB_STORE, BlobMeter, type BlobStore } from '../storage/blob-store.js';
import { RunningHashes } from './running-hashes.js';
import { TUS_STORE, type TusStore } from './tus-store.js';
import { UploadsRepository } from './uploads.repository.js';

// An attached upload's bytes were copied into the BlobStore; its row is kept this long so a
// second attach of the same id is still answered as already used, then swept with any leftover.
const ATTACHED_ROW_KEPT_MS = 24 * 3600_000;

/** Ids in `uploads` that are unknown, unfinished, expired or already attached to a tip. */
export class UploadNotFoundError extends DomainError {
  constructor(readonly ids: string[]) {
    super(
      HttpStatus.UNPROCESSABLE_ENTITY,
      'UPLOAD_NOT_FOUND',
      `These uploads were not found, are not finished, have expired or are already attached: ${ids.join(', ')}`,
      { uploads: ids.map((id) => `Upload ${id} was not found, is not finished, has expired or is already attached`) },
    );
  }
}

/** A finished upload that is not a video, photo or audio file (its bytes are already gone). */
export class UploadRejectedError extends DomainError {
  constructor(filename: string) {
    super(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', `"${filename}" is not a video, photo or audio file we can accept, so it was deleted`);
  }
}

/** A finished upload's bytes copied into the BlobStore under a temporary key, ready for attachToTip. */
export interface StagedUpload extends UploadedMedia {
  uploadId: string;
}

/**
 * The rules of resumable (tus) uploads: a row from creation, sniffing and hashing when the last
 * byte arrives, attaching to a tip (bytes copied into the BlobStore, row marked in the tip's
 * transaction), and sweeping what expired.
 */
@Injectable()
export class UploadsService {
  private readonly logger: Logger;
  constructor(
    private readonly repository: UploadsRepository,
    private readonly config: AppConfig,
    @Inject(TUS_STORE) private readonly tus: TusStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(LOGGER) logger: Logger,
    private readonly hashes: RunningHashes,
  ) {
    this.logger = logger.child({ component: 'uploads' });
  }

  /** A new upload (before the tus store creates it): its row expires with the tus upload. */
  async recordCreated(id: string, sizeBytes: number, filename: string | null | undefined): Promise<void> {
    await this.repository.insertCreated({
      id,
      sizeBytes,
      displayFilename: sanitiseDisplayFilename(filename ?? undefined),
      storageLocation: this.tus.locationOf(id),
      expiryHours: this.config.UPLOAD_EXPIRY_HOURS,
    });
  }

  /**
   * The last byte has arrived: judge the type from the first bytes, take the SHA-256 hashed on
   * the way in (or, when the upload came through more than one process, hash the stored file),
   * and record it. Anything not video/image/audio is deleted (bytes and row) and refused.
   */
  async finish(id: string, size: number): Promise<{ sha256: string; sniffedType: string; kind: MediaKind }> {
    const hashedOnTheWay = this.hashes.take(id, size);
    const source = await this.tus.read(id);
    const { stream: sniffing, media } = await sniffMedia(source);
    if (!media) {
      sniffing.destroy();
      const filename = await this.repository.deleteReturningName(id);
      await this.tus.remove(id);
      throw new UploadRejectedError(filename ?? 'upload');
    }
    let sha256 = hashedOnTheWay;
    if (sha256) {
      sniffing.destroy();
    } else {
      const meter = new BlobMeter();
      await pipeline(sniffing, meter, new Writable({ write: (_chunk, _encoding, done) => done() }));
      ({ sha256, size } = meter.result());
    }
    await this.repository.markFinished({
      id,
      sha256,
      sniffedType: media.mime,
      kind: media.kind,
      sizeBytes: size,
      expiryHours: this.config.UPLOAD_EXPIRY_HOURS,
    });
    return { sha256, sniffedType: media.mime, kind: media.kind };
  }

  /** The client terminated an unfinished upload (tus DELETE): the store removed the bytes. */
  async forgetTerminated(id: string): Promise<void> {
    this.hashes.forget(id);
    await this.repository.deleteUnfinished(id);
  }

  /**
   * Copies each finished, unattached, unexpired upload into the BlobStore under a temporary key
   * (checking the SHA-256 on the way), ready for MediaService.attachToTip. Throws
   * UploadNotFoundError naming every id that is not such an upload; on any failure the copies
   * made so far are removed.
   */
  async stage(ids: string[]): Promise<StagedUpload[]> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return [];
    const rows = await this.repository.findAttachable(wanted);
    const found = new Set(rows.map((r) => r.id));
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length) throw new UploadNotFoundError(missing);
    const staged: StagedUpload[] = [];
    try {
      for (const row of rows) {
        const blob = await this.blobs.writeTemporary(await this.tus.read(row.id), { maxBytes: this.config.MAX_FILE_BYTES });
        staged.push({
          ...blob,
          uploadId: row.id,
          sniffedType: row.sniffedType,
          kind: row.kind,
          displayFilename: row.displayFilename,
          declaredType: null,
        });
        if (blob.sha256 !== row.sha256 || blob.size !== row.sizeBytes) {
          throw new Error(`Upload ${row.id} changed since it finished (SHA-256 or size differs)`);
        }
      }
      return staged;
    } catch (error) {
      await this.discard(staged);
      throw error;
    }
  }

  /**
   * Marks staged uploads as attached to `tipId` in the caller's transaction (compare-and-set: an
   * upload attached meanwhile by another request fails this one with UploadNotFoundError).
   */
  async markAttached(manager: EntityManager, tipId: string, ids: string[]): Promise<void> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return;
    const marked = await this.repository.markAttached(manager, tipId, wanted);
    if (marked.length !== wanted.length) {
      const done = new Set(marked);
      throw new UploadNotFoundError(wanted.filter((id) => !done.has(id)));
    }
  }

  /** After the tip's transaction committed: the tus copies are no longer needed (a failure here is swept later). */
  async releaseAttached(ids: string[]): Promise<void> {
    for (const id of new Set(ids)) {
      await this.tus.remove(id).catch((error) => this.logger.warn({ err: error, uploadId: id }, 'could not remove an attached upload; the sweep will'));
    }
  }

  /** Removes the temporary copies of a failed attach. */
  async discard(staged: { tempKey: string }[]): Promise<void> {
    await Promise.allSettled(staged.map((s) => this.blobs.delete(s.tempKey)));
  }

  /**
   * Unfinished uploads past their expiry, finished ones never attached within their TTL, and
   * attached ones' leftovers after a day: bytes first, then the row (a crash in between leaves a
   * row the next sweep finishes).
   */
  async sweep(now = new Date()): Promise<number> {
    const ids = await this.repository.sweepable(now, new Date(now.getTime() - ATTACHED_ROW_KEPT_MS));
    let removed = 0;
    for (const id of ids) {
      try {
        await this.tus.remove(id);
      } catch (error) {
        // One upload the store cannot remove now (S3 unreachable, a permission) does not keep
        // the others: its row stays for the next sweep.
        this.logger.warn({ err: error, uploadId: id }, 'could not remove an expired upload; the next sweep will try again');
        continue;
      }
      await this.repository.delete(id);
      removed += 1;
    }
    return removed;
  }
}
