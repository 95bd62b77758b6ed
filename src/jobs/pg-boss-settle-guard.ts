import { createRequire } from 'node:module';
import type { Logger } from 'pino';

type Settle = (this: unknown, name: string, ids: string | string[], ...rest: unknown[]) => Promise<unknown>;
interface ManagerPrototype {
  complete: Settle;
  fail: Settle;
  __tipdeskSettleGuard?: true;
}

/**
 * pg-boss 10's worker loop calls `complete()` and `fail()` without awaiting them (src/manager.js,
 * `work()`), so a job that ends while PostgreSQL is restarting rejects with nobody listening:
 * an unhandled rejection, which ends a Node process (the soak bench killed both app processes
 * this way on every database restart). Catch those two here and log them; the job stays active
 * and pg-boss's own expiry retries it. pg-boss 11+ fixes this but needs Node 22.
 */
export function guardPgBossSettling(logger: Logger): void {
  const manager = (createRequire(import.meta.url)('pg-boss/src/manager.js') as { prototype: ManagerPrototype }).prototype;
  if (manager.__tipdeskSettleGuard) return;
  manager.__tipdeskSettleGuard = true;
  for (const method of ['complete', 'fail'] as const) {
    const original = manager[method];
    manager[method] = function (this: unknown, name, ids, data) {
      return original.call(this, name, ids, data).catch((error: unknown) => {
        logger.warn(
          { err: error, queue: name, jobs: ids.length },
          `the job queue could not record ${method === 'complete' ? 'a finished' : 'a failed'} job; it will be retried when it expires`,
        );
        return undefined;
      });
    };
  }
}
