import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 14 (part 2): legal holds, contributors' erasure requests, erasure certificates, and the tips' `erased` status. */

export class PrivacyErasure1797300000000 implements MigrationInterface {
  name = 'PrivacyErasure1797300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Hand-written: payee details stay append-only, except for what an erasure strips (see the function).
    await queryRunner.query(`
          CREATE OR REPLACE FUNCTION payee_details_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF OLD.account_hash IS NULL AND NEW.account_hash IS NOT NULL
               AND (to_jsonb(OLD) - 'account_hash') = (to_jsonb(NEW) - 'account_hash') THEN
              RETURN NEW;
            END IF;
            -- Erasure (privacy/): a version a kept payment record names loses its encrypted name and
            -- account and its keyed hash; its masked forms and everything else stay as they were.
            IF NEW.account_holder_name_encrypted = '' AND NEW.details_encrypted = '' AND NEW.account_hash IS NULL
               AND (to_jsonb(OLD) - 'account_holder_name_encrypted' - 'details_encrypted' - 'account_hash')
                 = (to_jsonb(NEW) - 'account_holder_name_encrypted' - 'details_encrypted' - 'account_hash') THEN
              RETURN NEW;
            END IF;
            RAISE EXCEPTION 'payee_details is append-only (UPDATE refused)' USING ERRCODE = 'insufficient_privilege';
          END $$`);
    await queryRunner.query(`ALTER TABLE "tips" DROP CONSTRAINT "ck_tips_status"`);
    await queryRunner.query(
      `ALTER TABLE "tips" ADD CONSTRAINT "ck_tips_status" CHECK (status IN ('new', 'in_review', 'verified', 'used', 'rejected', 'spam', 'archived', 'erased'))`,
    );
    await queryRunner.query(
      `CREATE TABLE "legal_holds" ("tip_id" uuid NOT NULL, "reason" character varying(500) NOT NULL, "placed_by" uuid NOT NULL, "placed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_legal_holds" PRIMARY KEY ("tip_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "erasure_requests" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tip_id" uuid NOT NULL, "state" character varying(16) NOT NULL DEFAULT 'pending', "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, "decline_reason" character varying(500), CONSTRAINT "ck_erasure_requests_state" CHECK (state IN ('pending', 'carried_out', 'declined')), CONSTRAINT "pk_erasure_requests" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_erasure_requests_tip_id" ON "erasure_requests" ("tip_id") `);
    await queryRunner.query(`CREATE INDEX "ix_erasure_requests_state_requested_at" ON "erasure_requests" ("state", "requested_at") `);
    await queryRunner.query(
      `CREATE TABLE "erasure_certificates" ("tip_id" uuid NOT NULL, "erased_by" uuid, "erased_at" TIMESTAMP WITH TIME ZONE NOT NULL, "statement" text NOT NULL, "signature" character varying(100) NOT NULL, CONSTRAINT "pk_erasure_certificates" PRIMARY KEY ("tip_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "legal_holds" ADD CONSTRAINT "fk_legal_holds_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "legal_holds" ADD CONSTRAINT "fk_legal_holds_placed_by" FOREIGN KEY ("placed_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "erasure_requests" ADD CONSTRAINT "fk_erasure_requests_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "erasure_requests" ADD CONSTRAINT "fk_erasure_requests_decided_by" FOREIGN KEY ("decided_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "erasure_certificates" ADD CONSTRAINT "fk_erasure_certificates_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "erasure_certificates" ADD CONSTRAINT "fk_erasure_certificates_erased_by" FOREIGN KEY ("erased_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
          CREATE OR REPLACE FUNCTION payee_details_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF OLD.account_hash IS NULL AND NEW.account_hash IS NOT NULL
               AND (to_jsonb(OLD) - 'account_hash') = (to_jsonb(NEW) - 'account_hash') THEN
              RETURN NEW;
            END IF;
            RAISE EXCEPTION 'payee_details is append-only (UPDATE refused)' USING ERRCODE = 'insufficient_privilege';
          END $$`);
    await queryRunner.query(`ALTER TABLE "erasure_certificates" DROP CONSTRAINT "fk_erasure_certificates_erased_by"`);
    await queryRunner.query(`ALTER TABLE "erasure_certificates" DROP CONSTRAINT "fk_erasure_certificates_tip_id"`);
    await queryRunner.query(`ALTER TABLE "erasure_requests" DROP CONSTRAINT "fk_erasure_requests_decided_by"`);
    await queryRunner.query(`ALTER TABLE "erasure_requests" DROP CONSTRAINT "fk_erasure_requests_tip_id"`);
    await queryRunner.query(`ALTER TABLE "legal_holds" DROP CONSTRAINT "fk_legal_holds_placed_by"`);
    await queryRunner.query(`ALTER TABLE "legal_holds" DROP CONSTRAINT "fk_legal_holds_tip_id"`);
    await queryRunner.query(`DROP TABLE "erasure_certificates"`);
    await queryRunner.query(`DROP INDEX "public"."ix_erasure_requests_state_requested_at"`);
    await queryRunner.query(`DROP INDEX "public"."uq_erasure_requests_tip_id"`);
    await queryRunner.query(`DROP TABLE "erasure_requests"`);
    await queryRunner.query(`DROP TABLE "legal_holds"`);
    await queryRunner.query(`ALTER TABLE "tips" DROP CONSTRAINT "ck_tips_status"`);
    await queryRunner.query(
      `ALTER TABLE "tips" ADD CONSTRAINT "ck_tips_status" CHECK (status IN ('new', 'in_review', 'verified', 'used', 'rejected', 'spam', 'archived'))`,
    );
  }
}
