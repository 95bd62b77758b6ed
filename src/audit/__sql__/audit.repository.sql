-- AuditRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- AuditRepository.append
WITH head AS (
  UPDATE event_chain_head SET audit_seq = audit_seq + 1, audit_prev_hash = audit_hash,
         audit_hash = tipdesk_chain_hash(audit_hash, audit_event_canonical(audit_seq + 1, $1::uuid, now(), $2::text, $3::uuid, $4::text, $5::text, $6::uuid, $7::jsonb, $8::jsonb))
   WHERE id = 1
  RETURNING audit_seq, audit_prev_hash, audit_hash)
INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
SELECT $1::uuid, now(), $2::text, $3::uuid, $4::text, $5::text, $6::uuid, $7::jsonb, $8::jsonb, audit_seq, audit_prev_hash, audit_hash FROM head
RETURNING seq;

-- AuditRepository.lockChainHead
SELECT id FROM event_chain_head WHERE id = 1 FOR UPDATE;

-- AuditRepository.staffActors
SELECT actor_id, array_agg(DISTINCT action ORDER BY action) AS actions FROM audit_events
WHERE entity_type = $1 AND entity_id = $2 AND actor_type = 'staff' AND actor_id IS NOT NULL AND action = ANY($3::text[])
GROUP BY actor_id ORDER BY actor_id;

-- AuditRepository.forEntity
SELECT
e.id, e.at, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at, e.actor_type, e.actor_id, s.name AS actor_name,
e.action, e.entity_type, e.entity_id, e.before, e.after FROM audit_events e LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id = e.actor_id
      WHERE e.entity_type = $1 AND e.entity_id = $2
      ORDER BY e.at, e.seq;

-- AuditRepository.forEntityPage (newest)
SELECT
e.id, e.at, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at, e.actor_type, e.actor_id, s.name AS actor_name,
e.action, e.entity_type, e.entity_id, e.before, e.after FROM audit_events e LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id = e.actor_id
      WHERE e.entity_type = $1 AND e.entity_id = $2
      ORDER BY e.at DESC, e.id DESC
      LIMIT $3;

-- AuditRepository.forEntityPage (older)
SELECT
e.id, e.at, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at, e.actor_type, e.actor_id, s.name AS actor_name,
e.action, e.entity_type, e.entity_id, e.before, e.after FROM audit_events e LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id = e.actor_id
      WHERE e.entity_type = $1 AND e.entity_id = $2 AND (e.at, e.id) < ($3::timestamptz, $4::uuid)
      ORDER BY e.at DESC, e.id DESC
      LIMIT $5;

-- AuditRepository.search
SELECT
e.id, e.at, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at, e.actor_type, e.actor_id, s.name AS actor_name,
e.action, e.entity_type, e.entity_id, e.before, e.after FROM audit_events e LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id = e.actor_id

      ORDER BY e.at DESC, e.id DESC
      LIMIT $1;

-- AuditRepository.search with every filter after a cursor
SELECT
e.id, e.at, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at, e.actor_type, e.actor_id, s.name AS actor_name,
e.action, e.entity_type, e.entity_id, e.before, e.after FROM audit_events e LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id = e.actor_id
      WHERE e.action = $1 AND e.actor_type = $2 AND e.actor_id = $3::uuid AND e.entity_type = $4 AND e.entity_id = $5::uuid AND e.at >= $6::timestamptz AND e.at < $7::timestamptz AND (e.action LIKE $9 OR s.email ILIKE $8 OR s.name ILIKE $8 OR e.entity_id = $10::uuid OR e.actor_id = $10::uuid) AND (e.at, e.id) < ($11::timestamptz, $12::uuid)
      ORDER BY e.at DESC, e.id DESC
      LIMIT $13;

-- AuditRepository.openExport
-- (on an empty database: 25P01)
DECLARE audit_export NO SCROLL CURSOR FOR SELECT seq::text AS seq, id::text AS id, tipdesk_chain_time(at) AS at, actor_type, actor_id::text AS actor_id, action, entity_type, entity_id::text AS entity_id,
before::text AS before, after::text AS after, prev_hash, hash FROM audit_events e ORDER BY e.seq;

-- AuditRepository.fetchExport
-- (on an empty database: 34000)
FETCH 5000 FROM audit_export;

-- AuditRepository.auditHead
SELECT audit_seq::text AS seq, audit_hash AS hash FROM event_chain_head WHERE id = 1;
