-- DeskRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- DeskRepository.listPage (the queue)
WITH page AS (
  SELECT t.id, t.reference, t.status, t.channel, t.created_at, left(t.story, 200) AS snippet, t.location,
         t.contributor_id, t.assignee_id, t.priority, t.tags, t.duplicate_of_id, t.version
    FROM tips t
   WHERE t.status = $1
   ORDER BY t.created_at DESC, t.id DESC
   LIMIT 51
)
SELECT page.*, to_char(page.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
       c.name AS contributor_name, s.name AS assignee_name, m.media_count, m.has_video, m.quarantined_signature,
       v.poster_media_id, v.poster_has_thumbnail, v.poster_duration
  FROM page
  JOIN contributors c ON c.id = page.contributor_id
  LEFT JOIN staff_users s ON s.id = page.assignee_id
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS media_count, coalesce(bool_or(media.kind = 'video'), false) AS has_video,
           (array_agg(media.scan_signature ORDER BY media.created_at, media.id) FILTER (WHERE media.scan_state = 'infected'))[1] AS quarantined_signature
      FROM media WHERE media.tip_id = page.id
  ) m
  LEFT JOIN LATERAL (
    SELECT media.id AS poster_media_id, media.thumbnail_key IS NOT NULL AS poster_has_thumbnail,
           CASE WHEN jsonb_typeof(media.probe->'duration') = 'number' THEN (media.probe->>'duration')::float8 END AS poster_duration
      FROM media WHERE media.tip_id = page.id AND media.kind = 'video' AND media.state = 'ready' AND media.scan_state IS DISTINCT FROM 'infected'
     ORDER BY media.created_at, media.id LIMIT 1
  ) v ON true
 ORDER BY page.created_at DESC, page.id DESC;

-- DeskRepository.listPage (a search)
EXPLAIN (FORMAT JSON) SELECT 1 FROM tips t WHERE (t.search_vector @@ websearch_to_tsquery('english', $1)
OR (t.story ILIKE $2)
OR (t.location ILIKE $2)
OR t.contributor_id = ANY(ARRAY(SELECT c.id FROM contributors c WHERE c.name ILIKE $2)));

WITH matches AS MATERIALIZED (
  SELECT t.id, t.reference, t.status, t.channel, t.created_at, left(t.story, 200) AS snippet, t.location,
         t.contributor_id, t.assignee_id, t.priority, t.tags, t.duplicate_of_id, t.version
    FROM tips t
   WHERE (t.search_vector @@ websearch_to_tsquery('english', $1)
          OR (t.story ILIKE $2)
          OR (t.location ILIKE $2)
          OR t.contributor_id = ANY(ARRAY(SELECT c.id FROM contributors c WHERE c.name ILIKE $2)))
),
page AS (SELECT * FROM matches ORDER BY matches.created_at ASC, matches.id ASC LIMIT 51)
SELECT page.*, to_char(page.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
       c.name AS contributor_name, s.name AS assignee_name, m.media_count, m.has_video, m.quarantined_signature,
       v.poster_media_id, v.poster_has_thumbnail, v.poster_duration
  FROM page
  JOIN contributors c ON c.id = page.contributor_id
  LEFT JOIN staff_users s ON s.id = page.assignee_id
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS media_count, coalesce(bool_or(media.kind = 'video'), false) AS has_video,
           (array_agg(media.scan_signature ORDER BY media.created_at, media.id) FILTER (WHERE media.scan_state = 'infected'))[1] AS quarantined_signature
      FROM media WHERE media.tip_id = page.id
  ) m
  LEFT JOIN LATERAL (
    SELECT media.id AS poster_media_id, media.thumbnail_key IS NOT NULL AS poster_has_thumbnail,
           CASE WHEN jsonb_typeof(media.probe->'duration') = 'number' THEN (media.probe->>'duration')::float8 END AS poster_duration
      FROM media WHERE media.tip_id = page.id AND media.kind = 'video' AND media.state = 'ready' AND media.scan_state IS DISTINCT FROM 'infected'
     ORDER BY media.created_at, media.id LIMIT 1
  ) v ON true
 ORDER BY page.created_at ASC, page.id ASC;

-- DeskRepository.insertNote
INSERT INTO notes (tip_id, author_id, body) SELECT id, $2, $3 FROM tips WHERE id = $1 AND status <> 'erased'
RETURNING id, tip_id, body, author_id, created_at;

-- DeskRepository.insertSystemNote
-- (on an empty database: 23503)
INSERT INTO notes (tip_id, author_id, body) VALUES ($1, NULL, $2) RETURNING id, tip_id, body, author_id, created_at;

-- DeskRepository.insertMessage (to the contributor)
INSERT INTO messages (tip_id, direction, author_id, channel, body)
SELECT id, $2, $3, channel, $4 FROM tips WHERE id = $1 AND status <> 'erased'
RETURNING id, tip_id, direction, channel, body, author_id, created_at;

-- DeskRepository.insertMessage (from the contributor)
INSERT INTO messages (tip_id, direction, author_id, channel, body)
SELECT id, $2, $3, channel, $4 FROM tips WHERE id = $1 AND status <> 'erased'
RETURNING id, tip_id, direction, channel, body, author_id, created_at;

-- DeskRepository.conversationForContributor
SELECT direction, body, created_at FROM messages WHERE tip_id = $1 ORDER BY created_at, id;

-- DeskRepository.notes
SELECT n.id, n.tip_id, n.body, n.author_id, s.name AS author_name, n.created_at
 FROM notes n LEFT JOIN staff_users s ON s.id = n.author_id
WHERE n.tip_id = $1 ORDER BY n.created_at, n.id;

-- DeskRepository.messagePage (newest)
SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
 FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
WHERE m.tip_id = $1
ORDER BY m.created_at DESC, m.id DESC
LIMIT $2;

-- DeskRepository.messagePage (older)
SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
 FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
WHERE m.tip_id = $1 AND (m.created_at, m.id) < ($2::timestamptz, $3::uuid)
ORDER BY m.created_at DESC, m.id DESC
LIMIT $4;

-- DeskRepository.messages
SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at
 FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
WHERE m.tip_id = $1 ORDER BY m.created_at, m.id;

-- DeskRepository.eraseConversation
DELETE FROM messages WHERE tip_id = $1;

UPDATE notes SET body = '(removed when the tip was erased)' WHERE tip_id = $1;
