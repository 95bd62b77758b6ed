import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../logging/logger.js';
import { VirusScanError } from '../media/clamd-scanner.js';
import { MediaProcessingError, MediaProcessingService } from '../media/media-processing.service.js';
import { MediaScanService } from '../media/media-scan.service.js';
import { MediaService } from '../media/media.service.js';
import { cachedReading, Metrics } from '../metrics/metrics.js';
import { JobQueue } from './job-queue.js';
import { JobsRepository } from './jobs.repository.js';

export const MEDIA_QUEUE = 'media-process';
export const MEDIA_DEAD_LETTERS = 'media-dead-letters';
// Virus scans (while CLAMAV_HOST is set): their own queue, so a slow clamd never holds up probing;
// their failures go to the same dead letters, the output naming the queue.
export const SCAN_QUEUE = 'media-scan';
// Media still 'stored' this long after its commit lost its enqueue (a crash between COMMIT and
// send): the sweep sends it again. The job id is the media id, so a second send is a no-op.
const LOST_AFTER_MS = 2 * 60_000;
const LOST_SWEEP_MS = 60_000;

export interface MediaJob {
  mediaId: string;
}

/** What a media job does, and how it reports failure. */
interface MediaWork {
  queue: string;
  work: (mediaId: string) => Promise<string>;
  /** An expected failure, with a stable code; anything else is reported as `unknownCode`. */
  known: (error: unknown) => { code: string; message: string } | undefined;
  unknownCode: string;
  giveUp: (mediaId: string, code: string) => Promise<void>;
  done: string;
  failed: string;
}

/** One failed job as admins see it: what, which file or tip, why and when, never whose. */
export interface DeadLetter {
  id: string;
  queue: string;
  mediaId: string | null;
  tipId: string | null;
  errorCode: string;
  attempts: number;
  failedAt: string;
}

/**
 * The background queue (pg-boss in its own `pgboss` schema of the app's database), so any
 * number of app processes share the work. Media processing: sent after the media row commits,
 * retried with exponential backoff, dead-lettered when it keeps failing (the media stays,
 * marked 'unprobed'). Virus scans likewise on their own queue; one that keeps failing leaves the
 * media 'pending' and its bytes untouched.
 */
