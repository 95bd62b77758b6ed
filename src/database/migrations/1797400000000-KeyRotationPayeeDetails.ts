import type { MigrationInterface, QueryRunner } from 'typeorm';

const REFUSE = `RAISE EXCEPTION 'payee_details is append-only (UPDATE refused)' USING ERRCODE = 'insufficient_privilege';`;
const FILL_ACCOUNT_HASH = `IF OLD.account_hash IS NULL AND NEW.account_hash IS NOT NULL
               AND (to_jsonb(OLD) - 'account_hash') = (to_jsonb(NEW) - 'account_hash') THEN
              RETURN NEW;
            END IF;`;
// Erasure's exemption (1797300000000-PrivacyErasure), which this function must keep: a version a
// kept payment record names loses its encrypted name and account and its keyed hash.
const ERASE_KEPT_VERSION = `IF NEW.account_holder_name_encrypted = '' AND NEW.details_encrypted = '' AND NEW.account_hash IS NULL
               AND (to_jsonb(OLD) - 'account_holder_name_encrypted' - 'details_encrypted' - 'account_hash')
                 = (to_jsonb(NEW) - 'account_holder_name_encrypted' - 'details_encrypted' - 'account_hash') THEN
              RETURN NEW;
            END IF;`;

/**
 * Issue 14's key rotation: payee details stay append-only, except that `npm run cli -- keys:rotate`
 * may re-encrypt the two ciphertext columns in place, in a transaction that says so
 * (set_config('tipdesk.rotating_keys', 'on', true)), changing nothing else of the row.
 */
export class KeyRotationPayeeDetails1797400000000 implements MigrationInterface {
  name = 'KeyRotationPayeeDetails1797400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
          CREATE OR REPLACE FUNCTION payee_details_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            ${FILL_ACCOUNT_HASH}
            ${ERASE_KEPT_VERSION}
            IF current_setting('tipdesk.rotating_keys', true) = 'on'
               AND (to_jsonb(OLD) - 'account_holder_name_encrypted' - 'details_encrypted')
                 = (to_jsonb(NEW) - 'account_holder_name_encrypted' - 'details_encrypted') THEN
              RETURN NEW;
            END IF;
            ${REFUSE}
          END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
          CREATE OR REPLACE FUNCTION payee_details_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            ${FILL_ACCOUNT_HASH}
            ${ERASE_KEPT_VERSION}
            ${REFUSE}
          END $$`);
  }
}
