// Jest loads globalSetup outside its ESM transform, so this file is plain JS and uses the
// compiled launcher from dist/ (`npm test` builds first): the tests start PostgreSQL exactly
// the way `npm start` does.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * One real PostgreSQL for the whole run: an embedded one in a temporary directory, or the
 * server named by TEST_DATABASE_URL. Each test file then makes its own database on it, copied
 * from a template migrated once here (a copy takes milliseconds; migrating each file's database
 * took half a second). Never falls back to the host's PostgreSQL by accident.
 */
export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) {
    process.env.TIPDESK_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
  } else {
    const { startEmbeddedPostgres } = await import('../../dist/database/embedded-postgres.js').catch(() => {
      throw new Error('dist/ is missing: run the tests with `npm test` (it builds first), or `npm run build` once');
    });
    const { createLogger } = await import('../../dist/logging/logger.js');
    const dir = await mkdtemp(join(tmpdir(), 'tipdesk-test-pg-'));
    const database = await startEmbeddedPostgres(dir, createLogger('warn'), { persistent: false });
    globalThis.__TIPDESK_TEST_DB__ = database;
    process.env.TIPDESK_TEST_ADMIN_URL = database.url;
  }
  process.env.TIPDESK_TEST_TEMPLATE = await migratedTemplate(process.env.TIPDESK_TEST_ADMIN_URL);
}

/** A database with every migration applied, for each test file's database to be copied from. */
async function migratedTemplate(adminUrl) {
  const { runMigrations } = await import('../../dist/database/migrate.js');
  const name = `tipdesk_template_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString());
  globalThis.__TIPDESK_TEST_TEMPLATE__ = { adminUrl, name };
  return name;
}
