import type { MigrationInterface, QueryRunner } from 'typeorm';

const GENESIS = '0'.repeat(64);

/**
 * Issue 12's tamper evidence: every audit event and payout event is a link of a hash chain (one
 * chain per table). hash = SHA-256(prev_hash || "\n" || canonical), the canonical encoding being
 * PostgreSQL's text of a JSON array of the event's fields (src/audit/event-chain.ts says it
 * field by field; the CLI verifier recomputes it without these functions). Existing events are
 * chained in the order they were written (at, id). The one-row head table serialises appends.
 */
export class EventHashChain1797100000200 implements MigrationInterface {
  name = 'EventHashChain1797100000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "event_chain_head" ("id" smallint NOT NULL, "audit_seq" bigint NOT NULL, "audit_hash" character(64) NOT NULL, "audit_prev_hash" character(64) NOT NULL, "payout_seq" bigint NOT NULL, "payout_hash" character(64) NOT NULL, "payout_prev_hash" character(64) NOT NULL, CONSTRAINT "ck_event_chain_head_single_row" CHECK (id = 1), CONSTRAINT "pk_event_chain_head" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`ALTER TABLE "audit_events" ADD "seq" bigint`);
    await queryRunner.query(`ALTER TABLE "audit_events" ADD "prev_hash" character(64)`);
    await queryRunner.query(`ALTER TABLE "audit_events" ADD "hash" character(64)`);
    await queryRunner.query(`ALTER TABLE "payout_events" ADD "seq" bigint`);
    await queryRunner.query(`ALTER TABLE "payout_events" ADD "prev_hash" character(64)`);
    await queryRunner.query(`ALTER TABLE "payout_events" ADD "hash" character(64)`);

    // The chain's arithmetic, shared by every insert (single and set-based) and this backfill.
    // STABLE like their bodies (to_char, convert_to), so PostgreSQL inlines them.
    await queryRunner.query(`
          CREATE FUNCTION tipdesk_chain_hash(prev text, canonical text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
          AS $$ SELECT encode(sha256(convert_to(prev || E'\\n' || canonical, 'UTF8')), 'hex') $$`);
    // PL/pgSQL: an aggregate's step is called per row, where a SQL function is never inlined
    // (five times slower over 100,000 events).
    await queryRunner.query(`
          CREATE FUNCTION tipdesk_chain_step(state text, head text, canonical text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE
          AS $$ BEGIN RETURN encode(sha256(convert_to(coalesce(state, head) || E'\\n' || canonical, 'UTF8')), 'hex'); END $$`);
    // Used as a window (ORDER BY seq): each row's hash chained from the head given, in one pass.
    await queryRunner.query(`CREATE AGGREGATE tipdesk_chain(text, text) (SFUNC = tipdesk_chain_step, STYPE = text)`);
    await queryRunner.query(`
          CREATE FUNCTION tipdesk_chain_time(at timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
          AS $$ SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$`);
    await queryRunner.query(`
          CREATE FUNCTION audit_event_canonical(seq bigint, id uuid, at timestamptz, actor_type text, actor_id uuid, action text, entity_type text, entity_id uuid, before jsonb, after jsonb)
          RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
          AS $$ SELECT jsonb_build_array(seq, id, tipdesk_chain_time(at), actor_type, actor_id, action, entity_type, entity_id, before, after)::text $$`);
    await queryRunner.query(`
          CREATE FUNCTION payout_event_canonical(seq bigint, id uuid, at timestamptz, payout_id uuid, actor_type text, actor_id uuid, role text, from_state text, to_state text, reason text, detail jsonb)
          RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
          AS $$ SELECT jsonb_build_array(seq, id, tipdesk_chain_time(at), payout_id, actor_type, actor_id, role, from_state, to_state, reason, detail)::text $$`);

