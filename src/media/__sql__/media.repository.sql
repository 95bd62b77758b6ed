-- MediaRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- MediaRepository.countForTip
SELECT count(*)::int AS n FROM media WHERE tip_id = $1;

-- MediaRepository.forContributor (all)
SELECT id, display_filename, size_bytes, kind, created_at FROM media
WHERE tip_id = $1 AND state <> 'uploading' AND ($2::uuid[] IS NULL OR id = ANY($2))
ORDER BY created_at, display_filename, id;

-- MediaRepository.forContributor (some)
SELECT id, display_filename, size_bytes, kind, created_at FROM media
WHERE tip_id = $1 AND state <> 'uploading' AND ($2::uuid[] IS NULL OR id = ANY($2))
ORDER BY created_at, display_filename, id;

-- MediaRepository.forAccessExport
SELECT id, display_filename, sniffed_type, kind, size_bytes, sha256, state, storage_key, created_at FROM media
WHERE tip_id = $1 AND state <> 'uploading'
ORDER BY created_at, display_filename, id;

-- MediaRepository.insertStored
-- (on an empty database: 23503)
INSERT INTO media (id, tip_id, storage_key, display_filename, declared_type, sniffed_type, kind, size_bytes, sha256, state, scan_state)
SELECT f.id, f.tip_id, f.storage_key, f.display_filename, f.declared_type, f.sniffed_type, f.kind, f.size_bytes, f.sha256, 'stored', f.scan_state
  FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $8::bigint[], $9::varchar[], $10::varchar[])
       AS f(id, tip_id, storage_key, display_filename, declared_type, sniffed_type, kind, size_bytes, sha256, scan_state);

-- MediaRepository.knownThumbnailKeys
SELECT thumbnail_key FROM media WHERE thumbnail_key = ANY($1);

-- MediaRepository.knownStorageKeys
SELECT storage_key FROM media WHERE storage_key = ANY($1);

-- MediaRepository.findForServing
SELECT id, storage_key, display_filename, sniffed_type, size_bytes, sha256, state, thumbnail_key, scan_state, scan_signature, scan_note
FROM media WHERE id = $1;

-- MediaRepository.pendingScanBefore
SELECT id FROM media WHERE scan_state = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2;

-- MediaRepository.scanTarget
SELECT id, storage_key, size_bytes, scan_state FROM media WHERE id = $1;

-- MediaRepository.isScanPending
SELECT 1 FROM media WHERE id = $1 AND scan_state = 'pending';

-- MediaRepository.noteScanFailure
UPDATE media SET scan_note = $2 WHERE id = $1 AND scan_state = 'pending';

-- MediaRepository.recordScanVerdict
UPDATE media SET scan_state = $2, scan_signature = $3, scan_note = $4, scanned_at = now()
WHERE id = $1 AND scan_state = 'pending' RETURNING tip_id;

-- MediaRepository.storedBefore
SELECT id FROM media WHERE state = 'stored' AND created_at < $1 ORDER BY created_at LIMIT $2;

-- MediaRepository.processTarget
SELECT id, kind, storage_key, state FROM media WHERE id = $1;

-- MediaRepository.markReady
UPDATE media SET state = 'ready', probe = $2, thumbnail_key = coalesce($3, thumbnail_key) WHERE id = $1 AND state = 'stored';

-- MediaRepository.thumbnailKey
SELECT thumbnail_key FROM media WHERE id = $1;

-- MediaRepository.markUnprobed
UPDATE media SET state = 'unprobed', probe = jsonb_build_object('error', $2::text) WHERE id = $1 AND state = 'stored';

-- MediaRepository.deleteForTip
DELETE FROM media WHERE tip_id = $1 RETURNING id, kind, storage_key, thumbnail_key, sha256, size_bytes;
