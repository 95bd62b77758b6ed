import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Initial1795597798845 implements MigrationInterface {
  name = 'Initial1795597798845';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "actor_type" character varying(16) NOT NULL, "actor_id" uuid, "action" character varying(64) NOT NULL, "entity_type" character varying(32) NOT NULL, "entity_id" uuid NOT NULL, "before" jsonb, "after" jsonb, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_audit_events" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_audit_events_entity" ON "audit_events"  ("entity_type", "entity_id", "at") `);
    await queryRunner.query(
      `CREATE TABLE "contributors" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200), "email_encrypted" text, "phone_encrypted" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_contributors" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "tips" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "reference" character varying(12) NOT NULL, "secret_hash" character(64) NOT NULL, "channel" character varying(16) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'new', "story" text NOT NULL, "location" character varying(500), "occurred_at" TIMESTAMP WITH TIME ZONE, "contributor_id" uuid NOT NULL, "assignee_id" uuid, "priority" smallint NOT NULL DEFAULT '0', "tags" text array NOT NULL DEFAULT '{}', "duplicate_of_id" uuid, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_tips_status" CHECK (status IN ('new', 'in_review', 'verified', 'used', 'rejected', 'spam', 'archived')), CONSTRAINT "ck_tips_channel" CHECK (channel IN ('web', 'email', 'whatsapp', 'phone', 'api')), CONSTRAINT "pk_tips" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_tips_reference" ON "tips"  ("reference") `);
    await queryRunner.query(`CREATE INDEX "ix_tips_contributor_id" ON "tips"  ("contributor_id") `);
    await queryRunner.query(`CREATE INDEX "ix_tips_status_created_at" ON "tips"  ("status", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "consents" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tip_id" uuid NOT NULL, "terms_version" character varying(40) NOT NULL, "terms_sha256" character(64) NOT NULL, "licence" character varying(16) NOT NULL, "own_work" boolean NOT NULL, "over18" boolean NOT NULL, "credit_name" character varying(200), "anonymous" boolean NOT NULL DEFAULT false, "channel" character varying(16) NOT NULL, "accepted_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ip_hash" character(64), "user_agent" character varying(512), CONSTRAINT "ck_consents_licence" CHECK (licence IN ('exclusive', 'non_exclusive')), CONSTRAINT "pk_consents" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_consents_tip_id" ON "consents"  ("tip_id") `);
    await queryRunner.query(
      `CREATE TABLE "tip_idempotency_keys" ("key_hash" character(64) NOT NULL, "request_sha256" character(64) NOT NULL, "tip_id" uuid NOT NULL, "response_encrypted" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_tip_idempotency_keys" PRIMARY KEY ("key_hash"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_tip_idempotency_keys_created_at" ON "tip_idempotency_keys"  ("created_at") `);
    await queryRunner.query(
      `CREATE TABLE "media" ("id" uuid NOT NULL, "tip_id" uuid NOT NULL, "storage_key" character varying(200) NOT NULL, "display_filename" character varying(255) NOT NULL, "declared_type" character varying(255), "sniffed_type" character varying(100) NOT NULL, "kind" character varying(8) NOT NULL, "size_bytes" bigint NOT NULL, "sha256" character(64) NOT NULL, "state" character varying(16) NOT NULL DEFAULT 'stored', "probe" jsonb, "thumbnail_key" character varying(200), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_media_size_bytes" CHECK (size_bytes >= 0), CONSTRAINT "ck_media_kind" CHECK (kind IN ('video', 'image', 'audio')), CONSTRAINT "ck_media_state" CHECK (state IN ('uploading', 'stored', 'processing', 'ready', 'rejected')), CONSTRAINT "pk_media" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_media_tip_id" ON "media"  ("tip_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_media_storage_key" ON "media"  ("storage_key") `);
    await queryRunner.query(`CREATE INDEX "ix_media_sha256" ON "media"  ("sha256") `);
    await queryRunner.query(
      `CREATE TABLE "rate_limit_windows" ("bucket" character varying(100) NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "hits" integer NOT NULL, CONSTRAINT "pk_rate_limit_windows" PRIMARY KEY ("bucket", "window_start"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "tips" ADD CONSTRAINT "fk_tips_contributor_id" FOREIGN KEY ("contributor_id") REFERENCES "contributors"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "tips" ADD CONSTRAINT "fk_tips_duplicate_of_id" FOREIGN KEY ("duplicate_of_id") REFERENCES "tips"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consents" ADD CONSTRAINT "fk_consents_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "tip_idempotency_keys" ADD CONSTRAINT "fk_tip_idempotency_keys_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "media" ADD CONSTRAINT "fk_media_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "media" DROP CONSTRAINT "fk_media_tip_id"`);
    await queryRunner.query(`ALTER TABLE "tip_idempotency_keys" DROP CONSTRAINT "fk_tip_idempotency_keys_tip_id"`);
    await queryRunner.query(`ALTER TABLE "consents" DROP CONSTRAINT "fk_consents_tip_id"`);
    await queryRunner.query(`ALTER TABLE "tips" DROP CONSTRAINT "fk_tips_duplicate_of_id"`);
    await queryRunner.query(`ALTER TABLE "tips" DROP CONSTRAINT "fk_tips_contributor_id"`);
    await queryRunner.query(`DROP TABLE "rate_limit_windows"`);
    await queryRunner.query(`DROP INDEX "public"."ix_media_sha256"`);
    await queryRunner.query(`DROP INDEX "public"."uq_media_storage_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_media_tip_id"`);
    await queryRunner.query(`DROP TABLE "media"`);
    await queryRunner.query(`DROP INDEX "public"."ix_tip_idempotency_keys_created_at"`);
    await queryRunner.query(`DROP TABLE "tip_idempotency_keys"`);
    await queryRunner.query(`DROP INDEX "public"."ix_consents_tip_id"`);
    await queryRunner.query(`DROP TABLE "consents"`);
    await queryRunner.query(`DROP INDEX "public"."ix_tips_status_created_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_tips_contributor_id"`);
    await queryRunner.query(`DROP INDEX "public"."uq_tips_reference"`);
    await queryRunner.query(`DROP TABLE "tips"`);
    await queryRunner.query(`DROP TABLE "contributors"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_entity"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
  }
}
