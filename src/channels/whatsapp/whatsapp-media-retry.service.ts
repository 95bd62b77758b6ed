import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../../config/app-config.js';
import { LOGGER } from '../../logging/logger.js';
import { ChannelIntakeService } from '../channel-intake.service.js';
import { WhatsAppMediaFetcher } from './whatsapp-media.fetcher.js';

const RETRY_INTERVAL_MS = 60_000;
const BATCH = 20;
// Off the webhook's clock, a download may take as long as a big file needs.
const RETRY_DOWNLOAD_MS = 10 * 60_000;

export interface MediaRetryReport {
  attached: number;
  dropped: number;
  failed: number;
}

/**
 * Fetches again the WhatsApp media a webhook could not download (Graph down, 5xx, 404, slow):
 * every minute, the items the intake says are due. The intake keeps the attempts, the backoff
 * and a lease, so two app processes never fetch the same file.
 */
@Injectable()
export class WhatsAppMediaRetryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<MediaRetryReport>;

  private readonly logger: Logger;
  constructor(
    private readonly config: AppConfig,
    private readonly intake: ChannelIntakeService,
    private readonly media: WhatsAppMediaFetcher,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'whatsapp-media-retry' });
  }

  onApplicationBootstrap(): void {
    if (!this.config.WHATSAPP_ACCESS_TOKEN) return;
    const run = () => this.retryDue().catch((error) => this.logger.error({ err: error }, 'WhatsApp media retry failed'));
    this.timer = setInterval(() => void run(), RETRY_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass over the due items; a pass already under way in this process is joined, not doubled. */
  retryDue(): Promise<MediaRetryReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<MediaRetryReport> {
    const report: MediaRetryReport = { attached: 0, dropped: 0, failed: 0 };
    const due = await this.intake.pendingMediaDue(BATCH, 'whatsapp');
    for (const item of due) {
      const fetched = await this.media.fetch(
        { providerMediaId: item.providerMediaId, filename: item.filename ?? undefined, declaredType: item.declaredType ?? undefined },
        RETRY_DOWNLOAD_MS,
      );
      if (fetched.outcome === 'stored') {
        await this.intake.attachFetched(item.id, fetched.file);
        report.attached++;
      } else if (fetched.outcome === 'dropped') {
        // The bytes came but will never be accepted (not media, too large): no more tries, a note says why.
        await this.intake.fetchRefused(item.id, fetched.reason);
        report.dropped++;
      } else {
        await this.intake.fetchFailed(item.id, fetched.code);
        report.failed++;
      }
    }
    if (due.length) this.logger.info({ channel: 'whatsapp', ...report }, 'WhatsApp media retried');
    return report;
  }
}
