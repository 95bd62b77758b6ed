-- UploadsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- UploadsRepository.insertCreated
INSERT INTO uploads (id, size_bytes, display_filename, storage_location, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5));

-- UploadsRepository.deleteReturningName
DELETE FROM uploads WHERE id = $1 RETURNING display_filename;

-- UploadsRepository.markFinished
UPDATE uploads SET sha256 = $2, sniffed_type = $3, kind = $4, size_bytes = $5, finished_at = now(),
      expires_at = now() + make_interval(hours => $6)
WHERE id = $1;

-- UploadsRepository.deleteUnfinished
DELETE FROM uploads WHERE id = $1 AND finished_at IS NULL;

-- UploadsRepository.findAttachable
SELECT id, size_bytes, sha256, sniffed_type, kind, display_filename FROM uploads
WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL AND attached_tip_id IS NULL AND expires_at > now();

-- UploadsRepository.markAttached
UPDATE uploads SET attached_tip_id = $1, attached_at = now()
WHERE id = ANY($2::uuid[]) AND finished_at IS NOT NULL AND attached_tip_id IS NULL AND expires_at > now()
RETURNING id;

-- UploadsRepository.sweepable
SELECT id FROM uploads
WHERE (attached_tip_id IS NULL AND expires_at < $1) OR (attached_tip_id IS NOT NULL AND attached_at < $2)
ORDER BY expires_at LIMIT 1000;

-- UploadsRepository.delete
DELETE FROM uploads WHERE id = $1;
