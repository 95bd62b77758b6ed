import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { MediaKind } from '../media/media.entities.js';

/** A finished upload, ready to be copied into the BlobStore for a tip. */
export interface FinishedUpload {
  id: string;
  sizeBytes: number;
  sha256: string;
  sniffedType: string;
  kind: MediaKind;
  displayFilename: string;
}

interface FinishedUploadRow {
  id: string;
  size_bytes: string;
  sha256: string;
  sniffed_type: string;
  kind: MediaKind;
  display_filename: string;
}

const toFinishedUpload = (r: FinishedUploadRow): FinishedUpload => ({
  id: r.id,
  sizeBytes: Number(r.size_bytes),
  sha256: r.sha256,
  sniffedType: r.sniffed_type,
  kind: r.kind,
  displayFilename: r.display_filename,
});

const SAMPLE_DATE = new Date('2026-01-01T00:00:00Z');

/** uploads: one row per resumable (tus) upload, from creation until a day after it joined a tip (or it expired). */
@Injectable()
@SqlRepository(import.meta.url)
export class UploadsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A new upload; its row expires with the tus upload after `expiryHours`. */
  @GenerateSql({ params: [{ id: SQL_ID, sizeBytes: 1024, displayFilename: 'clip.mp4', storageLocation: `tus/${SQL_ID}`, expiryHours: 24 }] })
  async insertCreated(upload: { id: string; sizeBytes: number; displayFilename: string; storageLocation: string; expiryHours: number }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO uploads (id, size_bytes, display_filename, storage_location, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))`,
      [upload.id, upload.sizeBytes, upload.displayFilename, upload.storageLocation, upload.expiryHours],
    );
  }

  /** Deletes a refused upload's row; its display name, when there was one. */
  @GenerateSql({ params: [SQL_ID] })
  async deleteReturningName(id: string): Promise<string | undefined> {
    // TypeORM answers DELETE … RETURNING with [rows, count].
    const [[row]] = await this.dataSource.query<[{ display_filename: string }[], number]>('DELETE FROM uploads WHERE id = $1 RETURNING display_filename', [id]);
    return row?.display_filename;
  }

  /** The last byte arrived: what the upload turned out to be; it now expires `expiryHours` from now. */
  @GenerateSql({ params: [{ id: SQL_ID, sha256: '0'.repeat(64), sniffedType: 'video/mp4', kind: 'video', sizeBytes: 1024, expiryHours: 24 }] })
  async markFinished(upload: { id: string; sha256: string; sniffedType: string; kind: MediaKind; sizeBytes: number; expiryHours: number }): Promise<void> {
    await this.dataSource.query(
      `UPDATE uploads SET sha256 = $2, sniffed_type = $3, kind = $4, size_bytes = $5, finished_at = now(),
              expires_at = now() + make_interval(hours => $6)
        WHERE id = $1`,
      [upload.id, upload.sha256, upload.sniffedType, upload.kind, upload.sizeBytes, upload.expiryHours],
    );
  }

  @GenerateSql({ params: [SQL_ID] })
  async deleteUnfinished(id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM uploads WHERE id = $1 AND finished_at IS NULL', [id]);
  }

  /** Which of `ids` are finished, unattached and unexpired. */
  @GenerateSql({ params: [[SQL_ID, SQL_ID_2]] })
  async findAttachable(ids: string[]): Promise<FinishedUpload[]> {
    const rows = await this.dataSource.query<FinishedUploadRow[]>(
      `SELECT id, size_bytes, sha256, sniffed_type, kind, display_filename FROM uploads
        WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL AND attached_tip_id IS NULL AND expires_at > now()`,
      [ids],
    );
    return rows.map(toFinishedUpload);
  }

  /** Marks attachable uploads as attached to `tipId` in the caller's transaction (compare-and-set); the ids it marked. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, [SQL_ID_2]] })
  async markAttached(manager: EntityManager, tipId: string, ids: string[]): Promise<string[]> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE uploads SET attached_tip_id = $1, attached_at = now()
        WHERE id = ANY($2::uuid[]) AND finished_at IS NOT NULL AND attached_tip_id IS NULL AND expires_at > now()
        RETURNING id`,
      [tipId, ids],
    );
    return rows.map((r) => r.id);
  }

  /** Unattached uploads past their expiry, and attached ones whose row was kept until `attachedBefore`: up to 1000, soonest expired first. */
  @GenerateSql({ params: [SAMPLE_DATE, SAMPLE_DATE] })
  async sweepable(now: Date, attachedBefore: Date): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM uploads
        WHERE (attached_tip_id IS NULL AND expires_at < $1) OR (attached_tip_id IS NOT NULL AND attached_at < $2)
        ORDER BY expires_at LIMIT 1000`,
      [now, attachedBefore],
    );
    return rows.map((r) => r.id);
  }

  @GenerateSql({ params: [SQL_ID] })
  async delete(id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM uploads WHERE id = $1', [id]);
  }
}
