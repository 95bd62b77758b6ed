-- PrivacyRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- PrivacyRepository.hold
SELECT h.tip_id, h.reason, h.placed_by, s.name AS placed_by_name, h.placed_at FROM legal_holds h JOIN staff_users s ON s.id = h.placed_by WHERE h.tip_id = $1;

-- PrivacyRepository.insertHold
-- (on an empty database: 23503)
INSERT INTO legal_holds (tip_id, reason, placed_by) VALUES ($1, $3, $2) ON CONFLICT (tip_id) DO NOTHING RETURNING tip_id;

-- PrivacyRepository.deleteHold
DELETE FROM legal_holds WHERE tip_id = $1 RETURNING reason, placed_at;

-- PrivacyRepository.upsertRequest
-- (on an empty database: 23503)
INSERT INTO erasure_requests (tip_id) VALUES ($1) ON CONFLICT (tip_id) DO UPDATE SET state = 'pending', decided_by = NULL, decided_at = NULL, decline_reason = NULL, requested_at = now()
WHERE erasure_requests.state = 'declined' RETURNING id;

-- PrivacyRepository.requestOfTip
SELECT r.id, r.tip_id, t.reference, r.state, r.requested_at, r.decided_at, r.decline_reason,
EXISTS (SELECT 1 FROM legal_holds h WHERE h.tip_id = r.tip_id) AS on_hold FROM erasure_requests r JOIN tips t ON t.id = r.tip_id WHERE r.tip_id = $1;

-- PrivacyRepository.request
SELECT r.id, r.tip_id, t.reference, r.state, r.requested_at, r.decided_at, r.decline_reason,
EXISTS (SELECT 1 FROM legal_holds h WHERE h.tip_id = r.tip_id) AS on_hold FROM erasure_requests r JOIN tips t ON t.id = r.tip_id WHERE r.id = $1;

-- PrivacyRepository.pendingRequests
SELECT r.id, r.tip_id, t.reference, r.state, r.requested_at, r.decided_at, r.decline_reason,
EXISTS (SELECT 1 FROM legal_holds h WHERE h.tip_id = r.tip_id) AS on_hold FROM erasure_requests r JOIN tips t ON t.id = r.tip_id WHERE r.state = 'pending' ORDER BY r.requested_at, r.id LIMIT $1;

-- PrivacyRepository.decideRequest
UPDATE erasure_requests SET state = $2, decided_by = $3, decided_at = now(), decline_reason = $4 WHERE id = $1 AND state = 'pending' RETURNING id;

-- PrivacyRepository.insertCertificate
-- (on an empty database: 23503)
INSERT INTO erasure_certificates (tip_id, erased_by, erased_at, statement, signature) VALUES ($1, $2, $3, $4, $5);

-- PrivacyRepository.heldAmong
SELECT tip_id FROM legal_holds WHERE tip_id = ANY($1::uuid[]);

-- PrivacyRepository.certificate
SELECT tip_id, erased_at, statement, signature FROM erasure_certificates WHERE tip_id = $1;
