import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 5: each media row's virus scan (clamd INSTREAM): state, what was found, when, and why not. */
export class MediaVirusScan1796100000200 implements MigrationInterface {
  name = 'MediaVirusScan1796100000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "media" ADD "scan_state" character varying(16)`);
    await queryRunner.query(`ALTER TABLE "media" ADD "scan_signature" character varying(200)`);
    await queryRunner.query(`ALTER TABLE "media" ADD "scanned_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "media" ADD "scan_note" character varying(200)`);
    await queryRunner.query(`CREATE INDEX "ix_media_scan_pending" ON "media"  ("created_at") WHERE scan_state = 'pending'`);
    await queryRunner.query(`ALTER TABLE "media" ADD CONSTRAINT "ck_media_scan_state" CHECK (scan_state IN ('pending', 'clean', 'infected', 'not_scanned'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "media" DROP CONSTRAINT "ck_media_scan_state"`);
    await queryRunner.query(`DROP INDEX "public"."ix_media_scan_pending"`);
    await queryRunner.query(`ALTER TABLE "media" DROP COLUMN "scan_note"`);
    await queryRunner.query(`ALTER TABLE "media" DROP COLUMN "scanned_at"`);
    await queryRunner.query(`ALTER TABLE "media" DROP COLUMN "scan_signature"`);
    await queryRunner.query(`ALTER TABLE "media" DROP COLUMN "scan_state"`);
  }
}
