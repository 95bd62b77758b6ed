import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11: the paper settings (one row: name, logo, public contacts, privacy notice, the desk's
 * dates, the paying account) and the paying-account changes a second admin approves; the
 * paying account each batch was made with; and what the queue needs to mark news since an
 * editor last looked (their last visit to each tip, and indexes on recent replies and payout moves).
 */
export class PaperSettingsAndDeskNews1797000000000 implements MigrationInterface {
  name = 'PaperSettingsAndDeskNews1797000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "desk_tip_views" ("staff_user_id" uuid NOT NULL, "tip_id" uuid NOT NULL, "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "pk_desk_tip_views" PRIMARY KEY ("staff_user_id", "tip_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_desk_tip_views_tip_id" ON "desk_tip_views"  ("tip_id") `);
    await queryRunner.query(
      `ALTER TABLE "desk_tip_views" ADD CONSTRAINT "fk_desk_tip_views_staff_user_id" FOREIGN KEY ("staff_user_id") REFERENCES "staff_users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "desk_tip_views" ADD CONSTRAINT "fk_desk_tip_views_tip_id" FOREIGN KEY ("tip_id") REFERENCES "tips"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`CREATE INDEX "ix_messages_from_contributor_created_at" ON "messages"  ("created_at") WHERE direction = 'from_contributor'`);
    await queryRunner.query(`CREATE INDEX "ix_payout_events_news_at" ON "payout_events"  ("at") WHERE to_state IN ('accepted', 'paid', 'failed')`);
    await queryRunner.query(`ALTER TABLE "payout_batches" ADD "payer_snapshot" jsonb`);
    await queryRunner.query(
      `CREATE TABLE "paper_settings" ("id" uuid NOT NULL, "paper_name" character varying(80), "logo" bytea, "logo_type" character varying(40), "logo_sha256" character(64), "contact_email" character varying(254), "contact_phone" character varying(40), "contact_whatsapp" character varying(40), "privacy_notice" text, "time_zone" character varying(64), "date_style" character varying(16), "payer_name" character varying(18), "payer_sort_code" character varying(6), "payer_account_number" character varying(8), "bacs_service_user_number" character varying(6), "sepa_debtor_name" character varying(70), "sepa_debtor_iban" character varying(34), "sepa_debtor_bic" character varying(11), "version" integer NOT NULL DEFAULT '1', "updated_by" uuid, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_paper_settings_logo" CHECK ((logo IS NULL) = (logo_type IS NULL) AND (logo IS NULL) = (logo_sha256 IS NULL)), CONSTRAINT "ck_paper_settings_one_row" CHECK (id = '00000000-0000-4000-8000-000000000001'), CONSTRAINT "pk_paper_settings" PRIMARY KEY ("id"))`,
    );
    // The one row every process reads; nothing is set in it yet (the environment's defaults apply).
    await queryRunner.query(`INSERT INTO "paper_settings" ("id") VALUES ('00000000-0000-4000-8000-000000000001')`);
    await queryRunner.query(
      `ALTER TABLE "paper_settings" ADD CONSTRAINT "fk_paper_settings_updated_by" FOREIGN KEY ("updated_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "payer_changes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "proposed" jsonb NOT NULL, "state" character varying(16) NOT NULL, "proposed_by" uuid NOT NULL, "proposed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_payer_changes_second_admin" CHECK (state <> 'approved' OR (decided_by IS NOT NULL AND decided_by <> proposed_by)), CONSTRAINT "ck_payer_changes_decided" CHECK ((state = 'pending') = (decided_at IS NULL)), CONSTRAINT "ck_payer_changes_state" CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')), CONSTRAINT "pk_payer_changes" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_payer_changes_proposed_at" ON "payer_changes"  ("proposed_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payer_changes_one_pending" ON "payer_changes"  ("state") WHERE state = 'pending'`);
    await queryRunner.query(
      `ALTER TABLE "payer_changes" ADD CONSTRAINT "fk_payer_changes_proposed_by" FOREIGN KEY ("proposed_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payer_changes" ADD CONSTRAINT "fk_payer_changes_decided_by" FOREIGN KEY ("decided_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payer_changes" DROP CONSTRAINT "fk_payer_changes_decided_by"`);
    await queryRunner.query(`ALTER TABLE "payer_changes" DROP CONSTRAINT "fk_payer_changes_proposed_by"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payer_changes_one_pending"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payer_changes_proposed_at"`);
    await queryRunner.query(`DROP TABLE "payer_changes"`);
    await queryRunner.query(`ALTER TABLE "paper_settings" DROP CONSTRAINT "fk_paper_settings_updated_by"`);
    await queryRunner.query(`DROP TABLE "paper_settings"`);
    await queryRunner.query(`ALTER TABLE "payout_batches" DROP COLUMN "payer_snapshot"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payout_events_news_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_messages_from_contributor_created_at"`);
    await queryRunner.query(`ALTER TABLE "desk_tip_views" DROP CONSTRAINT "fk_desk_tip_views_tip_id"`);
    await queryRunner.query(`ALTER TABLE "desk_tip_views" DROP CONSTRAINT "fk_desk_tip_views_staff_user_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_desk_tip_views_tip_id"`);
    await queryRunner.query(`DROP TABLE "desk_tip_views"`);
  }
}