@Injectable()
export class JobsService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private boss?: PgBoss;
  private workerId?: string;
  private scanWorkerId?: string;
  private sweepTimer?: NodeJS.Timeout;
  private started?: Promise<void>;

  private readonly logger: Logger;
  constructor(
    private readonly repository: JobsRepository,
    private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly media: MediaService,
    private readonly processing: MediaProcessingService,
    private readonly scans: MediaScanService,
    private readonly metrics: Metrics,
    private readonly queue: JobQueue,
  ) {
    this.logger = logger.child({ component: 'jobs' });
    // Every dead-letter queue an admin sees: the media jobs' here, the contributor mail's from notifications.
    queue.registerDeadLetters(MEDIA_DEAD_LETTERS, MEDIA_QUEUE);
  }

  onModuleInit(): void {
    const jobs = cachedReading(10_000, () => this.queue.counts());
    this.metrics.gaugeFromReading('tipdesk_jobs', 'Background jobs (pg-boss) by queue and state; cached 10 s', ['queue', 'state'], async () =>
      (await jobs()).map((row) => ({ labels: { queue: row.name, state: row.state }, value: row.count })),
    );
    this.metrics.gaugeFromReading(
      'tipdesk_job_dead_letters',
      'Jobs that failed for good, waiting in a dead-letter queue (see the admin page); cached 10 s',
      ['queue'],
      async () => {
        const rows = await jobs();
        return [...this.queue.deadLetters.keys()].map((queue) => ({
          labels: { queue },
          value: rows.filter((row) => row.name === queue).reduce((sum, row) => sum + row.count, 0),
        }));
      },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.JOBS_ENABLED) return;
    this.media.onStored(
      (ids) => void this.enqueueMedia(ids).catch((error) => this.logger.error({ err: error }, 'media jobs not sent (the sweep will send them)')),
    );
    if (this.scans.enabled) {
      this.media.onStored(
        (ids) => void this.enqueueScans(ids).catch((error) => this.logger.error({ err: error }, 'scan jobs not sent (the sweep will send them)')),
      );
    }
    this.started = this.start();
    await this.started;
  }

  private async start(): Promise<void> {
    const boss = this.queue.pgBoss;
    this.boss = boss;
    await boss.createQueue(MEDIA_DEAD_LETTERS, { name: MEDIA_DEAD_LETTERS, retentionDays: 30 });
    await boss.createQueue(MEDIA_QUEUE, {
      name: MEDIA_QUEUE,
      retryLimit: this.config.MEDIA_JOB_RETRY_LIMIT,
      retryDelay: this.config.MEDIA_JOB_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      expireInSeconds: 15 * 60,
      deadLetter: MEDIA_DEAD_LETTERS,
    });
    this.workerId = await boss.work<MediaJob>(
      MEDIA_QUEUE,
      { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: this.config.JOBS_POLL_SECONDS },
      ([job]) => this.runMediaJob(job),
    );
    if (this.scans.enabled) {
      await boss.createQueue(SCAN_QUEUE, {
        name: SCAN_QUEUE,
        retryLimit: this.config.MEDIA_JOB_RETRY_LIMIT,
        retryDelay: this.config.MEDIA_JOB_RETRY_DELAY_SECONDS,
        retryBackoff: true,
        // A 2 GiB file at clamd's pace, with room to spare.
        expireInSeconds: 60 * 60,
        deadLetter: MEDIA_DEAD_LETTERS,
      });
      this.scanWorkerId = await boss.work<MediaJob>(
        SCAN_QUEUE,
        { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: this.config.JOBS_POLL_SECONDS },
        ([job]) => this.runScanJob(job),
      );
    }
    const sweep = () => void this.sendLostMedia().catch((error) => this.logger.error({ err: error }, 'media job sweep failed'));
    sweep();
    this.sweepTimer = setInterval(sweep, LOST_SWEEP_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.started?.catch(() => undefined);
    // Jobs under way get the grace period; whatever is still running then is failed, to be retried.
    await this.queue.stop();
    this.boss = undefined;
  }

  /** Sends a processing job for each media id (once: the job id is the media id). */
  async enqueueMedia(mediaIds: string[]): Promise<void> {
    const boss = this.boss;
    if (!boss || mediaIds.length === 0) return;
    for (const mediaId of mediaIds) await boss.send(MEDIA_QUEUE, { mediaId } satisfies MediaJob, { id: mediaId });
    // This process's worker need not wait for its next poll.
    if (this.workerId) boss.notifyWorker(this.workerId);
  }

  /** Sends a virus scan job for each media id (once: the job id is the media id, in its own queue). */
  async enqueueScans(mediaIds: string[]): Promise<void> {
    const boss = this.boss;
    if (!boss || !this.scans.enabled || mediaIds.length === 0) return;
    for (const mediaId of mediaIds) await boss.send(SCAN_QUEUE, { mediaId } satisfies MediaJob, { id: mediaId });
    if (this.scanWorkerId) boss.notifyWorker(this.scanWorkerId);
  }

  /**
   * Media that committed but whose job was never sent: processing, and the scan while scanning is
   * on. A scan that was dead-lettered stays 'pending'; sending it again is a no-op until pg-boss
   * deletes the failed job (after its retention), when the sweep gives it another round of tries.
   */
  async sendLostMedia(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - LOST_AFTER_MS);
    const ids = await this.processing.storedBefore(before);
    await this.enqueueMedia(ids);
    if (!this.scans.enabled) return ids.length;
    const scans = await this.scans.pendingBefore(before);
    await this.enqueueScans(scans);
    return ids.length + scans.length;
  }

  private runMediaJob(job: PgBoss.JobWithMetadata<MediaJob>): Promise<void> {
    return this.runJob(job, {
      queue: MEDIA_QUEUE,
      work: (mediaId) => this.processing.process(mediaId),
      known: (error) => (error instanceof MediaProcessingError ? error : undefined),
      unknownCode: 'PROCESSING_FAILED',
      giveUp: (mediaId, code) => this.processing.markUnprobed(mediaId, code),
      done: 'media processed',
      failed: 'media processing failed',
    });
  }

  private runScanJob(job: PgBoss.JobWithMetadata<MediaJob>): Promise<void> {
    return this.runJob(job, {
      queue: SCAN_QUEUE,
      work: (mediaId) => this.scans.scan(mediaId),
      known: (error) => (error instanceof VirusScanError ? error : undefined),
      unknownCode: 'SCAN_FAILED',
      giveUp: (mediaId, code) => this.scans.noteFailure(mediaId, code),
      done: 'media scanned',
      failed: 'media scan failed',
    });
  }

  /** One try of a media job: logged, and on the last failed try the row is told why (`giveUp`). */
  private async runJob(job: PgBoss.JobWithMetadata<MediaJob>, how: MediaWork): Promise<void> {
    const { mediaId } = job.data;
    try {
      const outcome = await how.work(mediaId);
      this.logger.info({ mediaId, outcome, attempt: job.retryCount + 1 }, how.done);
    } catch (error) {
      const known = how.known(error);
      const code = known?.code ?? how.unknownCode;
      const last = job.retryCount >= job.retryLimit;
      (how.queue === SCAN_QUEUE ? this.metrics.clamdFailures : this.metrics.ffprobeFailures).inc({ code });
      this.logger.warn({ mediaId, code, attempt: job.retryCount + 1, last, err: error }, how.failed);
      if (last) await how.giveUp(mediaId, code);
      // What pg-boss keeps as the job's output (and copies to the dead letters): a code and the
      // queue, no path, no name.
      throw Object.assign(new Error(known?.message ?? 'job failed'), { code, queue: how.queue });
    }
  }

  /** Failed jobs (media and contributor mail), newest first (admins). */
  async deadLetters(limit = 200): Promise<DeadLetter[]> {
    if (!(await this.queue.installed())) return [];
    const rows = await this.repository.deadLetters([...this.queue.deadLetters.keys()], limit);
    return rows.map((r) => ({
      id: r.id,
      // A media dead letter says which of the media queues failed it; another names its own queue.
      queue: r.name === MEDIA_DEAD_LETTERS ? (r.queue === SCAN_QUEUE ? SCAN_QUEUE : MEDIA_QUEUE) : (this.queue.deadLetters.get(r.name) ?? r.name),
      mediaId: r.mediaId,
      tipId: r.tipId,
      errorCode: r.code ?? 'UNKNOWN',
      attempts: r.retryLimit + 1,
      failedAt: r.createdOn.toISOString(),
    }));
  }
}
