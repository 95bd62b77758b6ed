import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { keyFrom } from '../../src/crypto/encryption-key.js';
import { createLogger } from '../../src/logging/logger.js';
import { createTestDatabase } from './database.js';

/**
 * The service tier: the application's modules wired exactly as in production (AppModule, real
 * PostgreSQL on this file's own database, real file storage), without HTTP. Tests call services
 * directly, where a rule table gains nothing from going through a request.
 */
export interface ServiceApp {
  module: TestingModule;
  config: AppConfig;
  dataSource: DataSource;
  databaseUrl: string;
  /** A second pool for the test's own reads and set-up. */
  db: pg.Pool;
  logs: string[];
  get<T>(type: abstract new (...args: never[]) => T): T;
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

export async function startServiceApp(env: Record<string, string> = {}): Promise<ServiceApp> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'tipdesk-service-data-'));
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'info', JOBS_ENABLED: 'false', STORAGE_MIN_FREE_BYTES: '0', ...env });
  const logs: string[] = [];
  const logger = createLogger(config.LOG_LEVEL, new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }));
  const module = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, logger, encryptionKey: keyFrom(randomBytes(32)), databaseUrl: database.url })],
  }).compile();
  module.useLogger(false);
  await module.init();
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  db.on('error', () => undefined);
  return {
    module,
    config,
    dataSource: module.get(DataSource),
    databaseUrl: database.url,
    db,
    logs,
    get: (type) => module.get(type, { strict: false }),
    count: async (table) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n),
    close: async () => {
      await module.close();
      await db.end();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
