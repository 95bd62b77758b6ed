-- StaffRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- StaffRepository.count
SELECT COUNT(1) AS "cnt" FROM "staff_users" "StaffUser";

-- StaffRepository.findById
SELECT "StaffUser"."id" AS "StaffUser_id", "StaffUser"."email" AS "StaffUser_email", "StaffUser"."name" AS "StaffUser_name", "StaffUser"."role" AS "StaffUser_role", "StaffUser"."password_hash" AS "StaffUser_password_hash", "StaffUser"."totp_secret_encrypted" AS "StaffUser_totp_secret_encrypted", "StaffUser"."totp_enabled_at" AS "StaffUser_totp_enabled_at", "StaffUser"."totp_last_step" AS "StaffUser_totp_last_step", "StaffUser"."recovery_code_hashes" AS "StaffUser_recovery_code_hashes", "StaffUser"."disabled_at" AS "StaffUser_disabled_at", "StaffUser"."last_sign_in_at" AS "StaffUser_last_sign_in_at", "StaffUser"."created_at" AS "StaffUser_created_at", "StaffUser"."updated_at" AS "StaffUser_updated_at" FROM "staff_users" "StaffUser" WHERE (("StaffUser"."id" = $1)) LIMIT 1;

-- StaffRepository.findByEmail
SELECT "StaffUser"."id" AS "StaffUser_id", "StaffUser"."email" AS "StaffUser_email", "StaffUser"."name" AS "StaffUser_name", "StaffUser"."role" AS "StaffUser_role", "StaffUser"."password_hash" AS "StaffUser_password_hash", "StaffUser"."totp_secret_encrypted" AS "StaffUser_totp_secret_encrypted", "StaffUser"."totp_enabled_at" AS "StaffUser_totp_enabled_at", "StaffUser"."totp_last_step" AS "StaffUser_totp_last_step", "StaffUser"."recovery_code_hashes" AS "StaffUser_recovery_code_hashes", "StaffUser"."disabled_at" AS "StaffUser_disabled_at", "StaffUser"."last_sign_in_at" AS "StaffUser_last_sign_in_at", "StaffUser"."created_at" AS "StaffUser_created_at", "StaffUser"."updated_at" AS "StaffUser_updated_at" FROM "staff_users" "StaffUser" WHERE (("StaffUser"."email" = $1)) LIMIT 1;

-- StaffRepository.list
SELECT "StaffUser"."id" AS "StaffUser_id", "StaffUser"."email" AS "StaffUser_email", "StaffUser"."name" AS "StaffUser_name", "StaffUser"."role" AS "StaffUser_role", "StaffUser"."password_hash" AS "StaffUser_password_hash", "StaffUser"."totp_secret_encrypted" AS "StaffUser_totp_secret_encrypted", "StaffUser"."totp_enabled_at" AS "StaffUser_totp_enabled_at", "StaffUser"."totp_last_step" AS "StaffUser_totp_last_step", "StaffUser"."recovery_code_hashes" AS "StaffUser_recovery_code_hashes", "StaffUser"."disabled_at" AS "StaffUser_disabled_at", "StaffUser"."last_sign_in_at" AS "StaffUser_last_sign_in_at", "StaffUser"."created_at" AS "StaffUser_created_at", "StaffUser"."updated_at" AS "StaffUser_updated_at" FROM "staff_users" "StaffUser" ORDER BY "StaffUser"."disabled_at" ASC NULLS FIRST, "StaffUser"."name" ASC;

-- StaffRepository.assignable
SELECT id, name, role FROM staff_users WHERE disabled_at IS NULL AND role IN ('editor', 'admin') ORDER BY name;

-- StaffRepository.insert
-- (on an empty database: 23514)
START TRANSACTION;

INSERT INTO "staff_users"("id", "email", "name", "role", "password_hash", "totp_secret_encrypted", "totp_enabled_at", "totp_last_step", "recovery_code_hashes", "disabled_at", "last_sign_in_at", "created_at", "updated_at") VALUES (DEFAULT, $1, $2, $3, $4, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT) RETURNING "id", "recovery_code_hashes", "created_at", "updated_at";

ROLLBACK;

-- StaffRepository.lockForUpdate
SELECT id FROM staff_users WHERE id = $1 FOR UPDATE;

-- StaffRepository.countActiveAdminsForUpdate
SELECT count(*)::int AS n FROM (SELECT id FROM staff_users WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE) admins;

-- StaffRepository.update
UPDATE "staff_users" SET "name" = $1, "role" = $2, "disabled_at" = $3, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $4;

-- StaffRepository.clearTotp
UPDATE "staff_users" SET "totp_secret_encrypted" = $1, "totp_enabled_at" = $2, "totp_last_step" = $3, "recovery_code_hashes" = $4, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $5;

-- StaffRepository.setPasswordHash
UPDATE staff_users SET password_hash = $2 WHERE id = $1;

-- StaffRepository.stampSignIn
UPDATE staff_users SET last_sign_in_at = now() WHERE id = $1 RETURNING last_sign_in_at;

-- StaffRepository.spendRecoveryCode
UPDATE staff_users SET recovery_code_hashes = array_remove(recovery_code_hashes, $2)
WHERE id = $1 AND $2 = ANY(recovery_code_hashes) RETURNING id;

-- StaffRepository.advanceTotpStep
UPDATE staff_users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id;

-- StaffRepository.startTotp
UPDATE staff_users SET totp_secret_encrypted = $2 WHERE id = $1 AND totp_enabled_at IS NULL;

-- StaffRepository.enableTotp
UPDATE staff_users SET totp_enabled_at = now(), totp_last_step = $2, recovery_code_hashes = $3 WHERE id = $1;

-- StaffRepository.insertSetupToken
INSERT INTO staff_setup_tokens (token_hash, expires_at) VALUES ($1, now() + make_interval(hours => $2));

-- StaffRepository.setupTokenLive
SELECT 1 FROM staff_setup_tokens WHERE token_hash = $1 AND expires_at > now();

-- StaffRepository.lockSetupTokens
-- (on an empty database: 25P01)
LOCK TABLE staff_setup_tokens IN EXCLUSIVE MODE;

-- StaffRepository.deleteSetupTokens
DELETE FROM staff_setup_tokens;
