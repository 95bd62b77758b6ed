-- RateLimitsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- RateLimitsRepository.countHit
INSERT INTO rate_limit_windows AS w (bucket, window_start, hits)
VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
RETURNING hits, ceil(extract(epoch FROM w.window_start + make_interval(secs => $2) - now()))::int AS retry_after;

-- RateLimitsRepository.deleteEndedWindows
DELETE FROM rate_limit_windows WHERE window_start < now() - interval '1 day';
