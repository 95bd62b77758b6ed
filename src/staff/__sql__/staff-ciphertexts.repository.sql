-- StaffCiphertextsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- StaffCiphertextsRepository.notUnder
SELECT id::text AS ref, totp_secret_encrypted AS value FROM staff_users
WHERE totp_secret_encrypted IS NOT NULL AND left(totp_secret_encrypted, length($1)) <> $1 AND ($2::uuid IS NULL OR id > $2::uuid)
ORDER BY id LIMIT $3;

-- StaffCiphertextsRepository.replace
UPDATE staff_users AS t SET totp_secret_encrypted = r.to_value
 FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
WHERE t.id = r.ref::uuid AND t.totp_secret_encrypted = r.from_value;
