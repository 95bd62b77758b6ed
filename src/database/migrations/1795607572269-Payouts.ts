import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Payouts, payee details, batches; payout events and payee details are append-only in the database itself. */
export class Payouts1795607572269 implements MigrationInterface {
  name = 'Payouts1795607572269';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "payee_details" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "contributor_id" uuid NOT NULL, "version" integer NOT NULL, "method" character varying(16) NOT NULL, "account_holder_name_encrypted" text NOT NULL, "account_holder_name_masked" character varying(80) NOT NULL, "details_encrypted" text NOT NULL, "masked" character varying(80) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_payee_details_method" CHECK (method IN ('uk_bank', 'iban', 'paypal')), CONSTRAINT "pk_payee_details" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payee_details_contributor_id_version" ON "payee_details"  ("contributor_id", "version") `);
    await queryRunner.query(
      `CREATE TABLE "payout_batches" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "format" character varying(32) NOT NULL, "currency" character(3) NOT NULL, "created_by" uuid NOT NULL, "count" integer NOT NULL, "total_minor" bigint NOT NULL, "file_sha256" character(64), "state" character varying(16) NOT NULL DEFAULT 'locked', "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_payout_batches_count" CHECK (count >= 0 AND total_minor >= 0), CONSTRAINT "ck_payout_batches_currency" CHECK (currency IN ('GBP', 'EUR', 'USD')), CONSTRAINT "ck_payout_batches_state" CHECK (state IN ('locked', 'sent', 'closed', 'voided')), CONSTRAINT "pk_payout_batches" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "payouts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tip_id" uuid NOT NULL, "contributor_id" uuid NOT NULL, "amount_minor" bigint NOT NULL, "currency" character(3) NOT NULL, "licence" character varying(16) NOT NULL, "state" character varying(16) NOT NULL DEFAULT 'offered', "bank_reference" character varying(18) NOT NULL, "offered_by" uuid NOT NULL, "offered_at" TIMESTAMP WITH TIME ZONE NOT NULL, "approved_by" uuid, "approved_at" TIMESTAMP WITH TIME ZONE, "legal_witness" boolean NOT NULL DEFAULT false, "legal_crime" boolean NOT NULL DEFAULT false, "legal_signed_off_by" uuid, "legal_signed_off_at" TIMESTAMP WITH TIME ZONE, "payee_details_id" uuid, "batch_id" uuid, "paid_reference" character varying(100), "failure_reason" character varying(500), "replaces_payout_id" uuid, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_payouts_payee" CHECK (state IN ('offered', 'declined', 'cancelled') OR payee_details_id IS NOT NULL), CONSTRAINT "ck_payouts_approval" CHECK ((state IN ('approved', 'batched', 'paid', 'failed')) <= (approved_by IS NOT NULL)), CONSTRAINT "ck_payouts_batch_id" CHECK ((state IN ('batched', 'paid', 'failed')) = (batch_id IS NOT NULL)), CONSTRAINT "ck_payouts_bank_reference" CHECK (bank_reference ~ '^[A-Z0-9./& -]{1,18}$'), CONSTRAINT "ck_payouts_amount_minor" CHECK (amount_minor > 0 AND amount_minor <= 1000000000), CONSTRAINT "ck_payouts_licence" CHECK (licence IN ('exclusive', 'non_exclusive')), CONSTRAINT "ck_payouts_currency" CHECK (currency IN ('GBP', 'EUR', 'USD')), CONSTRAINT "ck_payouts_state" CHECK (state IN ('offered', 'accepted', 'declined', 'cancelled', 'held', 'approved', 'batched', 'paid', 'failed')), CONSTRAINT "pk_payouts" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payouts_bank_reference" ON "payouts"  ("bank_reference") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payouts_replaces_payout_id" ON "payouts"  ("replaces_payout_id") `);
    await queryRunner.query(`CREATE INDEX "ix_payouts_batch_id" ON "payouts"  ("batch_id") `);
    await queryRunner.query(`CREATE INDEX "ix_payouts_created_at_id" ON "payouts"  ("created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_payouts_state_created_at_id" ON "payouts"  ("state", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_payouts_contributor_id" ON "payouts"  ("contributor_id") `);
    await queryRunner.query(`CREATE INDEX "ix_payouts_tip_id" ON "payouts"  ("tip_id") `);
    await queryRunner.query(
      `CREATE TABLE "payout_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "payout_id" uuid NOT NULL, "actor_type" character varying(16) NOT NULL, "actor_id" uuid, "role" character varying(16) NOT NULL, "from_state" character varying(16), "to_state" character varying(16) NOT NULL, "reason" character varying(500), "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_payout_events_actor_type" CHECK (actor_type IN ('staff', 'contributor', 'system')), CONSTRAINT "pk_payout_events" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_payout_events_payout_id_at" ON "payout_events"  ("payout_id", "at") `);
    await queryRunner.query(
      `CREATE TABLE "payout_batch_items" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "batch_id" uuid NOT NULL, "payout_id" uuid NOT NULL, "position" integer NOT NULL, "snapshot_encrypted" text NOT NULL, CONSTRAINT "pk_payout_batch_items" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_payout_batch_items_payout_id" ON "payout_batch_items"  ("payout_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payout_batch_items_batch_id_payout_id" ON "payout_batch_items"  ("batch_id", "payout_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payout_batch_items_batch_id_position" ON "payout_batch_items"  ("batch_id", "position") `);
    await queryRunner.query(
      `ALTER TABLE "payee_details" ADD CONSTRAINT "fk_payee_details_contributor_id" FOREIGN KEY ("contributor_id") REFERENCES "contributors"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_batches" ADD CONSTRAINT "fk_payout_batches_created_by" FOREIGN KEY ("created_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_contributor_id" FOREIGN KEY ("contributor_id") REFERENCES "contributors"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_offered_by" FOREIGN KEY ("offered_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_approved_by" FOREIGN KEY ("approved_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_legal_signed_off_by" FOREIGN KEY ("legal_signed_off_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_payee_details_id" FOREIGN KEY ("payee_details_id") REFERENCES "payee_details"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_batch_id" FOREIGN KEY ("batch_id") REFERENCES "payout_batches"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_replaces_payout_id" FOREIGN KEY ("replaces_payout_id") REFERENCES "payouts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_events" ADD CONSTRAINT "fk_payout_events_payout_id" FOREIGN KEY ("payout_id") REFERENCES "payouts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_batch_items" ADD CONSTRAINT "fk_payout_batch_items_batch_id" FOREIGN KEY ("batch_id") REFERENCES "payout_batches"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_batch_items" ADD CONSTRAINT "fk_payout_batch_items_payout_id" FOREIGN KEY ("payout_id") REFERENCES "payouts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // Hand-written: the record of money moves and the payee versions they used are never rewritten.
    await queryRunner.query(`
          CREATE FUNCTION payouts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
          END $$`);
    await queryRunner.query(
      `CREATE TRIGGER tr_payout_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON payout_events FOR EACH STATEMENT EXECUTE FUNCTION payouts_append_only()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER tr_payee_details_append_only BEFORE UPDATE ON payee_details FOR EACH STATEMENT EXECUTE FUNCTION payouts_append_only()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_payee_details_append_only ON payee_details`);
    await queryRunner.query(`DROP TRIGGER tr_payout_events_append_only ON payout_events`);
    await queryRunner.query(`DROP FUNCTION payouts_append_only()`);
    await queryRunner.query(`ALTER TABLE "payout_batch_items" DROP CONSTRAINT "fk_payout_batch_items_payout_id"`);
    await queryRunner.query(`ALTER TABLE "payout_batch_items" DROP CONSTRAINT "fk_payout_batch_items_batch_id"`);
    await queryRunner.query(`ALTER TABLE "payout_events" DROP CONSTRAINT "fk_payout_events_payout_id"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_replaces_payout_id"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_batch_id"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_payee_details_id"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_legal_signed_off_by"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_approved_by"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_offered_by"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_contributor_id"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_tip_id"`);
    await queryRunner.query(`ALTER TABLE "payout_batches" DROP CONSTRAINT "fk_payout_batches_created_by"`);
    await queryRunner.query(`ALTER TABLE "payee_details" DROP CONSTRAINT "fk_payee_details_contributor_id"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payout_batch_items_batch_id_position"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payout_batch_items_batch_id_payout_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payout_batch_items_payout_id"`);
    await queryRunner.query(`DROP TABLE "payout_batch_items"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payout_events_payout_id_at"`);
    await queryRunner.query(`DROP TABLE "payout_events"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_tip_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_contributor_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_state_created_at_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_created_at_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payouts_batch_id"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payouts_replaces_payout_id"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payouts_bank_reference"`);
    await queryRunner.query(`DROP TABLE "payouts"`);
    await queryRunner.query(`DROP TABLE "payout_batches"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payee_details_contributor_id_version"`);
    await queryRunner.query(`DROP TABLE "payee_details"`);
  }
}
