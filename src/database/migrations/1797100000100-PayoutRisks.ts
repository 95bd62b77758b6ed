import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12's payout risks: a keyed hash of each payee account (PAYEE_SHARED), the staff-browser
 * mark (PAYEE_FROM_STAFF_BROWSER), the first of two approvers (AMOUNT_OVER_LIMIT) and admins'
 * waivers of the secret-holder rule (LOGGED_BY_OFFERER).
 */
export class PayoutRisks1797100000100 implements MigrationInterface {
  name = 'PayoutRisks1797100000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "payout_conflict_waivers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tip_id" uuid NOT NULL, "staff_id" uuid NOT NULL, "granted_by" uuid NOT NULL, "reason" character varying(500) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_payout_conflict_waivers" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payout_conflict_waivers_tip_id_staff_id" ON "payout_conflict_waivers"  ("tip_id", "staff_id") `);
    await queryRunner.query(`ALTER TABLE "payee_details" ADD "account_hash" character(64)`);
    await queryRunner.query(`ALTER TABLE "payouts" ADD "payee_from_staff_browser" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "payouts" ADD "payee_staff_browser_staff_id" uuid`);
    await queryRunner.query(`ALTER TABLE "payouts" ADD "first_approved_by" uuid`);
    await queryRunner.query(`ALTER TABLE "payouts" ADD "first_approved_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "ix_payee_details_account_hash" ON "payee_details"  ("account_hash") `);
    await queryRunner.query(
      `ALTER TABLE "payouts" ADD CONSTRAINT "fk_payouts_first_approved_by" FOREIGN KEY ("first_approved_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_conflict_waivers" ADD CONSTRAINT "fk_payout_conflict_waivers_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_conflict_waivers" ADD CONSTRAINT "fk_payout_conflict_waivers_staff_id" FOREIGN KEY ("staff_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_conflict_waivers" ADD CONSTRAINT "fk_payout_conflict_waivers_granted_by" FOREIGN KEY ("granted_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // Hand-written: payee details stay append-only, except that the keyed hash of a version
    // written before this migration may be filled in once (the app does it at start-up; only
    // it holds the key).
    await queryRunner.query(`DROP TRIGGER tr_payee_details_append_only ON payee_details`);
    await queryRunner.query(`
          CREATE FUNCTION payee_details_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF OLD.account_hash IS NULL AND NEW.account_hash IS NOT NULL
               AND (to_jsonb(OLD) - 'account_hash') = (to_jsonb(NEW) - 'account_hash') THEN
              RETURN NEW;
            END IF;
            RAISE EXCEPTION 'payee_details is append-only (UPDATE refused)' USING ERRCODE = 'insufficient_privilege';
          END $$`);
    await queryRunner.query(
      `CREATE TRIGGER tr_payee_details_append_only BEFORE UPDATE ON payee_details FOR EACH ROW EXECUTE FUNCTION payee_details_append_only()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_payee_details_append_only ON payee_details`);
    await queryRunner.query(`DROP FUNCTION payee_details_append_only()`);
    await queryRunner.query(
      `CREATE TRIGGER tr_payee_details_append_only BEFORE UPDATE ON payee_details FOR EACH STATEMENT EXECUTE FUNCTION payouts_append_only()`,
    );
    await queryRunner.query(`ALTER TABLE "payout_conflict_waivers" DROP CONSTRAINT "fk_payout_conflict_waivers_granted_by"`);
    await queryRunner.query(`ALTER TABLE "payout_conflict_waivers" DROP CONSTRAINT "fk_payout_conflict_waivers_staff_id"`);
    await queryRunner.query(`ALTER TABLE "payout_conflict_waivers" DROP CONSTRAINT "fk_payout_conflict_waivers_tip_id"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP CONSTRAINT "fk_payouts_first_approved_by"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payee_details_account_hash"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP COLUMN "first_approved_at"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP COLUMN "first_approved_by"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP COLUMN "payee_staff_browser_staff_id"`);
    await queryRunner.query(`ALTER TABLE "payouts" DROP COLUMN "payee_from_staff_browser"`);
    await queryRunner.query(`ALTER TABLE "payee_details" DROP COLUMN "account_hash"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payout_conflict_waivers_tip_id_staff_id"`);
    await queryRunner.query(`DROP TABLE "payout_conflict_waivers"`);
  }
}
