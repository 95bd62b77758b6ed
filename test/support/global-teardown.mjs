import pg from 'pg';

export default async function globalTeardown() {
  const template = globalThis.__TIPDESK_TEST_TEMPLATE__;
  // The embedded server goes with everything on it; a server named by TEST_DATABASE_URL keeps no template behind.
  if (template && !globalThis.__TIPDESK_TEST_DB__) {
    const admin = new pg.Client({ connectionString: template.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${template.name} WITH (FORCE)`);
    await admin.end();
  }
  await globalThis.__TIPDESK_TEST_DB__?.stop();
}
