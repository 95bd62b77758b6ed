import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { LOGGER } from '../logging/logger.js';
import { DeskService } from '../desk/desk.service.js';
import { MediaService } from '../media/media.service.js';
import { PayoutsService } from '../payouts/payouts.service.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import { TipAccessService } from '../tips/tip-access.service.js';
import { includedInZip, zipNameOf, zipStream } from './access-export.js';

export interface AccessExportDownload {
  /** What the browser saves it as. */
  filename: string;
  zip: Readable;
}

/**
 * A download can be gigabytes of video: enough for a contributor who lost one half way, not a
 * way to keep the server's disk and network busy with one session.
 */
export const EXPORTS_PER_HOUR = 10;

const README = `This ZIP holds everything tipdesk keeps about your tip:
- tip.json: your story as you sent it, where and when it happened, and where it stands now.
- contact.json: the name, email address and phone number you gave us.
- consents.json: what you agreed to when you sent it, with the exact text of the terms.
- messages.json: every message between you and the newsroom.
- payouts.json: our offers and payments, with your account shown masked (the last digits only).
- files.json and files/: the files you sent, byte for byte (files.json gives each one's SHA-256).
Nothing here is shared with anyone by downloading it. Keep it safe: it holds your contact details.
`;

function notIncludedBecause(file: { state: string; inStorage: boolean }): string {
  return file.state === 'rejected' ? 'We refused this file when it arrived, so we did not keep it as yours to view.' : 'This file is no longer in our storage.';
}

/**
 * The right of access: everything tipdesk holds about one tip, as one ZIP streamed to its
 * contributor. Each module's data comes through that module's own service; the export is an
 * audit event (ids and counts, never content).
 */
@Injectable()
export class AccessExportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly tips: TipAccessService,
    private readonly desk: DeskService,
    private readonly payouts: PayoutsService,
    private readonly media: MediaService,
    private readonly rateLimits: RateLimitsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async download(tipId: string): Promise<AccessExportDownload> {
    await this.rateLimits.hitFor(
      {
        purpose: 'contributor-export',
        limit: EXPORTS_PER_HOUR,
        windowSeconds: 3600,
        tooMany: `You have downloaded your data ${EXPORTS_PER_HOUR} times in the last hour. Please try again later.`,
      },
      tipId,
    );
    const record = await this.tips.record(tipId);
    const messages = await this.desk.conversationForContributor(tipId);
    const payouts = await this.payouts.forContributor(tipId);
    const files = await this.media.forAccessExport(tipId);
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        actorType: 'contributor',
        actorId: null,
        action: 'contributor.data_exported',
        entityType: 'tip',
        entityId: tipId,
        after: { mediaIds: files.map((f) => f.id), payoutIds: payouts.map((p) => p.id), messageCount: messages.length, consentCount: record.consents.length },
      }),
    );
    const missing = files.filter((f) => !f.inStorage).map((f) => f.id);
    if (missing.length) this.logger.warn({ tipId, mediaIds: missing }, 'access export: files missing from storage are listed but not included');
    this.logger.info({ tipId, files: files.length }, 'contributor access export started');
    const zip = await zipStream({
      documents: [
        ['tip.json', record.tip],
        ['contact.json', record.contact],
        ['consents.json', record.consents],
        ['messages.json', messages],
        ['payouts.json', payouts],
        [
          'files.json',
          files.map(({ open: _open, inStorage: _inStorage, ...file }, index) => ({
            ...file,
            pathInZip: includedInZip(files[index]) ? zipNameOf(index, file.filename) : null,
            ...(includedInZip(files[index]) ? {} : { notIncluded: notIncludedBecause(files[index]) }),
          })),
        ],
      ],
      readme: README,
      files,
    });
    return { filename: `tipdesk-${record.tip.reference}.zip`, zip };
  }
}
