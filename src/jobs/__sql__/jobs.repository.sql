-- JobsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- JobsRepository.installed
SELECT to_regclass($1) IS NOT NULL AS installed;

-- JobsRepository.countsByQueueAndState
SELECT name, state::text AS state, count(*)::int AS count FROM pgboss.job GROUP BY name, state;

-- JobsRepository.unsettledCount
SELECT count(*)::int AS pending FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active');

-- JobsRepository.deadLetters
SELECT id, name, data->>'mediaId' AS media_id, data->>'tipId' AS tip_id, output->>'code' AS code, output->>'queue' AS queue, retry_limit, created_on
FROM pgboss.job WHERE name = ANY($1) ORDER BY created_on DESC, id LIMIT $2;

-- JobsRepository.withAdvisoryLock
SELECT pg_try_advisory_lock($1) AS locked;

SELECT pg_advisory_unlock($1);
