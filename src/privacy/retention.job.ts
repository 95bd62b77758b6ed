import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { JobQueue } from '../jobs/job-queue.js';
import { LOGGER } from '../logging/logger.js';
import { RetentionService } from './retention.service.js';

export const RETENTION_QUEUE = 'privacy-retention';

/**
 * The scheduled purge. Every process (with JOBS_ENABLED) offers a job to the pg-boss queue every
 * RETENTION_INTERVAL_MINUTES; the queue's `stately` policy keeps at most one queued and one
 * running across all processes, and a singleton key per interval drops the other processes'
 * offers, so one runner purges at a time. The purge itself is RetentionService.purge (each tip
 * its own transaction and audit event).
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly logger: Logger;

  constructor(
    private readonly queue: JobQueue,
    private readonly retention: RetentionService,
    private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'retention' });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.JOBS_ENABLED) return;
    const boss = this.queue.pgBoss;
    await boss.createQueue(RETENTION_QUEUE, { name: RETENTION_QUEUE, policy: 'stately', retryLimit: 2, expireInSeconds: 60 * 60 });
    await boss.work(RETENTION_QUEUE, { batchSize: 1, pollingIntervalSeconds: this.config.JOBS_POLL_SECONDS }, async () => {
      const run = await this.retention.purge();
      // Ids and counts only: never what the tips held.
      this.logger.info({ purged: run.purged.length, skipped: run.skipped.length, tipIds: run.purged.map((p) => p.tipId) }, 'retention run done');
    });
    const offer = () => void this.offer().catch((error) => this.logger.error({ err: error }, 'retention job not offered'));
    offer();
    this.timer = setInterval(offer, this.config.RETENTION_INTERVAL_MINUTES * 60_000).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One job per interval, whichever process offers it first. */
  async offer(): Promise<string | null> {
    const seconds = this.config.RETENTION_INTERVAL_MINUTES * 60;
    return this.queue.pgBoss.send(RETENTION_QUEUE, {}, { singletonKey: 'retention', singletonSeconds: seconds });
  }
}
