-- SignInThrottleRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- SignInThrottleRepository.lockedFor
SELECT extract(epoch FROM locked_until - now())::float AS retry_after
FROM sign_in_throttles WHERE subject = $1 AND locked_until > now();

-- SignInThrottleRepository.addFailure
INSERT INTO sign_in_throttles AS t (subject, failures, last_failure_at) VALUES ($1, 1, now())
ON CONFLICT (subject) DO UPDATE SET failures = t.failures + 1, last_failure_at = now()
RETURNING failures;

-- SignInThrottleRepository.lock
UPDATE sign_in_throttles SET locked_until = now() + make_interval(secs => $2) WHERE subject = $1;

-- SignInThrottleRepository.delete
DELETE FROM sign_in_throttles WHERE subject = $1;

-- SignInThrottleRepository.deleteQuiet
DELETE FROM sign_in_throttles WHERE last_failure_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now());
