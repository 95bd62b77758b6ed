import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, "no address kept": rate-limit keys are HMACs under a random pepper per window, kept
 * only while the window is open, and consents no longer keep a hash of the client address.
 * The counters of the old scheme are deleted: their keys (server key + date) can be recomputed
 * for any address, and a counter restarting once at deploy costs nothing.
 */
export class NoAddressKept1797200000000 implements MigrationInterface {
  name = 'NoAddressKept1797200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "rate_limit_peppers" ("window_seconds" integer NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "pepper" bytea NOT NULL, CONSTRAINT "pk_rate_limit_peppers" PRIMARY KEY ("window_seconds", "window_start"))`,
    );
    await queryRunner.query(`DELETE FROM "rate_limit_windows"`);
    await queryRunner.query(`ALTER TABLE "consents" DROP COLUMN "ip_hash"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The hashes are gone for good: the column comes back empty.
    await queryRunner.query(`ALTER TABLE "consents" ADD "ip_hash" character(64)`);
    await queryRunner.query(`DROP TABLE "rate_limit_peppers"`);
  }
}
