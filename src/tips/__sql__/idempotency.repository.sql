-- IdempotencyRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- IdempotencyRepository.find
SELECT request_sha256, response_encrypted FROM tip_idempotency_keys
WHERE key_hash = $1 AND created_at > now() - interval '24 hours';

-- IdempotencyRepository.insert
-- (on an empty database: 23503)
INSERT INTO tip_idempotency_keys (key_hash, request_sha256, tip_id, response_encrypted)
VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING RETURNING key_hash;

-- IdempotencyRepository.sweep
DELETE FROM tip_idempotency_keys WHERE created_at < now() - interval '24 hours';
