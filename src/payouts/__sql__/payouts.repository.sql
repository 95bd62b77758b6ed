-- PayoutsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- PayoutsRepository.find
SELECT p.*, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
     d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
     b.state AS batch_state, b.format AS batch_format
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id WHERE p.id = $1;

-- PayoutsRepository.findOfTip
SELECT p.*, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
     d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
     b.state AS batch_state, b.format AS batch_format
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id WHERE p.id = $1 AND p.tip_id = $2;

-- PayoutsRepository.forTip
SELECT p.*, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
     d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
     b.state AS batch_state, b.format AS batch_format
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id WHERE p.tip_id = $1 ORDER BY p.created_at, p.id;

-- PayoutsRepository.page
SELECT p.*, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
     d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
     b.state AS batch_state, b.format AS batch_format
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id  ORDER BY p.created_at DESC, p.id DESC LIMIT $1;

-- PayoutsRepository.page of one state after a cursor
SELECT p.*, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
     d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
     b.state AS batch_state, b.format AS batch_format
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id WHERE p.state = $1 AND (p.created_at, p.id) < ($2::timestamptz, $3::uuid) ORDER BY p.created_at DESC, p.id DESC LIMIT $4;

-- PayoutsRepository.totals
SELECT currency, state, count(*)::int AS count, sum(amount_minor)::text AS total_minor FROM payouts GROUP BY currency, state ORDER BY currency, state;

-- PayoutsRepository.events
SELECT at, actor_type, actor_id, role, from_state, to_state, reason, detail FROM payout_events WHERE payout_id = $1 ORDER BY at, seq;

-- PayoutsRepository.eventsForTip
SELECT e.payout_id, p.bank_reference, e.at, e.actor_type, e.actor_id, e.role, e.from_state, e.to_state, e.reason, e.detail,
      CASE WHEN e.to_state = 'batched' AND e.from_state = 'approved' THEN b.format END AS batch_format
 FROM payout_events e JOIN payouts p ON p.id = e.payout_id LEFT JOIN payout_batches b ON b.id = p.batch_id
WHERE p.tip_id = $1 ORDER BY e.at, e.seq;

-- PayoutsRepository.creatorId
SELECT actor_id FROM payout_events WHERE payout_id = $1 AND from_state IS NULL;

-- PayoutsRepository.insertOffer
-- (on an empty database: 23503)
INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, legal_witness, legal_crime)
VALUES ($1, $2, $3, $4, $5, 'offered', $6, $7, now(), $8, $9) RETURNING id;

-- PayoutsRepository.reissueOf
SELECT id FROM payouts WHERE replaces_payout_id = $1;

-- PayoutsRepository.insertReissue
-- (on an empty database: TypeError)
INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at,
                     legal_witness, legal_crime, legal_signed_off_by, legal_signed_off_at, payee_details_id, replaces_payout_id)
SELECT tip_id, contributor_id, amount_minor, currency, licence, 'accepted', $2, offered_by, offered_at,
       legal_witness, legal_crime, legal_signed_off_by, legal_signed_off_at, $3, id
  FROM payouts WHERE id = $1
RETURNING id;

-- PayoutsRepository.compareAndSet
UPDATE payouts SET state = $3, approved_by = $4, first_approved_at = now(), version = version + 1, updated_at = now()

WHERE payouts.id = $1 AND payouts.version = $2  RETURNING payouts.id;

-- PayoutsRepository.compareAndSet (settling)
UPDATE payouts SET state = $3, paid_reference = $4, version = version + 1, updated_at = now()
FROM (SELECT b.id FROM payout_batches b WHERE b.id = $5 AND b.state = 'sent' FOR SHARE) AS sent_batch
WHERE payouts.id = $1 AND payouts.version = $2 AND payouts.batch_id = sent_batch.id RETURNING payouts.id;

-- PayoutsRepository.appendEvent
-- (on an empty database: 23503)
WITH head AS (
  UPDATE event_chain_head SET payout_seq = payout_seq + 1, payout_prev_hash = payout_hash,
         payout_hash = tipdesk_chain_hash(payout_hash, payout_event_canonical(payout_seq + 1, $1::uuid, now(), $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text, $9::jsonb))
   WHERE id = 1
  RETURNING payout_seq, payout_prev_hash, payout_hash)
INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, detail, seq, prev_hash, hash)
SELECT $1::uuid, now(), $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text, $9::jsonb, payout_seq, payout_prev_hash, payout_hash FROM head
RETURNING seq;

-- PayoutsRepository.payeeContributorOfTip
SELECT contributor_id FROM payouts WHERE tip_id = $1 AND payee_details_id IS NOT NULL LIMIT 1;

-- PayoutsRepository.lockOnOtherPayee
SELECT p.*, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
     d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
     b.state AS batch_state, b.format AS batch_format
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id WHERE p.contributor_id = $1 AND p.state IN ('accepted', 'held', 'approved') AND p.payee_details_id <> $2 ORDER BY p.id FOR UPDATE OF p;

-- PayoutsRepository.lockBatched
SELECT p.*, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
     d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
     b.state AS batch_state, b.format AS batch_format
FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id WHERE p.batch_id = $1 AND p.state = 'batched' ORDER BY p.id FOR UPDATE OF p;

-- PayoutsRepository.batchState
SELECT state FROM payout_batches WHERE id = $1;

-- PayoutsRepository.batchState (share-locked)
SELECT state FROM payout_batches WHERE id = $1 FOR SHARE;

-- PayoutsRepository.tipContributor
SELECT contributor_id FROM tips WHERE id = $1;

-- PayoutsRepository.tipHasVideo
SELECT EXISTS (SELECT 1 FROM media WHERE tip_id = $1 AND kind = 'video') AS has_video;
