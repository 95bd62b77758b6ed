import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { ContributorMediaDto } from './dto/contributor-media.dto.js';
import type { MediaKind, MediaScanState, MediaState } from './media.entities.js';
import type { MediaProbe } from './media-probe.js';

/** A file as the content endpoint serves it. */
export interface ServedMedia {
  id: string;
  storageKey: string;
  displayFilename: string;
  sniffedType: string;
  sizeBytes: number;
  sha256: string;
  state: MediaState;
  thumbnailKey: string | null;
  scanState: MediaScanState | null;
  scanSignature: string | null;
  /** Why the last scan failed (the row stays 'pending'), or why a file was not scanned. */
  scanNote: string | null;
}

/** A file as the access export lists and streams it. */
export interface MediaForExport {
  id: string;
  filename: string;
  type: string;
  kind: MediaKind;
  size: number;
  sha256: string;
  state: MediaState;
  storageKey: string;
  addedAt: string;
}

/** A stored file's row as intake writes it (state 'stored'). */
/** A file an erasure removed: its row is gone, its blobs go after COMMIT. */
export interface ErasedMedia {
  id: string;
  kind: MediaKind;
  storageKey: string;
  thumbnailKey: string | null;
  sha256: string;
  sizeBytes: number;
}

export interface NewMedia {
  id: string;
  tipId: string;
  storageKey: string;
  displayFilename: string;
  declaredType: string | null;
  sniffedType: string;
  kind: MediaKind;
  sizeBytes: number;
  sha256: string;
  /** 'pending' while a scanner is configured, else null (never asked for). */
  scanState: 'pending' | null;
}

interface ServedMediaRow {
  id: string;
  storage_key: string;
  display_filename: string;
  sniffed_type: string;
  size_bytes: string;
  sha256: string;
  state: MediaState;
  thumbnail_key: string | null;
  scan_state: MediaScanState | null;
  scan_signature: string | null;
  scan_note: string | null;
}

const toServedMedia = (r: ServedMediaRow): ServedMedia => ({
  id: r.id,
  storageKey: r.storage_key,
  displayFilename: r.display_filename,
  sniffedType: r.sniffed_type,
  sizeBytes: Number(r.size_bytes),
  sha256: r.sha256,
  state: r.state,
  thumbnailKey: r.thumbnail_key,
  scanState: r.scan_state,
  scanSignature: r.scan_signature,
  scanNote: r.scan_note,
});

const SAMPLE_DATE = new Date('2026-01-01T00:00:00Z');

