import type { AppConfig } from '../config/app-config.js';
import { JOB_QUEUE_POOL_SIZE } from '../jobs/job-queue.js';

/**
 * Every PostgreSQL connection one app process may open at once, by pool. Migrations run on one
 * connection before these open and close it; the CLI opens its own (at most DATABASE_POOL_SIZE,
 * in practice one or two). README, Connection budget, sizes the docker-compose topology from this.
 */
export interface ConnectionBudget {
  /** TypeORM's pool: requests, services, the sweep. */
  app: number;
  /** tus upload locks: one session per process holds them all and LISTENs for release requests (uploads/postgres-locker.ts). */
  uploadLocks: number;
  /** pg-boss: sends, fetches, completions and its maintenance (never held for a job's length). */
  jobs: number;
  /** The LISTEN connection for session changes (database-notifications.ts). */
  notifications: number;
  total: number;
}

export function connectionBudget(config: Pick<AppConfig, 'DATABASE_POOL_SIZE'>): ConnectionBudget {
  const app = config.DATABASE_POOL_SIZE;
  const uploadLocks = 1;
  const jobs = JOB_QUEUE_POOL_SIZE;
  const notifications = 1;
  return { app, uploadLocks, jobs, notifications, total: app + uploadLocks + jobs + notifications };
}
