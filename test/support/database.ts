import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh, empty database on the test run's PostgreSQL, so test files run in parallel without
 * seeing each other's rows. Returns its URL and a function that drops it.
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TIPDESK_TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('TIPDESK_TEST_ADMIN_URL is not set: run the tests through `npm test` (Jest globalSetup)');
  const name = `tipdesk_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
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
