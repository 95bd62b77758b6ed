import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 5: media that processing could not read is kept as 'unprobed' (with the reason in probe). */
export class MediaUnprobed1796100000000 implements MigrationInterface {
  name = 'MediaUnprobed1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "media" DROP CONSTRAINT "ck_media_state"`);
    await queryRunner.query(
      `ALTER TABLE "media" ADD CONSTRAINT "ck_media_state" CHECK (state IN ('uploading', 'stored', 'processing', 'ready', 'unprobed', 'rejected'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The older schema has no 'unprobed': such media goes back to 'stored', to be processed again.
    await queryRunner.query(`UPDATE "media" SET "state" = 'stored' WHERE "state" = 'unprobed'`);
    await queryRunner.query(`ALTER TABLE "media" DROP CONSTRAINT "ck_media_state"`);
    await queryRunner.query(`ALTER TABLE "media" ADD CONSTRAINT "ck_media_state" CHECK (state IN ('uploading', 'stored', 'processing', 'ready', 'rejected'))`);
  }
}
