import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12: a payout is settled (paid or failed) only once its batch is marked sent; who
 * downloaded a batch's file is kept, so a downloaded batch is never silently voided; payout
 * events carry a detail (risks acknowledged or cleared, who logged the tip).
 */
export class SettlementGuards1797100000000 implements MigrationInterface {
  name = 'SettlementGuards1797100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "payout_batch_downloads" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "batch_id" uuid NOT NULL, "downloaded_by" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_payout_batch_downloads" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_payout_batch_downloads_batch_id" ON "payout_batch_downloads"  ("batch_id") `);
    await queryRunner.query(`ALTER TABLE "payout_batches" ADD "first_downloaded_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "payout_batches" ADD "first_downloaded_by" uuid`);
    await queryRunner.query(`ALTER TABLE "payout_events" ADD "detail" jsonb`);
    await queryRunner.query(
      `ALTER TABLE "payout_batches" ADD CONSTRAINT "fk_payout_batches_first_downloaded_by" FOREIGN KEY ("first_downloaded_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_batch_downloads" ADD CONSTRAINT "fk_payout_batch_downloads_batch_id" FOREIGN KEY ("batch_id") REFERENCES "payout_batches"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payout_batch_downloads" ADD CONSTRAINT "fk_payout_batch_downloads_downloaded_by" FOREIGN KEY ("downloaded_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // Hand-written: the database's own backstop behind PayoutsService's settlement guard. A
    // payout whose batch is locked (its file maybe at the bank, maybe not) or voided is never
    // paid or failed, whatever statement tries it.
    await queryRunner.query(`
          CREATE FUNCTION payouts_settle_only_when_sent() RETURNS trigger LANGUAGE plpgsql AS $$
          DECLARE
            batch_state text;
          BEGIN
            SELECT state INTO batch_state FROM payout_batches WHERE id = NEW.batch_id;
            IF batch_state IS DISTINCT FROM 'sent' THEN
              RAISE EXCEPTION 'BATCH_NOT_SENT: payout % cannot become % while its batch is %', NEW.id, NEW.state, coalesce(batch_state, 'missing')
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payouts_settled_only_when_sent';
            END IF;
            RETURN NEW;
          END $$`);
    // A row trigger with a WHEN: any other update (a batch of 100,000 taking payouts) never calls
    // it; a statement-level check would copy every updated row into transition tables instead.
    await queryRunner.query(`
          CREATE TRIGGER tr_payouts_settle_only_when_sent BEFORE UPDATE OF state ON payouts
          FOR EACH ROW WHEN (NEW.state IN ('paid', 'failed') AND OLD.state IS DISTINCT FROM NEW.state)
          EXECUTE FUNCTION payouts_settle_only_when_sent()`);
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
