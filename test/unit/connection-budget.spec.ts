import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../src/config/app-config.js';
import { connectionBudget } from '../../src/database/connection-budget.js';

// PostgreSQL's default max_connections (the docker-compose postgres service keeps it), less the
// three superuser_reserved_connections nobody else may use.
const USABLE_CONNECTIONS = 100 - 3;

describe('PostgreSQL connection budget', () => {
  it('one process with the defaults: 10 (app) + 1 (the upload-lock session, which also LISTENs) + 4 (pg-boss) + 1 (session notifications) = 16', () => {
    expect(connectionBudget(loadConfig({}))).toEqual({ app: 10, uploadLocks: 1, jobs: 4, notifications: 1, total: 16 });
  });

  it('the docker-compose topology (both app processes and a CLI run) uses at most two thirds of max_connections, and a third process starting (a rolling restart) still fits', async () => {
    const compose = await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    const appProcesses = compose.match(/^ {2}app\d+:/gm) ?? [];
    expect(appProcesses.length).toBe(2);
    // The compose file leaves the pool settings at their defaults.
    expect(compose).not.toMatch(/DATABASE_POOL_SIZE|UPLOAD_LOCK_CONNECTIONS/);
    const perProcess = connectionBudget(loadConfig({})).total;
    const cli = loadConfig({}).DATABASE_POOL_SIZE;
    expect(appProcesses.length * perProcess + cli).toBeLessThanOrEqual((2 / 3) * USABLE_CONNECTIONS);
    expect((appProcesses.length + 1) * perProcess + cli).toBeLessThanOrEqual(USABLE_CONNECTIONS);
  });
});