    // The existing events, chained in the order they were written (the append-only triggers
    // are off for these statements only, inside this migration's transaction).
    await queryRunner.query(`ALTER TABLE "audit_events" DISABLE TRIGGER tr_audit_events_append_only`);
    await queryRunner.query(`
          WITH numbered AS (SELECT e.*, row_number() OVER (ORDER BY e.at, e.id) AS n FROM audit_events e),
          hashed AS (SELECT id, n, tipdesk_chain('${GENESIS}', audit_event_canonical(n, id, at, actor_type, actor_id, action, entity_type, entity_id, before, after)) OVER (ORDER BY n) AS h FROM numbered),
          linked AS (SELECT id, n, h, coalesce(lag(h) OVER (ORDER BY n), '${GENESIS}') AS prev FROM hashed)
          UPDATE audit_events a SET seq = l.n, hash = l.h, prev_hash = l.prev FROM linked l WHERE a.id = l.id`);
    await queryRunner.query(`ALTER TABLE "audit_events" ENABLE TRIGGER tr_audit_events_append_only`);
    await queryRunner.query(`ALTER TABLE "payout_events" DISABLE TRIGGER tr_payout_events_append_only`);
    await queryRunner.query(`
          WITH numbered AS (SELECT e.*, row_number() OVER (ORDER BY e.at, e.id) AS n FROM payout_events e),
          hashed AS (SELECT id, n, tipdesk_chain('${GENESIS}', payout_event_canonical(n, id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, detail)) OVER (ORDER BY n) AS h FROM numbered),
          linked AS (SELECT id, n, h, coalesce(lag(h) OVER (ORDER BY n), '${GENESIS}') AS prev FROM hashed)
          UPDATE payout_events p SET seq = l.n, hash = l.h, prev_hash = l.prev FROM linked l WHERE p.id = l.id`);
    await queryRunner.query(`ALTER TABLE "payout_events" ENABLE TRIGGER tr_payout_events_append_only`);
    await queryRunner.query(`
          INSERT INTO event_chain_head (id, audit_seq, audit_hash, audit_prev_hash, payout_seq, payout_hash, payout_prev_hash)
          SELECT 1,
                 coalesce((SELECT max(seq) FROM audit_events), 0),
                 coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '${GENESIS}'),
                 coalesce((SELECT prev_hash FROM audit_events ORDER BY seq DESC LIMIT 1), '${GENESIS}'),
                 coalesce((SELECT max(seq) FROM payout_events), 0),
                 coalesce((SELECT hash FROM payout_events ORDER BY seq DESC LIMIT 1), '${GENESIS}'),
                 coalesce((SELECT prev_hash FROM payout_events ORDER BY seq DESC LIMIT 1), '${GENESIS}')`);

    for (const table of ['audit_events', 'payout_events']) {
      for (const column of ['seq', 'prev_hash', 'hash']) await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "${column}" SET NOT NULL`);
    }
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_audit_events_seq" ON "audit_events"  ("seq") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_payout_events_seq" ON "payout_events"  ("seq") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_payout_events_seq"`);
    await queryRunner.query(`DROP INDEX "public"."uq_audit_events_seq"`);
    await queryRunner.query(`ALTER TABLE "payout_events" DROP COLUMN "hash"`);
    await queryRunner.query(`ALTER TABLE "payout_events" DROP COLUMN "prev_hash"`);
    await queryRunner.query(`ALTER TABLE "payout_events" DROP COLUMN "seq"`);
    await queryRunner.query(`ALTER TABLE "audit_events" DROP COLUMN "hash"`);
    await queryRunner.query(`ALTER TABLE "audit_events" DROP COLUMN "prev_hash"`);
    await queryRunner.query(`ALTER TABLE "audit_events" DROP COLUMN "seq"`);
    await queryRunner.query(`DROP FUNCTION payout_event_canonical(bigint, uuid, timestamptz, uuid, text, uuid, text, text, text, text, jsonb)`);
    await queryRunner.query(`DROP FUNCTION audit_event_canonical(bigint, uuid, timestamptz, text, uuid, text, text, uuid, jsonb, jsonb)`);
    await queryRunner.query(`DROP FUNCTION tipdesk_chain_time(timestamptz)`);
    await queryRunner.query(`DROP AGGREGATE tipdesk_chain(text, text)`);
    await queryRunner.query(`DROP FUNCTION tipdesk_chain_step(text, text, text)`);
    await queryRunner.query(`DROP FUNCTION tipdesk_chain_hash(text, text)`);
    await queryRunner.query(`DROP TABLE "event_chain_head"`);
  }
}
