-- PayoutRisksRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- PayoutRisksRepository.facts
SELECT p.id, p.currency, p.state, p.amount_minor, p.payee_details_id, p.payee_from_staff_browser,
      d.method AS payee_method, d.masked AS payee_masked, d.version AS payee_version, d.created_at AS payee_given_at,
      (SELECT max(e.at) FROM payout_events e WHERE e.payout_id = p.id AND e.from_state = 'offered' AND e.to_state = 'accepted') AS accepted_at,
      CASE WHEN d.account_hash IS NULL THEN '{}'::text[] ELSE ARRAY(
        SELECT DISTINCT t.reference FROM payee_details d2 JOIN payouts p2 ON p2.payee_details_id = d2.id JOIN tips t ON t.id = p2.tip_id
         WHERE d2.account_hash = d.account_hash AND d2.contributor_id <> p.contributor_id ORDER BY t.reference LIMIT 6) END AS shared_with,
      EXISTS (SELECT 1 FROM payout_conflict_waivers w WHERE w.tip_id = p.tip_id AND w.staff_id = p.offered_by) AS offerer_waived
 FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id
WHERE p.id = ANY($1::uuid[]);

-- PayoutRisksRepository.clearings
SELECT payout_id, actor_id, at, detail FROM payout_events WHERE payout_id = ANY($1::uuid[]) AND detail ? 'clearedRisks' ORDER BY at;

-- PayoutRisksRepository.awaitingApproval
SELECT id, currency, state FROM payouts WHERE state IN ('accepted', 'held');

-- PayoutRisksRepository.unhashedPayees
SELECT id, details_encrypted FROM payee_details WHERE account_hash IS NULL ORDER BY id LIMIT 500;

-- PayoutRisksRepository.setPayeeHashes
UPDATE payee_details d SET account_hash = u.hash FROM unnest($1::uuid[], $2::text[]) AS u(id, hash) WHERE d.id = u.id AND d.account_hash IS NULL;
