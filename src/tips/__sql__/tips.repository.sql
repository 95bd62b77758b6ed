-- TipsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- TipsRepository.insertWithConsent
-- (on an empty database: 23514)
WITH contributor AS (
  INSERT INTO contributors (name, email_encrypted, phone_encrypted) VALUES ($1, $2, $3) RETURNING id
), tip AS (
  INSERT INTO tips (reference, secret_hash, channel, story, location, occurred_at, contributor_id)
  SELECT $4, $5, $6, $7, $8, $9, id FROM contributor RETURNING id, contributor_id
), consent AS (
  INSERT INTO consents (tip_id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at, user_agent)
  SELECT id, $10, $11, $12, $13, $14, $15, $16, $6, now(), $17 FROM tip
)
SELECT id AS tip_id, contributor_id FROM tip;

-- TipsRepository.insertWithoutConsent
-- (on an empty database: 23514)
WITH contributor AS (
  INSERT INTO contributors (name, email_encrypted, phone_encrypted) VALUES ($1, $2, $3) RETURNING id
)
INSERT INTO tips (reference, secret_hash, channel, story, location, occurred_at, contributor_id)
SELECT $4, $5, $6, $7, $8, $9, id FROM contributor RETURNING id AS tip_id, contributor_id;

-- TipsRepository.insertUnderSavepoint
-- (on an empty database: 25P01)
SAVEPOINT channel_tip;

-- TipsRepository.summaries
SELECT t.id, t.reference, c.name AS contributor_name FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.id = ANY($1::uuid[]);

-- TipsRepository.idByReference
SELECT id FROM tips WHERE reference = $1;

-- TipsRepository.credentialsByReference
SELECT id, secret_hash FROM tips WHERE reference = $1;

-- TipsRepository.contributorView
SELECT reference, status, created_at FROM tips WHERE id = $1;

-- TipsRepository.lockForUpdate
SELECT status, contributor_id FROM tips WHERE id = $1 FOR UPDATE;

-- TipsRepository.claimOldestNew
UPDATE tips SET assignee_id = $1, status = 'in_review', version = version + 1, updated_at = now()
WHERE id = (SELECT id FROM tips WHERE status = 'new' AND assignee_id IS NULL
             ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id;

-- TipsRepository.workflowState
SELECT status, assignee_id, tags, priority, duplicate_of_id, version FROM tips WHERE id = $1;

-- TipsRepository.updateWorkflow (status)
UPDATE tips SET status = $3, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id;

-- TipsRepository.updateWorkflow (every column)
UPDATE tips SET status = $3, assignee_id = $4, tags = $5, priority = $6, duplicate_of_id = $7, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id;

-- TipsRepository.exists
SELECT id FROM tips WHERE id = $1;

-- TipsRepository.lockDuplicateLinks
SELECT pg_advisory_xact_lock($1);

-- TipsRepository.duplicateChainReaches
WITH RECURSIVE chain(id) AS (
  SELECT $2::uuid
  UNION
  SELECT t.duplicate_of_id FROM tips t JOIN chain ON t.id = chain.id WHERE t.duplicate_of_id IS NOT NULL
)
SELECT EXISTS (SELECT 1 FROM chain WHERE id = $1) AS cycle;

-- TipsRepository.refById
SELECT id, reference, channel FROM tips WHERE id = $1;

-- TipsRepository.refById (locking the row)
SELECT id, reference, channel FROM tips WHERE id = $1 FOR UPDATE;

-- TipsRepository.refByReference
SELECT id, reference, channel FROM tips WHERE reference = $1;

-- TipsRepository.contact
SELECT t.reference, t.channel, c.email_encrypted, c.phone_encrypted FROM tips t LEFT JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1;
