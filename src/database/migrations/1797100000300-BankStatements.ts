import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 12: camt.053 bank statements imported once each, and what came of every line. */

export class BankStatements1797100000300 implements MigrationInterface {
  name = 'BankStatements1797100000300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "bank_statement_imports" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "msg_id" character varying(35) NOT NULL, "message_version" character varying(16) NOT NULL, "imported_by" uuid NOT NULL, "imported_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "line_count" integer NOT NULL DEFAULT '0', "counts" jsonb NOT NULL, CONSTRAINT "pk_bank_statement_imports" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_bank_statement_imports_msg_id" ON "bank_statement_imports"  ("msg_id") `);
    await queryRunner.query(
      `CREATE TABLE "bank_statements" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "import_id" uuid NOT NULL, "statement_id" character varying(35) NOT NULL, "account" character varying(34) NOT NULL, CONSTRAINT "pk_bank_statements" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_bank_statements_account_statement_id" ON "bank_statements"  ("account", "statement_id") `);
    await queryRunner.query(
      `CREATE TABLE "bank_statement_lines" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "import_id" uuid NOT NULL, "position" integer NOT NULL, "statement_id" character varying(35) NOT NULL, "entry_reference" character varying(35), "end_to_end_id" character varying(35), "remittance" character varying(140), "direction" character varying(4) NOT NULL, "reversal" boolean NOT NULL DEFAULT false, "status" character varying(8) NOT NULL, "amount_minor" bigint, "amount_text" character varying(32) NOT NULL, "currency" character varying(3) NOT NULL, "return_code" character varying(8), "return_info" character varying(140), "booking_date" date, "payout_reference" character varying(18), "payout_id" uuid, "outcome" character varying(24) NOT NULL DEFAULT 'unmatched', "detail" character varying(300), CONSTRAINT "pk_bank_statement_lines" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_bank_statement_lines_payout_id" ON "bank_statement_lines"  ("payout_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_bank_statement_lines_import_id_position" ON "bank_statement_lines"  ("import_id", "position") `);
    await queryRunner.query(
      `ALTER TABLE "bank_statement_imports" ADD CONSTRAINT "fk_bank_statement_imports_imported_by" FOREIGN KEY ("imported_by") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_statements" ADD CONSTRAINT "fk_bank_statements_import_id" FOREIGN KEY ("import_id") REFERENCES "bank_statement_imports"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_statement_lines" ADD CONSTRAINT "fk_bank_statement_lines_import_id" FOREIGN KEY ("import_id") REFERENCES "bank_statement_imports"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_statement_lines" ADD CONSTRAINT "fk_bank_statement_lines_payout_id" FOREIGN KEY ("payout_id") REFERENCES "payouts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "bank_statement_lines" DROP CONSTRAINT "fk_bank_statement_lines_payout_id"`);
    await queryRunner.query(`ALTER TABLE "bank_statement_lines" DROP CONSTRAINT "fk_bank_statement_lines_import_id"`);
    await queryRunner.query(`ALTER TABLE "bank_statements" DROP CONSTRAINT "fk_bank_statements_import_id"`);
    await queryRunner.query(`ALTER TABLE "bank_statement_imports" DROP CONSTRAINT "fk_bank_statement_imports_imported_by"`);
    await queryRunner.query(`DROP INDEX "public"."uq_bank_statement_lines_import_id_position"`);
    await queryRunner.query(`DROP INDEX "public"."ix_bank_statement_lines_payout_id"`);
    await queryRunner.query(`DROP TABLE "bank_statement_lines"`);
    await queryRunner.query(`DROP INDEX "public"."uq_bank_statements_account_statement_id"`);
    await queryRunner.query(`DROP TABLE "bank_statements"`);
    await queryRunner.query(`DROP INDEX "public"."uq_bank_statement_imports_msg_id"`);
    await queryRunner.query(`DROP TABLE "bank_statement_imports"`);
  }
}
