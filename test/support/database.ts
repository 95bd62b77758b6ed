import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh database on the test run's PostgreSQL, so test files run in parallel without seeing
 * each other's rows: by default a copy of the run's migrated template (every migration applied),
 * or with `{ empty: true }` an empty one (for the migrations' own tests). Returns its URL and a
 * function that drops it.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TIPDESK_TEST_ADMIN_URL;
  const template = process.env.TIPDESK_TEST_TEMPLATE;
  if (!adminUrl || !template) throw new Error('TIPDESK_TEST_ADMIN_URL is not set: run the tests through `npm test` (Jest globalSetup)');
  const name = `tipdesk_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(options.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
