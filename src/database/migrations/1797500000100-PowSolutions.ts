import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 15: proof-of-work solutions already accepted, each until its challenge expires (no replay). */
export class PowSolutions1797500000100 implements MigrationInterface {
  name = 'PowSolutions1797500000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "pow_solutions" ("challenge_id" character varying(128) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "pk_pow_solutions" PRIMARY KEY ("challenge_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_pow_solutions_expires_at" ON "pow_solutions" ("expires_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_pow_solutions_expires_at"`);
    await queryRunner.query(`DROP TABLE "pow_solutions"`);
  }
}
