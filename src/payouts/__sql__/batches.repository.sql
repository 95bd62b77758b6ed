-- BatchesRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- BatchesRepository.find
SELECT b.*, to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM payout_batches b WHERE b.id = $1;

-- BatchesRepository.find (locked)
SELECT b.*, to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM payout_batches b WHERE b.id = $1 FOR UPDATE;

-- BatchesRepository.page
SELECT b.*, to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM payout_batches b  ORDER BY b.created_at DESC, b.id DESC LIMIT $1;

-- BatchesRepository.page of one state after a cursor
SELECT b.*, to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM payout_batches b WHERE b.state = $1 AND (b.created_at, b.id) < ($2::timestamptz, $3::uuid) ORDER BY b.created_at DESC, b.id DESC LIMIT $4;

-- BatchesRepository.insert
-- (on an empty database: 23503)
INSERT INTO payout_batches (format, currency, created_by, count, total_minor, state) VALUES ($1, $2, $3, 0, 0, 'locked') RETURNING id;

-- BatchesRepository.setTotals
UPDATE payout_batches SET count = $2, total_minor = $3 WHERE id = $1;

-- BatchesRepository.setFile
UPDATE payout_batches SET file_sha256 = $2, payer_snapshot = $3 WHERE id = $1;

-- BatchesRepository.recordDownload
UPDATE payout_batches b SET first_downloaded_at = coalesce(b.first_downloaded_at, now()), first_downloaded_by = coalesce(b.first_downloaded_by, $2::uuid)
WHERE b.id = $1 AND b.state <> 'voided'
RETURNING b.*, to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at;

-- BatchesRepository.downloaders
SELECT s.id, s.name FROM payout_batch_downloads d JOIN staff_users s ON s.id = d.downloaded_by
WHERE d.batch_id = $1 GROUP BY s.id, s.name ORDER BY min(d.at);

-- BatchesRepository.compareAndSet
UPDATE payout_batches SET state = $3, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id;

-- BatchesRepository.oldestApprovedCurrency
SELECT p.currency FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id
WHERE p.state = 'approved' AND (p.currency || ':' || d.method) = ANY($1::text[])
ORDER BY p.approved_at, p.id LIMIT 1;

-- BatchesRepository.settledCount
SELECT count(*)::int AS settled FROM payouts WHERE batch_id = $1 AND state IN ('paid', 'failed');

-- BatchesRepository.stillBatchedCount
SELECT count(*)::int AS open FROM payouts WHERE batch_id = $1 AND state = 'batched';

-- BatchesRepository.lockPayouts
SELECT id, bank_reference, state, version FROM payouts WHERE batch_id = $1 ORDER BY id FOR UPDATE;

-- BatchesRepository.recordSent
WITH head AS (
  SELECT payout_seq, payout_hash FROM event_chain_head WHERE id = 1
), numbered AS (
  SELECT id, gen_random_uuid() AS event_id, row_number() OVER (ORDER BY id) AS n FROM payouts WHERE batch_id = $1 AND state = 'batched'
), chained AS (
  SELECT m.*, h.payout_seq + m.n AS event_seq,
         tipdesk_chain(h.payout_hash, payout_event_canonical(h.payout_seq + m.n, m.event_id, now(), m.id, 'staff', $2::uuid, $3::text, 'batched', 'batched', $4::text, NULL)) OVER (ORDER BY m.n) AS event_hash
    FROM numbered m CROSS JOIN head h
), linked AS (
  SELECT c.*, coalesce(lag(event_hash) OVER (ORDER BY n), (SELECT payout_hash FROM head)) AS event_prev FROM chained c
), events AS (
  INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, seq, prev_hash, hash)
  SELECT event_id, now(), id, 'staff', $2, $3, 'batched', 'batched', $4, event_seq, event_prev, event_hash FROM linked
), last AS (
  SELECT * FROM linked ORDER BY n DESC LIMIT 1
)
UPDATE event_chain_head h SET payout_seq = last.event_seq, payout_hash = last.event_hash, payout_prev_hash = last.event_prev FROM last WHERE h.id = 1;

-- BatchesRepository.staffName
SELECT name FROM staff_users WHERE id = $1;
