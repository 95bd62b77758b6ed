import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 12: a payout is settled (paid or failed) only once its batch is marked sent; who
 * downloaded a batch's file is kept, so a downloaded batch is never silently voided; payout
 * events carry a detail (risks acknowledged or cleared, who logged the tip).
 */
export class SettlementGuards1797100000000 implements MigrationInterface {
    name = 'SettlementGuards1797100000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "payout_batch_downloads" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "batch_id" uuid NOT NULL, "downloaded_by" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_payout_batch_downloads" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_payout_batch_downloads_batch_id" ON "payout_batch_downloads"  ("batch_id") `);
        await queryRunner.query(`ALTER TABLE "payout_batches" ADD "first_downloaded_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "payout_batches" ADD "first_downloaded_by" uuid`);
        await queryRunner.query(`ALTER TABLE "payout_events" ADD "detail" jsonb`);
        await queryRunner.query(`ALTER TABLE "payout_batches" ADD CONSTRAINT "fk_payout_batches_first_downloaded_by" FOREIGN KEY ("first_downloaded_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "payout_batch_downloads" ADD CONSTRAINT "fk_payout_batch_downloads_batch_id" FOREIGN KEY ("batch_id") REFERENCES "payout_batches"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "payout_batch_downloads" ADD CONSTRAINT "fk_payout_batch_downloads_downloaded_by" FOREIGN KEY ("downloaded_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        // Hand-written: the database's own backstop behind PayoutsService's settlement guard. A
        // payout whose batch is locked (its file maybe at the bank, maybe not) or voided is never
        // paid or failed, whatever statement tries it.
        await queryRunner.query(`
          CREATE FUNCTION payouts_settle_only_when_sent() RETURNS trigger LANGUAGE plpgsql AS $$
          DECLARE
            refused record;
          BEGIN
            -- Once per statement over the rows it changed (a statement settling 50,000 payouts
            -- checks them in one join, not 50,000 lookups).
            SELECT n.id, n.state, coalesce(b.state, 'missing') AS batch_state INTO refused
              FROM new_rows n JOIN old_rows o ON o.id = n.id LEFT JOIN payout_batches b ON b.id = n.batch_id
             WHERE n.state IN ('paid', 'failed') AND o.state IS DISTINCT FROM n.state AND b.state IS DISTINCT FROM 'sent'
             LIMIT 1;
            IF FOUND THEN
              RAISE EXCEPTION 'BATCH_NOT_SENT: payout % cannot become % while its batch is %', refused.id, refused.state, refused.batch_state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payouts_settled_only_when_sent';
            END IF;
            RETURN NULL;
          END $$`);
        await queryRunner.query(`
          CREATE TRIGGER tr_payouts_settle_only_when_sent AFTER UPDATE ON payouts
          REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
          FOR EACH STATEMENT EXECUTE FUNCTION payouts_settle_only_when_sent()`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER tr_payouts_settle_only_when_sent ON payouts`);
        await queryRunner.query(`DROP FUNCTION payouts_settle_only_when_sent()`);
        await queryRunner.query(`ALTER TABLE "payout_batch_downloads" DROP CONSTRAINT "fk_payout_batch_downloads_downloaded_by"`);
        await queryRunner.query(`ALTER TABLE "payout_batch_downloads" DROP CONSTRAINT "fk_payout_batch_downloads_batch_id"`);
        await queryRunner.query(`ALTER TABLE "payout_batches" DROP CONSTRAINT "fk_payout_batches_first_downloaded_by"`);
        await queryRunner.query(`ALTER TABLE "payout_events" DROP COLUMN "detail"`);
        await queryRunner.query(`ALTER TABLE "payout_batches" DROP COLUMN "first_downloaded_by"`);
        await queryRunner.query(`ALTER TABLE "payout_batches" DROP COLUMN "first_downloaded_at"`);
        await queryRunner.query(`DROP INDEX "public"."ix_payout_batch_downloads_batch_id"`);
        await queryRunner.query(`DROP TABLE "payout_batch_downloads"`);
    }

}
