-- PayoutCiphertextsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- PayoutCiphertextsRepository.notUnder (payee_details.account_holder_name_encrypted)
SELECT id::text AS ref, account_holder_name_encrypted AS value FROM payee_details
WHERE account_holder_name_encrypted IS NOT NULL AND left(account_holder_name_encrypted, length($1)) <> $1 AND ($2::uuid IS NULL OR id > $2::uuid)
ORDER BY id LIMIT $3;

-- PayoutCiphertextsRepository.notUnder (payee_details.details_encrypted)
SELECT id::text AS ref, details_encrypted AS value FROM payee_details
WHERE details_encrypted IS NOT NULL AND left(details_encrypted, length($1)) <> $1 AND ($2::uuid IS NULL OR id > $2::uuid)
ORDER BY id LIMIT $3;

-- PayoutCiphertextsRepository.notUnder (payout_batch_items.snapshot_encrypted)
SELECT id::text AS ref, snapshot_encrypted AS value FROM payout_batch_items
WHERE snapshot_encrypted IS NOT NULL AND left(snapshot_encrypted, length($1)) <> $1 AND ($2::uuid IS NULL OR id > $2::uuid)
ORDER BY id LIMIT $3;

-- PayoutCiphertextsRepository.replace (payee_details.account_holder_name_encrypted)
START TRANSACTION;

SELECT set_config('tipdesk.rotating_keys', 'on', true);

UPDATE payee_details AS t SET account_holder_name_encrypted = r.to_value
 FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
WHERE t.id = r.ref::uuid AND t.account_holder_name_encrypted = r.from_value;

COMMIT;

-- PayoutCiphertextsRepository.replace (payee_details.details_encrypted)
START TRANSACTION;

SELECT set_config('tipdesk.rotating_keys', 'on', true);

UPDATE payee_details AS t SET details_encrypted = r.to_value
 FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
WHERE t.id = r.ref::uuid AND t.details_encrypted = r.from_value;

COMMIT;

-- PayoutCiphertextsRepository.replace (payout_batch_items.snapshot_encrypted)
START TRANSACTION;

SELECT set_config('tipdesk.rotating_keys', 'on', true);

UPDATE payout_batch_items AS t SET snapshot_encrypted = r.to_value
 FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
WHERE t.id = r.ref::uuid AND t.snapshot_encrypted = r.from_value;

COMMIT;
