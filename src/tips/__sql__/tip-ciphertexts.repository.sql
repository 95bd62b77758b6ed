-- TipCiphertextsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- TipCiphertextsRepository.notUnder (contributors.email_encrypted)
SELECT id::text AS ref, email_encrypted AS value FROM contributors
WHERE email_encrypted IS NOT NULL AND left(email_encrypted, length($1)) <> $1 AND ($2::uuid IS NULL OR id > $2::uuid)
ORDER BY id LIMIT $3;

-- TipCiphertextsRepository.notUnder (contributors.phone_encrypted)
SELECT id::text AS ref, phone_encrypted AS value FROM contributors
WHERE phone_encrypted IS NOT NULL AND left(phone_encrypted, length($1)) <> $1 AND ($2::uuid IS NULL OR id > $2::uuid)
ORDER BY id LIMIT $3;

-- TipCiphertextsRepository.notUnder (tip_idempotency_keys.response_encrypted)
SELECT key_hash::text AS ref, response_encrypted AS value FROM tip_idempotency_keys
WHERE response_encrypted IS NOT NULL AND left(response_encrypted, length($1)) <> $1 AND ($2::text IS NULL OR key_hash > $2::text)
ORDER BY key_hash LIMIT $3;

-- TipCiphertextsRepository.replace (contributors.email_encrypted)
UPDATE contributors AS t SET email_encrypted = r.to_value
 FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
WHERE t.id = r.ref::uuid AND t.email_encrypted = r.from_value;

-- TipCiphertextsRepository.replace (contributors.phone_encrypted)
UPDATE contributors AS t SET phone_encrypted = r.to_value
 FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
WHERE t.id = r.ref::uuid AND t.phone_encrypted = r.from_value;

-- TipCiphertextsRepository.replace (tip_idempotency_keys.response_encrypted)
UPDATE tip_idempotency_keys AS t SET response_encrypted = r.to_value
 FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
WHERE t.key_hash = r.ref::text AND t.response_encrypted = r.from_value;
