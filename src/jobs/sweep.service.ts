import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../logging/logger.js';
import { MediaService } from '../media/media.service.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import { SessionsService } from '../staff/sessions.service.js';
import { SignInThrottleService } from '../staff/sign-in-throttle.service.js';
import { BLOB_STORE, type BlobStore } from '../storage/blob-store.js';
import { IdempotencyService } from '../tips/idempotency.service.js';
import { UploadsService } from '../uploads/uploads.service.js';
import { JobsRepository } from './jobs.repository.js';

// A committed blob with no row an hour after its commit was left by a crash between the move
// and COMMIT. A temporary blob may belong to an upload still streaming for as long as a request
// may last (S3 dates a multipart upload by its start), so those wait out UPLOAD_TIMEOUT_SECONDS.
const ORPHAN_AFTER_MS = 60 * 60 * 1000;
const TEMPORARY_GRACE_MS = 15 * 60 * 1000;
// One sweeper at a time across every app process.
const SWEEP_LOCK = 0x7469_7064; // "tipd"

export interface SweepReport {
  temporaryBlobs: number;
  orphanedBlobs: number;
  idempotencyKeys: number;
  rateLimitWindows: number;
  sessions: number;
  signInThrottles: number;
  uploads: number;
}

/** Removes what a crash or an abandoned request left behind: at start-up and on a timer, one process at a time. */
@Injectable()
export class SweepService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  private readonly logger: Logger;
  constructor(
    private readonly repository: JobsRepository,
    private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(LOGGER) logger: Logger,
    private readonly media: MediaService,
    private readonly idempotency: IdempotencyService,
    private readonly rateLimits: RateLimitsService,
    private readonly sessions: SessionsService,
    private readonly signInThrottles: SignInThrottleService,
    private readonly uploads: UploadsService,
  ) {
    this.logger = logger.child({ component: 'sweep' });
  }

  onApplicationBootstrap(): void {
    const run = () => this.sweep().catch((error) => this.logger.error({ err: error }, 'sweep failed'));
    void run();
    this.timer = setInterval(() => void run(), this.config.SWEEP_INTERVAL_MINUTES * 60_000).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<SweepReport | undefined> {
    const orphanedBefore = new Date(now.getTime() - ORPHAN_AFTER_MS);
    const abandonedBefore = new Date(now.getTime() - this.config.UPLOAD_TIMEOUT_SECONDS * 1000 - TEMPORARY_GRACE_MS);
    return this.repository.withAdvisoryLock(SWEEP_LOCK, async (manager) => {
      const report: SweepReport = {
        temporaryBlobs: await this.store.sweepTemporary(abandonedBefore),
        orphanedBlobs: await this.media.removeOrphanedBlobs(manager, orphanedBefore),
        idempotencyKeys: await this.idempotency.sweep(),
        rateLimitWindows: await this.rateLimits.sweep(),
        sessions: await this.sessions.sweep(),
        signInThrottles: await this.signInThrottles.sweep(),
        // Expired tus uploads (unfinished, or finished and never attached): bytes and rows.
        uploads: await this.uploads.sweep(now),
      };
      this.logger.info(report, 'sweep done');
      return report;
    });
  }
}
