-- ChannelsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- ChannelsRepository.lockSender
SELECT pg_advisory_xact_lock(hashtextextended($1, 0));

-- ChannelsRepository.tipOfMessage
SELECT tip_id FROM channel_messages WHERE channel = $1 AND sender_hash = $2 AND provider_message_id = $3;

-- ChannelsRepository.insertMessage
-- (on an empty database: 23503)
INSERT INTO channel_messages (channel, provider_message_id, sender_hash, tip_id, message_id)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, sender_hash, provider_message_id) DO NOTHING RETURNING id;

-- ChannelsRepository.senderWroteTo
SELECT 1 FROM channel_messages WHERE tip_id = $1 AND sender_hash = $2 LIMIT 1;

-- ChannelsRepository.lastTipWithin
SELECT tip_id FROM channel_messages
WHERE channel = $1 AND sender_hash = $2 AND received_at > now() - make_interval(hours => $3)
ORDER BY received_at DESC, id DESC LIMIT 1;

-- ChannelsRepository.addPending
-- (on an empty database: 23503)
INSERT INTO channel_pending_media (tip_id, channel, provider_media_id, filename, declared_type) VALUES ($1, $2, $3, $4, $5);

-- ChannelsRepository.countPending
SELECT count(*)::int AS n FROM channel_pending_media WHERE tip_id = $1 AND next_attempt_at IS NOT NULL;

-- ChannelsRepository.leaseDue (every channel)
UPDATE channel_pending_media SET next_attempt_at = now() + make_interval(secs => $2)
WHERE id IN (SELECT id FROM channel_pending_media WHERE next_attempt_at <= now() AND ($3::text IS NULL OR channel = $3)
              ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING id, tip_id, channel, provider_media_id, filename, declared_type, attempts;

-- ChannelsRepository.leaseDue (one channel)
UPDATE channel_pending_media SET next_attempt_at = now() + make_interval(secs => $2)
WHERE id IN (SELECT id FROM channel_pending_media WHERE next_attempt_at <= now() AND ($3::text IS NULL OR channel = $3)
              ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING id, tip_id, channel, provider_media_id, filename, declared_type, attempts;

-- ChannelsRepository.takePending
DELETE FROM channel_pending_media WHERE id = $1 RETURNING id, tip_id, channel, provider_media_id, filename, declared_type, attempts;

-- ChannelsRepository.recordFetchFailure
UPDATE channel_pending_media
  SET attempts = attempts + 1, last_error_code = $2,
      next_attempt_at = CASE WHEN attempts + 1 >= $3 THEN NULL
                             ELSE now() + make_interval(secs => least($5::float8, $4::float8 * power(2, attempts))) END
WHERE id = $1 AND next_attempt_at IS NOT NULL
RETURNING tip_id, attempts, filename, next_attempt_at;
