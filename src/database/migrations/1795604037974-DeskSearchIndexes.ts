import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The desk's search and tag indexes: GIN, which TypeORM's entity decorators cannot describe
 * (the entities declare them with `synchronize: false`). pg_trgm is a trusted extension, so the
 * database owner may create it.
 */
export class DeskSearchIndexes1795604037974 implements MigrationInterface {
  name = 'DeskSearchIndexes1795604037974';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`CREATE INDEX "ix_tips_search_vector" ON "tips" USING gin ("search_vector")`);
    await queryRunner.query(`CREATE INDEX "ix_tips_story_trgm" ON "tips" USING gin ("story" gin_trgm_ops)`);
    await queryRunner.query(`CREATE INDEX "ix_tips_location_trgm" ON "tips" USING gin ("location" gin_trgm_ops)`);
    await queryRunner.query(`CREATE INDEX "ix_contributors_name_trgm" ON "contributors" USING gin ("name" gin_trgm_ops)`);
    await queryRunner.query(`CREATE INDEX "ix_tips_tags" ON "tips" USING gin ("tags")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_tips_tags"`);
    await queryRunner.query(`DROP INDEX "ix_contributors_name_trgm"`);
    await queryRunner.query(`DROP INDEX "ix_tips_location_trgm"`);
    await queryRunner.query(`DROP INDEX "ix_tips_story_trgm"`);
    await queryRunner.query(`DROP INDEX "ix_tips_search_vector"`);
    // The extension stays: other objects may have come to depend on it.
  }
}
