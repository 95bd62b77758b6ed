import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logging/logger.js';
import { startEmbeddedPostgres, type RunningDatabase } from '../../src/database/embedded-postgres.js';

declare global {
  // eslint-disable-next-line no-var
  var __TIPDESK_TEST_DB__: RunningDatabase | undefined;
}

/**
 * One real PostgreSQL for the whole run: an embedded one in a temporary directory, or the
 * server named by TEST_DATABASE_URL. Each test file then makes its own database on it. Never
 * falls back to the host's PostgreSQL by accident.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.TIPDESK_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'tipdesk-test-pg-'));
  const database = await startEmbeddedPostgres(dir, createLogger('warn'), { persistent: false });
  globalThis.__TIPDESK_TEST_DB__ = database;
  process.env.TIPDESK_TEST_ADMIN_URL = database.url;
}
