import { Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../logging/logger.js';
import { JOBS_SCHEMA, JobsRepository } from './jobs.repository.js';
import { guardPgBossSettling } from './pg-boss-settle-guard.js';

// pg-boss's own pool: sends, fetches and its maintenance. Workers hold a connection only while
// fetching or completing, never for the length of a job (see README, Connection budget).
export const JOB_QUEUE_POOL_SIZE = 4;

/**
 * The one pg-boss instance of this process (its own `pgboss` schema in the app's database), so any
 * number of app processes share the work. Every process can send jobs, even one that runs no
 * media workers (JOBS_ENABLED=false): a contributor's mail is queued whichever process made it.
 */
@Injectable()
export class JobQueue implements OnModuleInit, OnApplicationShutdown {
  private boss?: PgBoss;
  private stopping?: Promise<void>;
  private readonly logger: Logger;
  /** Dead-letter queue → the queue whose failures it holds, as each module that sends jobs registers them. */
  private readonly deadLetterQueues = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: JobsRepository,
    private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'job-queue' });
  }

  async onModuleInit(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) throw new Error('JobQueue needs the database URL');
    guardPgBossSettling(this.logger);
    const boss = new PgBoss({
      connectionString: url,
      schema: JOBS_SCHEMA,
      application_name: 'tipdesk-jobs',
      max: JOB_QUEUE_POOL_SIZE,
      // No cron here: sweeps run on the app's own timers.
      schedule: false,
    });
    boss.on('error', (error) => this.logger.error({ err: error }, 'job queue error'));
    await boss.start();
    this.boss = boss;
  }

  /** The started queue (from module init until shutdown). */
  get pgBoss(): PgBoss {
    if (!this.boss) throw new Error('the job queue is not running');
    return this.boss;
  }

  get running(): boolean {
    return this.boss !== undefined && this.stopping === undefined;
  }

  /**
   * Stops once (callers that must outlive the workers await it: the mailer, the media sweep):
   * jobs under way get JOBS_SHUTDOWN_GRACE_SECONDS, whatever still runs then is failed, to be retried.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.boss?.stop({ graceful: true, wait: true, timeout: this.config.JOBS_SHUTDOWN_GRACE_SECONDS * 1000 });
    })();
    return this.stopping;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * A module that sends jobs names its dead-letter queue here (and the queue whose failures it
   * holds), so the admin page and the metrics list it without the jobs module importing that module.
   */
  registerDeadLetters(deadLetterQueue: string, queue: string): void {
    this.deadLetterQueues.set(deadLetterQueue, queue);
  }

  /** Every registered dead-letter queue → the queue whose failures it holds. */
  get deadLetters(): ReadonlyMap<string, string> {
    return this.deadLetterQueues;
  }

  /** Whether pg-boss's tables exist yet (a page may ask before any process started the queue). */
  installed(): Promise<boolean> {
    return this.repository.installed();
  }

  /** Jobs by queue and state, for the metrics (one GROUP BY over pg-boss's table). */
  async counts(): Promise<{ name: string; state: string; count: number }[]> {
    if (!(await this.installed())) return [];
    return this.repository.countsByQueueAndState();
  }

  /** Jobs of `queue` still waiting, waiting for a retry, or running. */
  unsettledCount(queue: string): Promise<number> {
    return this.repository.unsettledCount(queue);
  }
}

/** Global: the media jobs and the contributor notifications share the one queue. */
@Global()
@Module({ providers: [JobQueue, JobsRepository], exports: [JobQueue, JobsRepository] })
export class JobQueueModule {}
