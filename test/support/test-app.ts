import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createApp } from '../../src/app-setup.js';
import type { DynamicModule } from '@nestjs/common';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { keyFrom, type EncryptionKey } from '../../src/crypto/encryption-key.js';
import { createLogger } from '../../src/logging/logger.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  encryptionKey: EncryptionKey;
  dataDir: string;
  databaseUrl: string;
  db: pg.Pool;
  /** Every JSON log line the app wrote. */
  logs: string[];
  /** Files under the local blob store, relative to its root. */
  blobFiles(): Promise<string[]>;
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

async function walk(dir: string, root = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path, root)));
    else files.push(relative(root, path));
  }
  return files;
}

/**
 * The real app (same setup as production) on its own database, data directory and port.
 * `imports` adds modules: a channel's own module, or a ChannelSender that records what it was asked to send.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { imports?: DynamicModule[]; shareWith?: TestApp; keys?: { current: EncryptionKey; previous?: EncryptionKey[]; hashKey?: Buffer } } = {},
): Promise<TestApp> {
  // `shareWith`: a second app process on the first one's database and data directory (closing it leaves both).
  const shared = options.shareWith;
  const database = shared ? { url: shared.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const dataDir = shared ? shared.dataDir : await mkdtemp(join(tmpdir(), 'tipdesk-test-data-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    LOG_LEVEL: 'info',
    RATE_LIMIT_TIPS_PER_HOUR: '100000',
    RATE_LIMIT_SIGN_INS_PER_15_MINUTES: '100000',
    // Tests post many tips from one address: proof of work only where a test asks for it.
    POW_AFTER_TIPS_PER_HOUR: '100000',
    // Media processing adds posters (and their temporary blobs) in the background, at its own
    // pace: tests that count blobs or open files would race it. Tests of the jobs turn it on.
    JOBS_ENABLED: 'false',
    // The suite must not depend on the machine's free disk; the reserve's own tests set it.
    STORAGE_MIN_FREE_BYTES: '0',
    ...env,
  });
  const logs: string[] = [];
  const logger = createLogger(config.LOG_LEVEL, new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }));
  // `keys`: the key ring as a deployment would hold it (key rotation's tests); else one random key.
  const encryptionKey = options.keys?.current ?? shared?.encryptionKey ?? keyFrom(randomBytes(32));
  const app = await createApp({
    config,
    logger,
    encryptionKey,
    previousKeys: options.keys?.previous,
    hashKey: options.keys?.hashKey,
    databaseUrl: database.url,
    imports: options.imports,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  // Teardown drops the database WITH (FORCE); an idle client it cuts must not fail a later test.
  db.on('error', () => undefined);
  return {
    app,
    url,
    config,
    encryptionKey,
    dataDir,
    databaseUrl: database.url,
    db,
    logs,
    blobFiles: () => walk(join(dataDir, 'blobs')).then((files) => files.filter((f) => !f.startsWith('tmp/.health'))),
    count: async (table) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n),
    close: async () => {
      await app.close();
      await db.end();
      await database.drop();
      if (!shared) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` passes (for effects that follow a dropped connection). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
