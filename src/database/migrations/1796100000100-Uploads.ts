import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resumable (tus) uploads (issue 5): one row per upload from its creation, finished with its
 * SHA-256 and sniffed type, attached to a tip or swept when it expires.
 */
export class Uploads1796100000100 implements MigrationInterface {
  name = 'Uploads1796100000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "uploads" ("id" uuid NOT NULL, "size_bytes" bigint NOT NULL, "sha256" character(64), "sniffed_type" character varying(100), "kind" character varying(8), "display_filename" character varying(255) NOT NULL, "storage_location" character varying(500) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "attached_tip_id" uuid, "attached_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_uploads_size_bytes" CHECK (size_bytes >= 0), CONSTRAINT "ck_uploads_kind" CHECK (kind IS NULL OR kind IN ('video', 'image', 'audio')), CONSTRAINT "pk_uploads" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_uploads_expires_at" ON "uploads"  ("expires_at") `);
    await queryRunner.query(`CREATE INDEX "ix_uploads_attached_tip_id" ON "uploads"  ("attached_tip_id") `);
    await queryRunner.query(
      `ALTER TABLE "uploads" ADD CONSTRAINT "fk_uploads_attached_tip_id" FOREIGN KEY ("attached_tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "uploads" DROP CONSTRAINT "fk_uploads_attached_tip_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_uploads_attached_tip_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_uploads_expires_at"`);
    await queryRunner.query(`DROP TABLE "uploads"`);
  }
}
