-- PayeeDetailsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- PayeeDetailsRepository.lockContributor
SELECT pg_advisory_xact_lock($1, hashtext($2));

-- PayeeDetailsRepository.latest
SELECT id, version, method, account_holder_name_encrypted, details_encrypted, masked FROM payee_details WHERE contributor_id = $1 ORDER BY version DESC LIMIT 1;

-- PayeeDetailsRepository.insertVersion
-- (on an empty database: 23503)
INSERT INTO payee_details (contributor_id, version, method, account_holder_name_encrypted, account_holder_name_masked, details_encrypted, masked, account_hash)
SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM payee_details WHERE contributor_id = $1
RETURNING id;

-- PayeeDetailsRepository.forPayouts
SELECT p.id AS payout_id, d.id, d.version, d.method, d.account_holder_name_encrypted, d.details_encrypted, d.masked
FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id WHERE p.id = ANY($1::uuid[]);

-- PayeeDetailsRepository.payoutsOfTip
SELECT p.id, p.state, p.amount_minor::text AS amount_minor, p.currency, p.bank_reference, d.masked, d.account_holder_name_masked
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id WHERE p.tip_id = $1 ORDER BY p.created_at, p.id;

-- PayeeDetailsRepository.eraseForContributor
DELETE FROM payee_details d WHERE d.contributor_id = $1 AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.payee_details_id = d.id);

UPDATE payee_details SET account_holder_name_encrypted = '', details_encrypted = '', account_hash = NULL WHERE contributor_id = $1;

-- PayeeDetailsRepository.retentionFacts
SELECT t.id AS tip_id,
     (SELECT max(p.updated_at) FROM payouts p WHERE p.tip_id = t.id) AS last_payout_at,
     EXISTS (SELECT 1 FROM payee_details d WHERE d.contributor_id = t.contributor_id AND d.details_encrypted <> '') AS holds_payee_details
FROM tips t WHERE t.id = ANY($1::uuid[]);
