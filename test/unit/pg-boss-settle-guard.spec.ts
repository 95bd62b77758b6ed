import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { guardPgBossSettling } from '../../src/jobs/pg-boss-settle-guard.js';
import { createLogger } from '../../src/logging/logger.js';

const Manager = createRequire(import.meta.url)('pg-boss/src/manager.js') as {
  prototype: Record<'complete' | 'fail', (this: unknown, name: string, ids: string[], data?: unknown) => Promise<unknown>>;
};

describe('guardPgBossSettling', () => {
  it('a job that ends while the database is down: complete() and fail() resolve (logged) instead of rejecting unheard', async () => {
    const lines: string[] = [];
    guardPgBossSettling(createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })));
    // What the worker loop's `this` needs: a db whose connection is refused, as during a restart.
    const manager = Object.assign(Object.create(Manager.prototype) as object, {
      db: { executeSql: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) },
      completeJobsCommand: 'x',
      failJobsByIdCommand: 'x',
    });
    await expect(Manager.prototype.complete.call(manager, 'media-processing', ['a'], {})).resolves.toBeUndefined();
    await expect(Manager.prototype.fail.call(manager, 'media-processing', ['a'], new Error('ffprobe failed'))).resolves.toBeUndefined();
    expect(lines.filter((line) => line.includes('ECONNREFUSED'))).toHaveLength(2);
  });

  it('guards once, however many processes-worth of modules start', () => {
    const before = Manager.prototype.fail;
    guardPgBossSettling(createLogger('silent'));
    expect(Manager.prototype.fail).toBe(before);
  });
});
