import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrations } from '../../src/database/migrate.js';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { createTestDatabase } from '../support/database.js';

describe('migrations', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
    dataSource = new DataSource(dataSourceOptions(database.url));
  });
  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  });

  // TypeORM's own bookkeeping (migrations run, generated-column expressions) outlives the schema.
  const tables = async () =>
    (
      await dataSource.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('typeorm_migrations', 'typeorm_metadata') ORDER BY 1`,
      )
    ).map((r: { tablename: string }) => r.tablename);

  it('apply to an empty database, and a second run applies nothing', async () => {
    expect(await runMigrations(database.url)).toHaveLength(MIGRATIONS.length);
    expect(await runMigrations(database.url)).toEqual([]);
  });

  it('match the entities exactly (the equivalent of migration:generate --check)', async () => {
    await dataSource.initialize();
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('revert to an empty schema and apply again', async () => {
    const before = await tables();
    const indexes = async () =>
      (await dataSource.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`)).map((r: { indexname: string }) => r.indexname);
    const indexesBefore = await indexes();
    expect(indexesBefore).toEqual(expect.arrayContaining(['ix_tips_search_vector', 'ix_tips_story_trgm', 'ix_tips_tags', 'ix_tips_unclaimed']));
    expect(before).toEqual(expect.arrayContaining(['tips', 'media', 'consents', 'contributors', 'audit_events', 'rate_limit_windows', 'tip_idempotency_keys']));
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual(before);
    expect(await indexes()).toEqual(indexesBefore);
  });

  it('keep audit events append-only in the database itself', async () => {
    await dataSource.query(
      `INSERT INTO audit_events (actor_type, action, entity_type, entity_id, seq, prev_hash, hash) VALUES ('system', 'test', 'tip', gen_random_uuid(), 1, repeat('0', 64), repeat('1', 64))`,
    );
    await expect(dataSource.query(`UPDATE audit_events SET action = 'changed'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    expect(Number((await dataSource.query('SELECT count(*) AS n FROM audit_events'))[0].n)).toBe(1);
  });

  it('name constraints so errors say what they broke', async () => {
    const names = (
      await dataSource.query(
        `SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype <> 'n' AND conrelid <> 'typeorm_migrations'::regclass`,
      )
    ).map((r: { conname: string }) => r.conname);
    expect(names).toEqual(expect.arrayContaining(['pk_tips', 'fk_media_tip_id', 'ck_tips_status', 'fk_tips_contributor_id']));
    expect(names.filter((n: string) => !/^(pk|fk|ck|uq|ck_enum)_/.test(n))).toEqual([]);
  });
});