/** media: one row per stored file of a tip, with what processing and the virus scan learnt about it. */
@Injectable()
@SqlRepository(import.meta.url)
export class MediaRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** How many files a tip has (under the tip's row lock when the answer decides an insert). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async countForTip(manager: EntityManager, tipId: string): Promise<number> {
    const [{ n }] = await manager.query<{ n: number }[]>('SELECT count(*)::int AS n FROM media WHERE tip_id = $1', [tipId]);
    return n;
  }

  /** A tip's files as its contributor sees them (an upload still under way is nobody's yet); `ids` narrows it. */
  @GenerateSql(
    { name: 'forContributor (all)', params: [SQL_MANAGER, SQL_ID, null] },
    { name: 'forContributor (some)', params: [SQL_MANAGER, SQL_ID, [SQL_ID_2]] },
  )
  async forContributor(manager: EntityManager, tipId: string, ids: string[] | null): Promise<ContributorMediaDto[]> {
    const rows = await manager.query<{ id: string; display_filename: string; size_bytes: string; kind: MediaKind; created_at: Date }[]>(
      `SELECT id, display_filename, size_bytes, kind, created_at FROM media
        WHERE tip_id = $1 AND state <> 'uploading' AND ($2::uuid[] IS NULL OR id = ANY($2))
        ORDER BY created_at, display_filename, id`,
      [tipId, ids],
    );
    return rows.map((m) => ({ id: m.id, filename: m.display_filename, size: Number(m.size_bytes), kind: m.kind, addedAt: m.created_at.toISOString() }));
  }

  /** A tip's files with where their bytes are, for the contributor's access export (privacy/). */
  @GenerateSql({ params: [SQL_ID] })
  async forAccessExport(tipId: string): Promise<MediaForExport[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        display_filename: string;
        sniffed_type: string;
        kind: MediaKind;
        size_bytes: string;
        sha256: string;
        state: MediaState;
        storage_key: string;
        created_at: Date;
      }[]
    >(
      `SELECT id, display_filename, sniffed_type, kind, size_bytes, sha256, state, storage_key, created_at FROM media
        WHERE tip_id = $1 AND state <> 'uploading'
        ORDER BY created_at, display_filename, id`,
      [tipId],
    );
    return rows.map((m) => ({
      id: m.id,
      filename: m.display_filename,
      type: m.sniffed_type,
      kind: m.kind,
      size: Number(m.size_bytes),
      sha256: m.sha256,
      state: m.state,
      storageKey: m.storage_key,
      addedAt: m.created_at.toISOString(),
    }));
  }

  /** Rows for stored files, in the caller's transaction. */
  @GenerateSql({
    params: [
      SQL_MANAGER,
      [
        {
          id: SQL_ID,
          tipId: SQL_ID_2,
          storageKey: `media/${SQL_ID}`,
          displayFilename: 'clip.mp4',
          declaredType: 'video/mp4',
          sniffedType: 'video/mp4',
          kind: 'video',
          sizeBytes: 1024,
          sha256: '0'.repeat(64),
          scanState: null,
        },
      ],
    ],
  })
  async insertStored(manager: EntityManager, files: NewMedia[]): Promise<void> {
    if (files.length === 0) return;
    await manager.query(
      `INSERT INTO media (id, tip_id, storage_key, display_filename, declared_type, sniffed_type, kind, size_bytes, sha256, state, scan_state)
       SELECT f.id, f.tip_id, f.storage_key, f.display_filename, f.declared_type, f.sniffed_type, f.kind, f.size_bytes, f.sha256, 'stored', f.scan_state
         FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $8::bigint[], $9::varchar[], $10::varchar[])
              AS f(id, tip_id, storage_key, display_filename, declared_type, sniffed_type, kind, size_bytes, sha256, scan_state)`,
      [
        files.map((f) => f.id),
        files.map((f) => f.tipId),
        files.map((f) => f.storageKey),
        files.map((f) => f.displayFilename),
        files.map((f) => f.declaredType),
        files.map((f) => f.sniffedType),
        files.map((f) => f.kind),
        files.map((f) => f.sizeBytes),
        files.map((f) => f.sha256),
        files.map((f) => f.scanState),
      ],
    );
  }

  /** Which of these poster keys a row names (the orphan sweep removes the others). */
  @GenerateSql({ params: [SQL_MANAGER, [`thumbnails/${SQL_ID}.jpg`]] })
  async knownThumbnailKeys(manager: EntityManager, keys: string[]): Promise<Set<string>> {
    const rows = await manager.query<{ thumbnail_key: string }[]>('SELECT thumbnail_key FROM media WHERE thumbnail_key = ANY($1)', [keys]);
    return new Set(rows.map((r) => r.thumbnail_key));
  }

  /** Which of these storage keys a row names (the orphan sweep removes the others). */
  @GenerateSql({ params: [SQL_MANAGER, [`media/${SQL_ID}`]] })
  async knownStorageKeys(manager: EntityManager, keys: string[]): Promise<Set<string>> {
    const rows = await manager.query<{ storage_key: string }[]>('SELECT storage_key FROM media WHERE storage_key = ANY($1)', [keys]);
    return new Set(rows.map((r) => r.storage_key));
  }

  @GenerateSql({ params: [SQL_ID] })
  async findForServing(id: string): Promise<ServedMedia | undefined> {
    const [row] = await this.dataSource.query<ServedMediaRow[]>(
      `SELECT id, storage_key, display_filename, sniffed_type, size_bytes, sha256, state, thumbnail_key, scan_state, scan_signature, scan_note
         FROM media WHERE id = $1`,
      [id],
    );
    return row ? toServedMedia(row) : undefined;
  }

  // The virus scan.

  /** Media still waiting for its scan, committed before `before`, oldest first. */
  @GenerateSql({ params: [SAMPLE_DATE, 500] })
  async pendingScanBefore(before: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM media WHERE scan_state = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }

  @GenerateSql({ params: [SQL_ID] })
  async scanTarget(id: string): Promise<{ id: string; storageKey: string; sizeBytes: number; scanState: MediaScanState | null } | undefined> {
    const [row] = await this.dataSource.query<{ id: string; storage_key: string; size_bytes: string; scan_state: MediaScanState | null }[]>(
      `SELECT id, storage_key, size_bytes, scan_state FROM media WHERE id = $1`,
      [id],
    );
    return row ? { id: row.id, storageKey: row.storage_key, sizeBytes: Number(row.size_bytes), scanState: row.scan_state } : undefined;
  }

  @GenerateSql({ params: [SQL_ID] })
  async isScanPending(id: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(`SELECT 1 FROM media WHERE id = $1 AND scan_state = 'pending'`, [id]);
    return rows.length > 0;
  }

  /** The last try failed: the row stays 'pending'; the note says why. */
  @GenerateSql({ params: [SQL_ID, 'ECONNREFUSED'] })
  async noteScanFailure(id: string, note: string): Promise<void> {
    await this.dataSource.query(`UPDATE media SET scan_note = $2 WHERE id = $1 AND scan_state = 'pending'`, [id, note]);
  }

  /** Adds the verdict to a still-pending row in the caller's transaction; the tip's id, or undefined when it was not pending. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'infected', 'Eicar-Signature', null] })
  async recordScanVerdict(
    manager: EntityManager,
    id: string,
    state: 'clean' | 'infected' | 'not_scanned',
    signature: string | null,
    note: string | null,
  ): Promise<string | undefined> {
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [rows] = await manager.query<[{ tip_id: string }[], number]>(
      `UPDATE media SET scan_state = $2, scan_signature = $3, scan_note = $4, scanned_at = now()
        WHERE id = $1 AND scan_state = 'pending' RETURNING tip_id`,
      [id, state, signature, note],
    );
    return rows[0]?.tip_id;
  }

  // Processing (probe and poster frame).

  /** Media still waiting to be processed, committed before `before`, oldest first. */
  @GenerateSql({ params: [SAMPLE_DATE, 500] })
  async storedBefore(before: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(`SELECT id FROM media WHERE state = 'stored' AND created_at < $1 ORDER BY created_at LIMIT $2`, [
      before,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  @GenerateSql({ params: [SQL_ID] })
  async processTarget(id: string): Promise<{ id: string; kind: MediaKind; storageKey: string; state: MediaState } | undefined> {
    const [row] = await this.dataSource.query<{ id: string; kind: MediaKind; storage_key: string; state: MediaState }[]>(
      `SELECT id, kind, storage_key, state FROM media WHERE id = $1`,
      [id],
    );
    return row ? { id: row.id, kind: row.kind, storageKey: row.storage_key, state: row.state } : undefined;
  }

  /** A stored file's facts and poster; false when it is no longer 'stored' (rejected, deleted, done elsewhere). */
  @GenerateSql({ params: [SQL_ID, { duration: 1.5 }, `thumbnails/${SQL_ID}.jpg`] })
  async markReady(id: string, probe: MediaProbe, thumbnailKey: string | null): Promise<boolean> {
    const [, updated] = await this.dataSource.query<[unknown, number]>(
      `UPDATE media SET state = 'ready', probe = $2, thumbnail_key = coalesce($3, thumbnail_key) WHERE id = $1 AND state = 'stored'`,
      [id, probe, thumbnailKey],
    );
    return updated > 0;
  }

  @GenerateSql({ params: [SQL_ID] })
  async thumbnailKey(id: string): Promise<string | null | undefined> {
    const [row] = await this.dataSource.query<{ thumbnail_key: string | null }[]>(`SELECT thumbnail_key FROM media WHERE id = $1`, [id]);
    return row ? row.thumbnail_key : undefined;
  }

  /** Processing gave up: the file stays (and is served); the probe says why. */
  @GenerateSql({ params: [SQL_ID, 'MEDIA_UNREADABLE'] })
  async markUnprobed(id: string, code: string): Promise<void> {
    await this.dataSource.query(`UPDATE media SET state = 'unprobed', probe = jsonb_build_object('error', $2::text) WHERE id = $1 AND state = 'stored'`, [
      id,
      code,
    ]);
  }
  /** Erasure: the tip's media rows go, and what they named is returned for the certificate and the blob deletes after COMMIT. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async deleteForTip(manager: EntityManager, tipId: string): Promise<ErasedMedia[]> {
    const [rows] = await manager.query<
      [{ id: string; kind: MediaKind; storage_key: string; thumbnail_key: string | null; sha256: string; size_bytes: string }[], number]
    >(`DELETE FROM media WHERE tip_id = $1 RETURNING id, kind, storage_key, thumbnail_key, sha256, size_bytes`, [tipId]);
    return rows
      .map((r) => ({ id: r.id, kind: r.kind, storageKey: r.storage_key, thumbnailKey: r.thumbnail_key, sha256: r.sha256, sizeBytes: Number(r.size_bytes) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
