import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channels (issue 6): every message a channel delivered (dedupe by provider id, threading by
 * sender hash), the files still to fetch, and notes that tipdesk itself writes (author_id null).
 */
export class Channels1796030407045 implements MigrationInterface {
  name = 'Channels1796030407045';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "channel_messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "channel" character varying(16) NOT NULL, "provider_message_id" character varying(512) NOT NULL, "sender_hash" character(64) NOT NULL, "tip_id" uuid NOT NULL, "message_id" uuid, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_channel_messages_channel" CHECK (channel IN ('email', 'whatsapp')), CONSTRAINT "pk_channel_messages" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_channel_messages_tip_id_sender_hash" ON "channel_messages"  ("tip_id", "sender_hash") `);
    await queryRunner.query(
      `CREATE INDEX "ix_channel_messages_channel_sender_hash_received_at" ON "channel_messages"  ("channel", "sender_hash", "received_at") `,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_channel_messages_channel_provider_message_id" ON "channel_messages"  ("channel", "provider_message_id") `);
    await queryRunner.query(
      `CREATE TABLE "channel_pending_media" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tip_id" uuid NOT NULL, "channel" character varying(16) NOT NULL, "provider_media_id" character varying(512) NOT NULL, "filename" character varying(255), "declared_type" character varying(255), "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE DEFAULT now(), "last_error_code" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_channel_pending_media_attempts" CHECK (attempts >= 0), CONSTRAINT "ck_channel_pending_media_channel" CHECK (channel IN ('email', 'whatsapp')), CONSTRAINT "pk_channel_pending_media" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_channel_pending_media_due" ON "channel_pending_media"  ("next_attempt_at") WHERE next_attempt_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "ix_channel_pending_media_tip_id" ON "channel_pending_media"  ("tip_id") `);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "fk_notes_author_id"`);
    await queryRunner.query(`ALTER TABLE "notes" ALTER COLUMN "author_id" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "fk_notes_author_id" FOREIGN KEY ("author_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "channel_messages" ADD CONSTRAINT "fk_channel_messages_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "channel_messages" ADD CONSTRAINT "fk_channel_messages_message_id" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "channel_pending_media" ADD CONSTRAINT "fk_channel_pending_media_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channel_pending_media" DROP CONSTRAINT "fk_channel_pending_media_tip_id"`);
    await queryRunner.query(`ALTER TABLE "channel_messages" DROP CONSTRAINT "fk_channel_messages_message_id"`);
    await queryRunner.query(`ALTER TABLE "channel_messages" DROP CONSTRAINT "fk_channel_messages_tip_id"`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "fk_notes_author_id"`);
    // The older schema has no room for tipdesk's own notes: they go with the channels.
    await queryRunner.query(`DELETE FROM "notes" WHERE "author_id" IS NULL`);
    await queryRunner.query(`ALTER TABLE "notes" ALTER COLUMN "author_id" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "fk_notes_author_id" FOREIGN KEY ("author_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_channel_pending_media_tip_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_channel_pending_media_due"`);
    await queryRunner.query(`DROP TABLE "channel_pending_media"`);
    await queryRunner.query(`DROP INDEX "public"."uq_channel_messages_channel_provider_message_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_channel_messages_channel_sender_hash_received_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_channel_messages_tip_id_sender_hash"`);
    await queryRunner.query(`DROP TABLE "channel_messages"`);
  }
}
