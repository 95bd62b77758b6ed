import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 15: rate-limit windows also count a day's upload bytes (UPLOAD_BYTES_PER_DAY), past 2^31. */
export class RateLimitWindowBytes1797500000000 implements MigrationInterface {
  name = 'RateLimitWindowBytes1797500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rate_limit_windows" ALTER COLUMN "hits" TYPE bigint`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // A byte total past 2^31 cannot go back into an integer: those windows go (they are counters only).
    await queryRunner.query(`DELETE FROM "rate_limit_windows" WHERE "hits" > 2147483647`);
    await queryRunner.query(`ALTER TABLE "rate_limit_windows" ALTER COLUMN "hits" TYPE integer`);
  }
}
