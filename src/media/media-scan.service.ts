import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { BLOB_STORE, BlobNotFoundError, type BlobStore } from '../storage/blob-store.js';
import { VIRUS_SCANNER, type VirusScanner } from './clamd-scanner.js';

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
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM media WHERE scan_state = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Scans one file and records the verdict; throws (VirusScanError or a storage error) when there is none. */
  async scan(mediaId: string): Promise<ScanOutcome> {
    const [media]: { id: string; storage_key: string; size_bytes: string; scan_state: string | null }[] = await this.dataSource.query(
      `SELECT id, storage_key, size_bytes, scan_state FROM media WHERE id = $1`,
      [mediaId],
    );
    // Gone with its tip, or scanned by another process already.
    if (!media || media.scan_state !== 'pending' || !this.scanner) return 'skipped';
    // Not worth sending: clamd would refuse it (and cannot scan past 2 GiB at all).
    if (Number(media.size_bytes) > this.config.CLAMAV_MAX_BYTES) return this.record(media.id, 'not_scanned', null, TOO_LARGE_NOTE);
    let source: Readable;
    try {
      source = await this.store.read(media.storage_key);
    } catch (error) {
      // Deleted with its tip since the row was read: nothing left to scan.
      if (error instanceof BlobNotFoundError && !(await this.stillPending(media.id))) return 'skipped';
      throw error;
    }
    const verdict = await this.scanner.scan(source);
    if (verdict.result === 'too_large') return this.record(media.id, 'not_scanned', null, TOO_LARGE_NOTE);
    if (verdict.result === 'infected') return this.record(media.id, 'infected', verdict.signature, null);
    return this.record(media.id, 'clean', null, null);
  }

  private async stillPending(mediaId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM media WHERE id = $1 AND scan_state = 'pending'`, [mediaId]);
    return rows.length > 0;
  }

  /** The last try failed: the row stays 'pending' (the file is served as before); the note says why. */
  async noteFailure(mediaId: string, code: string): Promise<void> {
    await this.dataSource.query(`UPDATE media SET scan_note = $2 WHERE id = $1 AND scan_state = 'pending'`, [mediaId, code.slice(0, 200)]);
  }

  private async record(mediaId: string, state: 'clean' | 'infected' | 'not_scanned', signature: string | null, note: string | null): Promise<ScanOutcome> {
    return this.dataSource.transaction(async (manager) => {
      // TypeORM answers an UPDATE with [rows, count].
      const [rows]: [{ tip_id: string }[], number] = await manager.query(
        `UPDATE media SET scan_state = $2, scan_signature = $3, scan_note = $4, scanned_at = now()
          WHERE id = $1 AND scan_state = 'pending' RETURNING tip_id`,
        [mediaId, state, signature, note],
      );
      if (rows.length === 0) return 'skipped';
      if (state === 'infected') {
        // On the tip, so its history shows when and why one of its files stopped being served.
        await this.audit.record(manager, {
          actorType: 'system',
          action: 'tip.media_quarantined',
          entityType: 'tip',
          entityId: rows[0].tip_id,
          after: { mediaId, signature },
        });
      }
      return state;
    });
  }
}
