import 'reflect-metadata';
import type { Server } from 'node:http';
import { createApp } from './app-setup.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { connectionBudget } from './database/connection-budget.js';
import { resolveKeyRing } from './crypto/encryption-key.js';
import { startEmbeddedPostgres, type RunningDatabase } from './database/embedded-postgres.js';
import { runMigrations } from './database/migrate.js';
import { createLogger } from './logging/logger.js';
import { UploadsEndpoint } from './uploads/uploads.endpoint.js';

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
  const keys = await resolveKeyRing(config, logger);

  let database: RunningDatabase | undefined;
  if (!config.DATABASE_URL) {
    logger.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
    database = await startEmbeddedPostgres(config.dataDir, logger);
  }
  const databaseUrl = config.DATABASE_URL ?? database!.url;
  const applied = await runMigrations(databaseUrl);
  if (applied.length) logger.info({ migrations: applied }, 'database migrations applied');

  const app = await createApp({ config, logger, encryptionKey: keys.current, previousKeys: keys.previous, hashKey: keys.hashKey, databaseUrl });
  await app.listen(config.PORT, config.HOST);
  logger.info(
    { url: config.publicBaseUrl, storage: config.STORAGE_DRIVER, postgresConnections: connectionBudget(config) },
    `tipdesk is listening on port ${config.PORT}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000;
    logger.info({ signal, graceSeconds: config.SHUTDOWN_GRACE_SECONDS }, 'shutting down: no new connections, finishing requests in flight');
    // Past the grace period, the uploads' own stop (≤ 13 s) and the jobs' grace, give up.
    const forced = setTimeout(
      () => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      },
      graceMs + (13 + config.JOBS_SHUTDOWN_GRACE_SECONDS + 10) * 1000,
    ).unref();
    const server = app.getHttpServer() as Server;
    server.close();
    // A keep-alive connection that goes idle after close() would otherwise hold the process for keepAliveTimeout.
    const idleCloser = setInterval(() => server.closeIdleConnections(), 250);
    try {
      await app.get(UploadsEndpoint).drain(graceMs);
      await app.close();
      await database?.stop();
      clearTimeout(forced);
      clearInterval(idleCloser);
      logger.info('stopped');
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
