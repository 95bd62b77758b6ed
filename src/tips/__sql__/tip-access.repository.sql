-- TipAccessRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- TipAccessRepository.tip
SELECT t.reference, t.channel, t.status, t.story, t.location, t.occurred_at, t.created_at, t.updated_at,
      c.name, c.email_encrypted, c.phone_encrypted
 FROM tips t JOIN contributors c ON c.id = t.contributor_id
WHERE t.id = $1;

-- TipAccessRepository.consents
SELECT terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at, user_agent
FROM consents WHERE tip_id = $1 ORDER BY accepted_at, id;
