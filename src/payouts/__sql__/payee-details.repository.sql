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
