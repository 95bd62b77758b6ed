import { describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

  it("refuses a DATA_DIR that another running tipdesk holds, and takes over a dead one's", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tipdesk-pg-owned-'));
    try {
      // Jest's parent process is a live node process: it stands in for another tipdesk.
      await writeFile(join(dir, 'tipdesk.pid'), `${process.ppid}\n`);
      await expect(startEmbeddedPostgres(dir, logger)).rejects.toThrow(`Another tipdesk (process ${process.ppid}) is already running`);
      await writeFile(join(dir, 'tipdesk.pid'), '999999999\n');
      const database = await startEmbeddedPostgres(dir, logger);
      expect(await readFile(join(dir, 'tipdesk.pid'), 'utf8')).toBe(`${process.pid}\n`);
      await database.stop();
      await expect(readFile(join(dir, 'tipdesk.pid'))).rejects.toThrow(/ENOENT/);
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
