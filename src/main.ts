import 'reflect-metadata';
import { createApp } from './app-setup.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { resolveEncryptionKey } from './crypto/encryption-key.js';
import { startEmbeddedPostgres, type RunningDatabase } from './database/embedded-postgres.js';
import { runMigrations } from './database/migrate.js';
import { createLogger } from './logging/logger.js';

const SHUTDOWN_GRACE_MS = 30_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger(config.LOG_LEVEL);
  const encryptionKey = await resolveEncryptionKey(config, logger);

  let database: RunningDatabase | undefined;
  if (!config.DATABASE_URL) {
    logger.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
    database = await startEmbeddedPostgres(config.dataDir, logger);
  }
  const databaseUrl = config.DATABASE_URL ?? database!.url;
  const applied = await runMigrations(databaseUrl);
  if (applied.length) logger.info({ migrations: applied }, 'database migrations applied');

  const app = await createApp({ config, logger, encryptionKey, databaseUrl });
  await app.listen(config.PORT, config.HOST);
  logger.info({ url: config.publicBaseUrl, storage: config.STORAGE_DRIVER }, `tipdesk is listening on port ${config.PORT}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    const forced = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + 5_000).unref();
    try {
      await app.close();
      await database?.stop();
      clearTimeout(forced);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`tipdesk could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
