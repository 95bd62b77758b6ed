-- SessionsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- SessionsRepository.insert
-- (on an empty database: 23503)
INSERT INTO sessions (token_hash, kind, staff_user_id, tip_id, csrf_token, last_seen_at, expires_at)
VALUES ($1, $2, $3, $4, $5, now(), now() + make_interval(hours => $6))
RETURNING created_at, expires_at;

-- SessionsRepository.findLive
SELECT s.token_hash, s.kind, s.csrf_token, s.created_at, s.expires_at, s.tip_id, s.staff_user_id,
      u.email, u.name, u.role, u.totp_enabled_at,
      s.last_seen_at < now() - make_interval(secs => $3) AS stale
 FROM sessions s LEFT JOIN staff_users u ON u.id = s.staff_user_id
WHERE s.token_hash = $1 AND s.kind = $2
  AND s.expires_at > now()
  AND s.last_seen_at > now() - make_interval(mins => $4)
  AND (s.kind = 'contributor' OR u.disabled_at IS NULL);

-- SessionsRepository.touch
UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1;

-- SessionsRepository.delete
DELETE FROM sessions WHERE token_hash = $1;

-- SessionsRepository.deleteAllForStaff
DELETE FROM sessions WHERE staff_user_id = $1 AND token_hash IS DISTINCT FROM $2;

-- SessionsRepository.deleteEnded
DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(mins => $1);
