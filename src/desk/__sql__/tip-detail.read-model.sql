-- TipDetailReadModel: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- TipDetailReadModel.detail
-- (on an empty database: TIP_NOT_FOUND)
SELECT t.id, t.reference, t.status, t.channel, t.story, t.location, t.occurred_at, t.priority, t.tags, t.version,
      t.created_at, t.updated_at, t.contributor_id, c.name AS contributor_name, c.email_encrypted, c.phone_encrypted,
      t.assignee_id, s.name AS assignee_name, t.duplicate_of_id, d.reference AS duplicate_of_reference, d.status AS duplicate_of_status
 FROM tips t
 JOIN contributors c ON c.id = t.contributor_id
 LEFT JOIN staff_users s ON s.id = t.assignee_id
 LEFT JOIN tips d ON d.id = t.duplicate_of_id
WHERE t.id = $1;

-- TipDetailReadModel.parts
SELECT id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at
FROM consents WHERE tip_id = $1 ORDER BY accepted_at, id;

SELECT id, display_filename, sniffed_type, kind, size_bytes, sha256, state, probe,
     thumbnail_key IS NOT NULL AND scan_state IS DISTINCT FROM 'infected' AS has_thumbnail,
     scan_state, scan_signature, scan_note, scanned_at, created_at
FROM media WHERE tip_id = $1 ORDER BY created_at, id;

SELECT o.id, o.reference, o.status, count(DISTINCT mine.sha256)::int AS shared_files
 FROM media mine
 JOIN media theirs ON theirs.sha256 = mine.sha256 AND theirs.tip_id <> mine.tip_id
 JOIN tips o ON o.id = theirs.tip_id
WHERE mine.tip_id = $1
GROUP BY o.id, o.reference, o.status, o.created_at
ORDER BY o.created_at, o.id;

SELECT n.id, n.tip_id, n.body, n.author_id, s.name AS author_name, n.created_at
 FROM notes n LEFT JOIN staff_users s ON s.id = n.author_id
WHERE n.tip_id = $1 ORDER BY n.created_at, n.id;

SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at
 FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
WHERE m.tip_id = $1 ORDER BY m.created_at, m.id;

SELECT id, channel, filename, attempts, next_attempt_at, last_error_code, created_at
FROM channel_pending_media WHERE tip_id = $1 ORDER BY created_at, id;

-- TipDetailReadModel.parts (a page of the conversation)
SELECT id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at
FROM consents WHERE tip_id = $1 ORDER BY accepted_at, id;

SELECT id, display_filename, sniffed_type, kind, size_bytes, sha256, state, probe,
     thumbnail_key IS NOT NULL AND scan_state IS DISTINCT FROM 'infected' AS has_thumbnail,
     scan_state, scan_signature, scan_note, scanned_at, created_at
FROM media WHERE tip_id = $1 ORDER BY created_at, id;

SELECT o.id, o.reference, o.status, count(DISTINCT mine.sha256)::int AS shared_files
 FROM media mine
 JOIN media theirs ON theirs.sha256 = mine.sha256 AND theirs.tip_id <> mine.tip_id
 JOIN tips o ON o.id = theirs.tip_id
WHERE mine.tip_id = $1
GROUP BY o.id, o.reference, o.status, o.created_at
ORDER BY o.created_at, o.id;

SELECT n.id, n.tip_id, n.body, n.author_id, s.name AS author_name, n.created_at
 FROM notes n LEFT JOIN staff_users s ON s.id = n.author_id
WHERE n.tip_id = $1 ORDER BY n.created_at, n.id;

SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
 FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
WHERE m.tip_id = $1
ORDER BY m.created_at DESC, m.id DESC
LIMIT $2;

SELECT id, channel, filename, attempts, next_attempt_at, last_error_code, created_at
FROM channel_pending_media WHERE tip_id = $1 ORDER BY created_at, id;
