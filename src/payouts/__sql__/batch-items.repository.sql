-- BatchItemsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- BatchItemsRepository.openPayouts
-- (on an empty database: 25P01)
DECLARE batch_payouts NO SCROLL CURSOR FOR
SELECT p.id, p.bank_reference, p.amount_minor, p.currency, p.licence, p.approved_at,
       t.reference AS tip_reference, c.name AS contributor_name, o.name AS offered_by, a.name AS approved_by
  FROM payouts p JOIN tips t ON t.id = p.tip_id LEFT JOIN contributors c ON c.id = p.contributor_id
  JOIN staff_users o ON o.id = p.offered_by JOIN staff_users a ON a.id = p.approved_by
 WHERE p.batch_id = $1
 ORDER BY p.approved_at, p.id;

-- BatchItemsRepository.fetchPayouts
-- (on an empty database: 34000)
FETCH 250 FROM batch_payouts;

-- BatchItemsRepository.closePayouts
-- (on an empty database: 34000)
CLOSE batch_payouts;

-- BatchItemsRepository.insert
INSERT INTO payout_batch_items (batch_id, payout_id, position, snapshot_encrypted)
SELECT $1, u.payout_id, u.position, u.snapshot FROM unnest($2::uuid[], $3::int[], $4::text[]) AS u(payout_id, position, snapshot);

-- BatchItemsRepository.range
SELECT position, snapshot_encrypted FROM payout_batch_items WHERE batch_id = $1 AND position BETWEEN $2 AND $3 ORDER BY position;

-- BatchItemsRepository.retire
UPDATE payout_batch_items SET live = false WHERE batch_id = $1;
