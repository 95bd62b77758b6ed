-- PowRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- PowRepository.claim
WITH expired AS (DELETE FROM pow_solutions WHERE expires_at < now())
INSERT INTO pow_solutions (challenge_id, expires_at) VALUES ($1, $2)
ON CONFLICT (challenge_id) DO NOTHING
RETURNING challenge_id;
