-- TipPrivacyRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- TipPrivacyRepository.lockForErasure
SELECT reference, status, channel, contributor_id, created_at FROM tips WHERE id = $1 FOR UPDATE;

-- TipPrivacyRepository.erase
SELECT c.name IS NOT NULL AS name, c.email_encrypted IS NOT NULL AS email, c.phone_encrypted IS NOT NULL AS phone
FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1;

UPDATE contributors SET name = NULL, email_encrypted = NULL, phone_encrypted = NULL WHERE id = (SELECT contributor_id FROM tips WHERE id = $1);

UPDATE tips SET story = '', location = NULL, occurred_at = NULL, tags = '{}', duplicate_of_id = NULL, status = 'erased', version = version + 1, updated_at = now() WHERE id = $1;

UPDATE consents SET credit_name = NULL, user_agent = NULL WHERE tip_id = $1;

DELETE FROM tip_idempotency_keys WHERE tip_id = $1;

-- TipPrivacyRepository.retentionCandidates
SELECT t.id, t.reference, t.status, t.updated_at, t.contributor_id,
      (c.name IS NOT NULL OR c.email_encrypted IS NOT NULL OR c.phone_encrypted IS NOT NULL) AS holds_contact_details
 FROM tips t JOIN contributors c ON c.id = t.contributor_id
WHERE t.status = ANY($1::text[]) ORDER BY t.updated_at, t.id LIMIT $2;

-- TipPrivacyRepository.eraseContactDetails
UPDATE contributors SET name = NULL, email_encrypted = NULL, phone_encrypted = NULL WHERE id = (SELECT contributor_id FROM tips WHERE id = $1);

UPDATE consents SET credit_name = NULL, user_agent = NULL WHERE tip_id = $1;

-- TipPrivacyRepository.accessRecord
SELECT t.reference, t.channel, t.status, t.story, t.location, t.occurred_at, t.created_at, t.updated_at,
      c.name, c.email_encrypted, c.phone_encrypted
 FROM tips t JOIN contributors c ON c.id = t.contributor_id
WHERE t.id = $1;

-- TipPrivacyRepository.consentsForAccess
SELECT terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at, user_agent
FROM consents WHERE tip_id = $1 ORDER BY accepted_at, id;
