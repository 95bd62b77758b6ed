import { type MigrationInterface, type QueryRunner } from 'typeorm';

async function currentDatabase(queryRunner: QueryRunner): Promise<string> {
  const [{ name }] = await queryRunner.query(`SELECT current_database() AS name`);
  return name;
}

export class StaffAndDesk1795604037973 implements MigrationInterface {
  name = 'StaffAndDesk1795604037973';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Generated as the literal name of the database it was generated against; TypeORM reads it back by the current one.
    const database = await currentDatabase(queryRunner);
    await queryRunner.query(`DROP INDEX "public"."ix_tips_status_created_at"`);
    await queryRunner.query(
      `CREATE TABLE "staff_users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(254) NOT NULL, "name" character varying(200) NOT NULL, "role" character varying(16) NOT NULL, "password_hash" text NOT NULL, "totp_secret_encrypted" text, "totp_enabled_at" TIMESTAMP WITH TIME ZONE, "totp_last_step" bigint, "recovery_code_hashes" character(64) array NOT NULL DEFAULT '{}', "disabled_at" TIMESTAMP WITH TIME ZONE, "last_sign_in_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_staff_users_role" CHECK (role IN ('admin', 'editor', 'accounting')), CONSTRAINT "pk_staff_users" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_staff_users_email" ON "staff_users"  ("email") `);
    await queryRunner.query(
      `CREATE TABLE "sessions" ("token_hash" character(64) NOT NULL, "kind" character varying(16) NOT NULL, "staff_user_id" uuid, "tip_id" uuid, "csrf_token" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "ck_sessions_subject" CHECK ((kind = 'staff' AND staff_user_id IS NOT NULL AND tip_id IS NULL) OR (kind = 'contributor' AND tip_id IS NOT NULL AND staff_user_id IS NULL)), CONSTRAINT "ck_sessions_kind" CHECK (kind IN ('staff', 'contributor')), CONSTRAINT "pk_sessions" PRIMARY KEY ("token_hash"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_sessions_staff_user_id" ON "sessions"  ("staff_user_id") `);
    await queryRunner.query(`CREATE INDEX "ix_sessions_tip_id" ON "sessions"  ("tip_id") `);
    await queryRunner.query(`CREATE INDEX "ix_sessions_expires_at" ON "sessions"  ("expires_at") `);
    await queryRunner.query(
      `CREATE TABLE "sign_in_throttles" ("subject" character(64) NOT NULL, "failures" integer NOT NULL DEFAULT '0', "locked_until" TIMESTAMP WITH TIME ZONE, "last_failure_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "pk_sign_in_throttles" PRIMARY KEY ("subject"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_sign_in_throttles_last_failure_at" ON "sign_in_throttles"  ("last_failure_at") `);
    await queryRunner.query(
      `CREATE TABLE "staff_setup_tokens" ("token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_staff_setup_tokens" PRIMARY KEY ("token_hash"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "notes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tip_id" uuid NOT NULL, "author_id" uuid NOT NULL, "body" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_notes" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_notes_tip_id_created_at" ON "notes"  ("tip_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tip_id" uuid NOT NULL, "direction" character varying(20) NOT NULL, "author_id" uuid, "channel" character varying(16) NOT NULL, "body" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_messages_author" CHECK ((direction = 'to_contributor') = (author_id IS NOT NULL)), CONSTRAINT "ck_messages_channel" CHECK (channel IN ('web', 'email', 'whatsapp', 'phone', 'api')), CONSTRAINT "ck_messages_direction" CHECK (direction IN ('to_contributor', 'from_contributor')), CONSTRAINT "pk_messages" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_messages_tip_id_created_at" ON "messages"  ("tip_id", "created_at") `);
    await queryRunner.query(
      `ALTER TABLE "tips" ADD "search_vector" tsvector GENERATED ALWAYS AS (to_tsvector('english', story || ' ' || coalesce(location, ''))) STORED NOT NULL`,
    );
    await queryRunner.query(`INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES ($1, $2, $3, $4, $5, $6)`, [
      database,
      'public',
      'tips',
      'GENERATED_COLUMN',
      'search_vector',
      "to_tsvector('english', story || ' ' || coalesce(location, ''))",
    ]);
    await queryRunner.query(`CREATE INDEX "ix_audit_events_actor_id_at" ON "audit_events"  ("actor_id", "at") `);
    await queryRunner.query(`CREATE INDEX "ix_audit_events_at" ON "audit_events"  ("at") `);
    await queryRunner.query(`CREATE INDEX "ix_tips_unclaimed" ON "tips"  ("created_at", "id") WHERE status = 'new' AND assignee_id IS NULL`);
    await queryRunner.query(`CREATE INDEX "ix_tips_assignee_id_created_at_id" ON "tips"  ("assignee_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_tips_status_created_at_id" ON "tips"  ("status", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_tips_created_at_id" ON "tips"  ("created_at", "id") `);
    await queryRunner.query(
      `ALTER TABLE "tips" ADD CONSTRAINT "fk_tips_assignee_id" FOREIGN KEY ("assignee_id") REFERENCES "staff_users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "fk_sessions_staff_user_id" FOREIGN KEY ("staff_user_id") REFERENCES "staff_users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "fk_sessions_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "fk_notes_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "fk_notes_author_id" FOREIGN KEY ("author_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_author_id" FOREIGN KEY ("author_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const database = await currentDatabase(queryRunner);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_author_id"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_tip_id"`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "fk_notes_author_id"`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "fk_notes_tip_id"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "fk_sessions_tip_id"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "fk_sessions_staff_user_id"`);
    await queryRunner.query(`ALTER TABLE "tips" DROP CONSTRAINT "fk_tips_assignee_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_tips_created_at_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_tips_status_created_at_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_tips_assignee_id_created_at_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_tips_unclaimed"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_actor_id_at"`);
    await queryRunner.query(`DELETE FROM "typeorm_metadata" WHERE "type" = $1 AND "name" = $2 AND "database" = $3 AND "schema" = $4 AND "table" = $5`, [
      'GENERATED_COLUMN',
      'search_vector',
      database,
      'public',
      'tips',
    ]);
    await queryRunner.query(`ALTER TABLE "tips" DROP COLUMN "search_vector"`);
    await queryRunner.query(`DROP INDEX "public"."ix_messages_tip_id_created_at"`);
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notes_tip_id_created_at"`);
    await queryRunner.query(`DROP TABLE "notes"`);
    await queryRunner.query(`DROP TABLE "staff_setup_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."ix_sign_in_throttles_last_failure_at"`);
    await queryRunner.query(`DROP TABLE "sign_in_throttles"`);
    await queryRunner.query(`DROP INDEX "public"."ix_sessions_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_sessions_tip_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_sessions_staff_user_id"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP INDEX "public"."uq_staff_users_email"`);
    await queryRunner.query(`DROP TABLE "staff_users"`);
    await queryRunner.query(`CREATE INDEX "ix_tips_status_created_at" ON "tips" USING btree ("status", "created_at") `);
  }
}
