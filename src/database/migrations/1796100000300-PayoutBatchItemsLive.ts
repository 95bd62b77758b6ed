import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 4's backstop "a payout can be in only one live batch": batch items of a voided batch are
 * no longer live, and a partial unique index allows one live item per payout.
 */
export class PayoutBatchItemsLive1796100000300 implements MigrationInterface {
  name = 'PayoutBatchItemsLive1796100000300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payout_batch_items" ADD "live" boolean NOT NULL DEFAULT true`);
    // Items of batches voided before this migration are already out of play.
    await queryRunner.query(`UPDATE "payout_batch_items" i SET "live" = false FROM "payout_batches" b WHERE b."id" = i."batch_id" AND b."state" = 'voided'`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payout_batch_items_payout_id_live" ON "payout_batch_items"  ("payout_id") WHERE live`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_payout_batch_items_payout_id_live"`);
    await queryRunner.query(`ALTER TABLE "payout_batch_items" DROP COLUMN "live"`);
  }
}
