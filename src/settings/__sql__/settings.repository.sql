-- SettingsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- SettingsRepository.read
SELECT paper_name, contact_email, contact_phone, contact_whatsapp, privacy_notice, time_zone, date_style, payer_name, payer_sort_code, payer_account_number, bacs_service_user_number, sepa_debtor_name, sepa_debtor_iban, sepa_debtor_bic,
     logo_type, logo_sha256, octet_length(logo) AS logo_bytes, version, updated_by, updated_at
FROM paper_settings WHERE id = $1;

-- SettingsRepository.read (locked)
SELECT paper_name, contact_email, contact_phone, contact_whatsapp, privacy_notice, time_zone, date_style, payer_name, payer_sort_code, payer_account_number, bacs_service_user_number, sepa_debtor_name, sepa_debtor_iban, sepa_debtor_bic,
     logo_type, logo_sha256, octet_length(logo) AS logo_bytes, version, updated_by, updated_at
FROM paper_settings WHERE id = $1 FOR UPDATE;

-- SettingsRepository.logo
SELECT logo, logo_type, logo_sha256 FROM paper_settings WHERE id = $1;

-- SettingsRepository.updatePaper
-- (on an empty database: 23503)
UPDATE paper_settings SET paper_name = $4, time_zone = $5, version = version + 1, updated_by = $3, updated_at = now()
WHERE id = $1 AND version = $2 RETURNING id;

-- SettingsRepository.setLogo
-- (on an empty database: 23503)
UPDATE paper_settings SET logo = $4, logo_type = $5, logo_sha256 = $6, version = version + 1, updated_by = $3, updated_at = now()
WHERE id = $1 AND version = $2 RETURNING id;

-- SettingsRepository.applyPayer
-- (on an empty database: 23503)
UPDATE paper_settings SET payer_name = $3, payer_sort_code = $4, payer_account_number = $5, bacs_service_user_number = $6, sepa_debtor_name = $7, sepa_debtor_iban = $8, sepa_debtor_bic = $9, version = version + 1, updated_by = $2, updated_at = now() WHERE id = $1;

-- SettingsRepository.pendingChange
SELECT c.id, c.proposed, c.state, c.proposed_by, p.name AS proposed_by_name, c.proposed_at, c.decided_by, d.name AS decided_by_name, c.decided_at
FROM payer_changes c
LEFT JOIN staff_users p ON p.id = c.proposed_by
LEFT JOIN staff_users d ON d.id = c.decided_by WHERE c.state = 'pending';

-- SettingsRepository.change
SELECT c.id, c.proposed, c.state, c.proposed_by, p.name AS proposed_by_name, c.proposed_at, c.decided_by, d.name AS decided_by_name, c.decided_at
FROM payer_changes c
LEFT JOIN staff_users p ON p.id = c.proposed_by
LEFT JOIN staff_users d ON d.id = c.decided_by WHERE c.id = $1;

-- SettingsRepository.recentChanges
SELECT c.id, c.proposed, c.state, c.proposed_by, p.name AS proposed_by_name, c.proposed_at, c.decided_by, d.name AS decided_by_name, c.decided_at
FROM payer_changes c
LEFT JOIN staff_users p ON p.id = c.proposed_by
LEFT JOIN staff_users d ON d.id = c.decided_by WHERE c.state <> 'pending' ORDER BY c.decided_at DESC, c.id LIMIT $1;

-- SettingsRepository.insertChange
-- (on an empty database: 23503)
INSERT INTO payer_changes (proposed, state, proposed_by) VALUES ($1, 'pending', $2)
ON CONFLICT (state) WHERE state = 'pending' DO NOTHING RETURNING id;

-- SettingsRepository.decideChange
UPDATE payer_changes SET state = $2, decided_by = $3, decided_at = now() WHERE id = $1 AND state = 'pending' RETURNING id;
