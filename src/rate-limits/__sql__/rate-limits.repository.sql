-- RateLimitsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- RateLimitsRepository.currentPepper
INSERT INTO rate_limit_peppers AS p (window_seconds, window_start, pepper)
VALUES ($1::int, to_timestamp(floor(extract(epoch FROM now()) / $1::int) * $1::int), $2)
ON CONFLICT (window_seconds, window_start) DO UPDATE SET pepper = p.pepper
RETURNING window_start, window_start + make_interval(secs => $1::int) AS window_end, pepper, xmax = 0 AS created;

-- RateLimitsRepository.countHit
INSERT INTO rate_limit_windows AS w (bucket, window_start, hits)
VALUES ($1, $2, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
RETURNING hits, ceil(extract(epoch FROM w.window_start + make_interval(secs => $3) - now()))::int AS retry_after;

-- RateLimitsRepository.deleteClosedPeppers
DELETE FROM rate_limit_peppers WHERE window_start + make_interval(secs => window_seconds) <= now();

-- RateLimitsRepository.deleteClosedWindows
DELETE FROM rate_limit_windows w
WHERE NOT EXISTS (SELECT 1 FROM rate_limit_peppers p WHERE p.window_start = w.window_start);
