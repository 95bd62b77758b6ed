-- BankStatementsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- BankStatementsRepository.insertImport
-- (on an empty database: 23503)
INSERT INTO bank_statement_imports (msg_id, message_version, imported_by, counts) VALUES ($1, $2, $3, '{}') RETURNING id;

-- BankStatementsRepository.insertStatement
-- (on an empty database: 23503)
INSERT INTO bank_statements (import_id, statement_id, account) VALUES ($1, $2, $3);

-- BankStatementsRepository.insertLines
INSERT INTO bank_statement_lines (import_id, position, statement_id, entry_reference, end_to_end_id, remittance, direction, reversal, status,
                                  amount_minor, amount_text, currency, return_code, return_info, booking_date, payout_reference, detail)
SELECT $1, u.* FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::text[],
                           $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::date[], $16::text[], $17::text[]) AS u;

-- BankStatementsRepository.decide
SELECT b.id FROM payout_batches b WHERE b.id IN (SELECT p.batch_id FROM payouts p JOIN bank_statement_lines l ON l.payout_reference = p.bank_reference WHERE l.import_id = $1)
ORDER BY b.id FOR SHARE;

SELECT p.id FROM payouts p WHERE p.bank_reference IN (SELECT payout_reference FROM bank_statement_lines WHERE import_id = $1 AND payout_reference IS NOT NULL)
ORDER BY p.id FOR UPDATE;

WITH facts AS (
  SELECT l.id, l.position, l.status, l.amount_minor, l.amount_text, l.currency, l.payout_reference, l.detail AS return_reason,
         (l.direction = 'CRDT' OR l.reversal) AS is_return, (l.direction = 'CRDT' AND NOT l.reversal AND l.return_code IS NULL AND l.payout_reference IS NULL) AS incoming,
         p.id AS payout_id, p.state, p.amount_minor AS payout_amount, p.currency AS payout_currency, b.state AS batch_state
    FROM bank_statement_lines l
    LEFT JOIN payouts p ON p.bank_reference = l.payout_reference
    LEFT JOIN payout_batches b ON b.id = p.batch_id
   WHERE l.import_id = $1
), ranked AS (
  SELECT f.*,
         row_number() OVER (PARTITION BY f.payout_id, f.is_return ORDER BY f.position) AS nth,
         bool_or(NOT f.is_return AND f.status = 'BOOK' AND f.state = 'batched' AND f.batch_state = 'sent'
                 AND f.currency = f.payout_currency AND f.amount_minor = f.payout_amount) OVER (PARTITION BY f.payout_id) AS paid_here
    FROM facts f
), decided AS (
  SELECT id, payout_id, CASE
    WHEN incoming THEN 'ignored'
    WHEN status <> 'BOOK' THEN 'not_booked'
    WHEN payout_reference IS NULL OR payout_id IS NULL THEN 'unmatched'
    WHEN currency <> payout_currency OR amount_minor IS NULL OR amount_minor <> payout_amount THEN 'mismatched'
    WHEN payout_id IS NOT NULL AND nth > 1 THEN 'duplicate'
    WHEN NOT is_return AND state = 'batched' AND batch_state = 'sent' THEN 'paid'
    WHEN NOT is_return AND state = 'paid' THEN 'already_settled'
    WHEN is_return AND (state = 'paid' OR paid_here) THEN 'conflict'
    WHEN is_return AND state = 'batched' AND batch_state = 'sent' THEN 'failed'
    WHEN is_return AND state = 'failed' THEN 'already_settled'
    ELSE 'conflict' END AS outcome,
    CASE
    WHEN incoming THEN 'Money in, not a tipdesk payment'
    WHEN status <> 'BOOK' THEN format('Not booked yet (%s): import the statement that books it', status)
    WHEN payout_reference IS NULL THEN 'No tipdesk reference in the end-to-end id or the remittance information'
    WHEN payout_id IS NULL THEN format('No tipdesk payout has the reference %s', payout_reference)
    WHEN currency <> payout_currency THEN format('The bank moved %s %s; payout %s is in %s', amount_text, currency, payout_reference, payout_currency)
    WHEN amount_minor IS NULL OR amount_minor <> payout_amount THEN format('The bank moved %s %s; payout %s is %s %s', amount_text, currency, payout_reference, to_char(payout_amount / 100.0, 'FM999999999990.00'), payout_currency)
    WHEN nth > 1 THEN format('Payout %s is on an earlier line of this statement too', payout_reference)
    WHEN NOT is_return AND state = 'batched' AND batch_state = 'sent' THEN NULL
    WHEN NOT is_return AND state = 'paid' THEN format('Payout %s is already paid', payout_reference)
    WHEN is_return AND (state = 'paid' OR paid_here) THEN format('The bank returned payout %s after it was paid: a person must look into this (%s)', payout_reference, return_reason)
    WHEN is_return AND state = 'batched' AND batch_state = 'sent' THEN return_reason
    WHEN is_return AND state = 'failed' THEN format('Payout %s is already failed', payout_reference)
    WHEN state = 'batched' THEN format('Payout %s is in a batch that is not marked sent', payout_reference)
    ELSE format('Payout %s is %s: nothing to settle', payout_reference, state) END AS detail
    FROM ranked
)
UPDATE bank_statement_lines l SET outcome = d.outcome, detail = left(d.detail, 300), payout_id = d.payout_id FROM decided d WHERE l.id = d.id;

-- BankStatementsRepository.closeSettledBatches
UPDATE payout_batches b SET state = 'closed', version = version + 1, updated_at = now()
 WHERE b.id = ANY($1::uuid[]) AND b.state = 'sent' AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.batch_id = b.id AND p.state = 'batched')
RETURNING b.id;

-- BankStatementsRepository.finish
UPDATE bank_statement_imports i SET line_count = $2,
      counts = coalesce((SELECT jsonb_object_agg(outcome, n) FROM (SELECT outcome, count(*)::int AS n FROM bank_statement_lines WHERE import_id = $1 GROUP BY outcome) c), '{}'::jsonb)
WHERE i.id = $1 RETURNING counts;

-- BankStatementsRepository.find
SELECT i.*, ARRAY(SELECT s.statement_id FROM bank_statements s WHERE s.import_id = i.id ORDER BY s.statement_id) AS statement_ids
FROM bank_statement_imports i WHERE i.id = $1;

-- BankStatementsRepository.recent
SELECT id, msg_id, imported_at, line_count, counts FROM bank_statement_imports ORDER BY imported_at DESC, id DESC LIMIT 50;
