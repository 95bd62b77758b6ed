import { describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { createLogger } from '../../src/logging/logger.js';

const logger = createLogger('silent');

describe('embedded PostgreSQL', () => {
  it('keeps its data across a restart, on a new free port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tipdesk-pg-restart-'));
    try {
      const first = await startEmbeddedPostgres(dir, logger);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query('CREATE TABLE kept (note text)');
      await client.query(`INSERT INTO kept VALUES ('still here')`);
      await client.end();
      await first.stop();

      const second = await startEmbeddedPostgres(dir, logger);
      const again = new pg.Client({ connectionString: second.url });
      await again.connect();
      expect((await again.query('SELECT note FROM kept')).rows).toEqual([{ note: 'still here' }]);
      await again.end();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which directory the postgres user cannot enter', async () => {
    if (userInfo().uid !== 0) return expect(true).toBe(true); // the check only applies as root
    const locked = await mkdtemp(join(tmpdir(), 'tipdesk-pg-locked-'));
    await chmod(locked, 0o700);
    try {
      await expect(startEmbeddedPostgres(join(locked, 'data'), logger)).rejects.toThrow(EmbeddedPostgresError);
      await expect(startEmbeddedPostgres(join(locked, 'data'), logger)).rejects.toThrow(new RegExp(`cannot enter ${locked}`));
    } finally {
      await rm(locked, { recursive: true, force: true });
    }
  });
});
