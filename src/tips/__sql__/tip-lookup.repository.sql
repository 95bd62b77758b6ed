-- TipLookupRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- TipLookupRepository.findById
SELECT id, reference, channel FROM tips WHERE id = $1;

-- TipLookupRepository.findById (locking the row)
SELECT id, reference, channel FROM tips WHERE id = $1 FOR UPDATE;

-- TipLookupRepository.findByReference
SELECT id, reference, channel FROM tips WHERE reference = $1;

-- TipLookupRepository.contact
SELECT t.reference, t.channel, c.email_encrypted, c.phone_encrypted FROM tips t LEFT JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1;
