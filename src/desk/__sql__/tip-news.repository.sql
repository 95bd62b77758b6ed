-- TipNewsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- TipNewsRepository.markSeen
-- (on an empty database: 23503)
INSERT INTO desk_tip_views (staff_user_id, tip_id, seen_at) VALUES ($1, $2, now())
ON CONFLICT (staff_user_id, tip_id) DO UPDATE SET seen_at = greatest(desk_tip_views.seen_at, EXCLUDED.seen_at);

-- TipNewsRepository.counts
SELECT kind, count(*)::int AS tips FROM (
WITH since AS (
  SELECT greatest(s.created_at, now() - make_interval(days => 30)) AS at FROM staff_users s WHERE s.id = $1
), events AS (
  SELECT m.tip_id, 'replied'::text AS kind, m.created_at AS at
    FROM messages m, since
   WHERE m.direction = 'from_contributor' AND m.created_at > since.at
  UNION ALL
  SELECT p.tip_id, CASE e.to_state WHEN 'accepted' THEN 'offer_accepted' WHEN 'paid' THEN 'paid' ELSE 'payment_failed' END, e.at
    FROM payout_events e JOIN payouts p ON p.id = e.payout_id, since
   WHERE e.to_state IN ('accepted', 'paid', 'failed') AND e.at > since.at
     AND (e.to_state <> 'accepted' OR e.from_state = 'offered')
)
SELECT ev.tip_id, ev.kind, max(ev.at) AS at
  FROM events ev
  LEFT JOIN desk_tip_views v ON v.staff_user_id = $1 AND v.tip_id = ev.tip_id
 WHERE v.seen_at IS NULL OR ev.at > v.seen_at
 GROUP BY ev.tip_id, ev.kind) news GROUP BY kind;

-- TipNewsRepository.forTips
SELECT tip_id, kind FROM (
WITH since AS (
  SELECT greatest(s.created_at, now() - make_interval(days => 30)) AS at FROM staff_users s WHERE s.id = $1
), events AS (
  SELECT m.tip_id, 'replied'::text AS kind, m.created_at AS at
    FROM messages m, since
   WHERE m.direction = 'from_contributor' AND m.created_at > since.at
  UNION ALL
  SELECT p.tip_id, CASE e.to_state WHEN 'accepted' THEN 'offer_accepted' WHEN 'paid' THEN 'paid' ELSE 'payment_failed' END, e.at
    FROM payout_events e JOIN payouts p ON p.id = e.payout_id, since
   WHERE e.to_state IN ('accepted', 'paid', 'failed') AND e.at > since.at
     AND (e.to_state <> 'accepted' OR e.from_state = 'offered')
)
SELECT ev.tip_id, ev.kind, max(ev.at) AS at
  FROM events ev
  LEFT JOIN desk_tip_views v ON v.staff_user_id = $1 AND v.tip_id = ev.tip_id
 WHERE v.seen_at IS NULL OR ev.at > v.seen_at
 GROUP BY ev.tip_id, ev.kind) news WHERE tip_id = ANY($2::uuid[]) ORDER BY at;
