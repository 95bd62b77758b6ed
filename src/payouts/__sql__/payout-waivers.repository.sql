-- PayoutWaiversRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- PayoutWaiversRepository.staffOfTip
SELECT staff_id FROM payout_conflict_waivers WHERE tip_id = $1;

-- PayoutWaiversRepository.exists
SELECT id FROM payout_conflict_waivers WHERE tip_id = $1 AND staff_id = $2;

-- PayoutWaiversRepository.insert
-- (on an empty database: 23503)
INSERT INTO payout_conflict_waivers (tip_id, staff_id, granted_by, reason) VALUES ($1, $2, $3, $4) ON CONFLICT (tip_id, staff_id) DO NOTHING RETURNING id;
