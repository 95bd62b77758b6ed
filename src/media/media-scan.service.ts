import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORE, BlobNotFoundError, type BlobStore } from '../storage/blob-store.js';
import { VIRUS_SCANNER, type VirusScanner } from './clamd-scanner.js';
import { MediaRepository } from './media.repository.js';

export type ScanOutcome = 'clean' | 'infected' | 'not_scanned' | 'skipped';

/** What the desk is told about a file clamd could not take. */
export const TOO_LARGE_NOTE = 'too large';

/**
 * The virus scan of each stored file (while CLAMAV_HOST is set). A verdict is only ever added to
 * the row: an infected file is quarantined (kept for evidence, never served) and a scanner that
 * fails leaves the row 'pending' and the bytes as they were, for the job to try again.
 */
@Injectable()
export class MediaScanService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: MediaRepository,
    private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    private readonly audit: AuditService,
    @Optional() @Inject(VIRUS_SCANNER) private readonly scanner: VirusScanner | null,
  ) {}

  get enabled(): boolean {
    return !!this.config.CLAMAV_HOST && !!this.scanner;
  }

  /** Media still waiting for its scan, committed before `before` (for the sweep that catches a lost enqueue). */
  async pendingBefore(before: Date, limit = 500): Promise<string[]> {
    return this.repository.pendingScanBefore(before, limit);
  }

  /** Scans one file and records the verdict; throws (VirusScanError or a storage error) when there is none. */
  async scan(mediaId: string): Promise<ScanOutcome> {
    const media = await this.repository.scanTarget(mediaId);
    // Gone with its tip, or scanned by another process already.
    if (!media || media.scanState !== 'pending' || !this.scanner) return 'skipped';
    // Not worth sending: clamd would refuse it (and cannot scan past 2 GiB at all).
    if (media.sizeBytes > this.config.CLAMAV_MAX_BYTES) return this.record(media.id, 'not_scanned', null, TOO_LARGE_NOTE);
    let source: Readable;
    try {
      source = await this.store.read(media.storageKey);
    } catch (error) {
      // Deleted with its tip since the row was read: nothing left to scan.
      if (error instanceof BlobNotFoundError && !(await this.repository.isScanPending(media.id))) return 'skipped';
      throw error;
    }
    const verdict = await this.scanner.scan(source);
    if (verdict.result === 'too_large') return this.record(media.id, 'not_scanned', null, TOO_LARGE_NOTE);
    if (verdict.result === 'infected') return this.record(media.id, 'infected', verdict.signature, null);
    return this.record(media.id, 'clean', null, null);
  }

  /** The last try failed: the row stays 'pending' (the file is served as before); the note says why. */
  async noteFailure(mediaId: string, code: string): Promise<void> {
    await this.repository.noteScanFailure(mediaId, code.slice(0, 200));
  }

  private async record(mediaId: string, state: 'clean' | 'infected' | 'not_scanned', signature: string | null, note: string | null): Promise<ScanOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const tipId = await this.repository.recordScanVerdict(manager, mediaId, state, signature, note);
      if (tipId === undefined) return 'skipped';
      if (state === 'infected') {
        // On the tip, so its history shows when and why one of its files stopped being served.
        await this.audit.record(manager, {
          actorType: 'system',
          action: 'tip.media_quarantined',
          entityType: 'tip',
          entityId: tipId,
          after: { mediaId, signature },
        });
      }
      return state;
    });
  }
}
