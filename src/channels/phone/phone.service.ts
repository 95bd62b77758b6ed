import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppConfig } from '../../config/app-config.js';
import { DomainError, NotFoundError, ValidationFailedError } from '../../http/errors.js';
import type { UploadedMedia } from '../../media/blob-storage-engine.js';
import { MediaService, TooManyFilesError } from '../../media/media.service.js';
import { withStagedMedia } from '../../media/staged-media.js';
import type { StaffPrincipal } from '../../staff/access.js';
import { statusPageUrl } from '../../text/status-url.js';
import { TipIntakeService } from '../../tips/tip-intake.service.js';
import { TipsRepository } from '../../tips/tips.repository.js';
import type { AddedFilesDto, CreatePhoneTipDto, PhoneTipDto } from './dto/phone-tip.dto.js';

/**
 * The desk's phone line: an editor logs a call as a tip (channel `phone`), recorded as the one
 * who took it, and adds the files the caller sends afterwards.
 */
@Injectable()
export class PhoneService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly tips: TipIntakeService,
    private readonly tipRecords: TipsRepository,
    private readonly media: MediaService,
    private readonly audit: AuditService,
  ) {}

  async logCall(staff: StaffPrincipal, call: CreatePhoneTipDto): Promise<PhoneTipDto> {
    return this.dataSource.transaction(async (manager) => {
      const tip = await this.tips.insertChannelTip(manager, {
        channel: 'phone',
        name: call.callerName ?? null,
        phone: call.callerNumber,
        story: call.story,
        location: call.location ?? null,
        occurredAt: call.occurredAt ?? null,
      });
      // The editor is the actor: who took the call is in the tip's history.
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.created',
        entityType: 'tip',
        entityId: tip.tipId,
        after: { reference: tip.reference, channel: 'phone', takenBy: staff.id, mediaCount: 0 },
      });
      // The secret is shown once, to this editor, to read to the caller: whoever has seen it could
      // sign in as the caller, so they may never offer or approve a payment on this tip.
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.secret_shown',
        entityType: 'tip',
        entityId: tip.tipId,
        after: { reference: tip.reference, shownTo: staff.id, purpose: 'read to the caller' },
      });
      return { id: tip.tipId, reference: tip.reference, secret: tip.secret, statusUrl: statusPageUrl(this.config.publicBaseUrl, tip.reference) };
    });
  }

  /**
   * Files a caller sent after the call (by whatever means), added by an editor to a phone tip:
   * all or none, within MAX_FILES_PER_TIP, under the tip's row lock.
   */
  async addFiles(staff: StaffPrincipal, tipId: string, files: UploadedMedia[]): Promise<AddedFilesDto> {
    return withStagedMedia(this.media, files, async (intake) => {
      if (files.length === 0) throw new ValidationFailedError({ files: ['Choose at least one video, photo or audio file to add'] });
      return this.dataSource.transaction(async (manager) => {
        const tip = await this.tipRecords.refById(manager, tipId, { lock: true });
        if (!tip) throw new NotFoundError('TIP_NOT_FOUND', 'There is no tip with that id.');
        if (tip.channel !== 'phone') {
          throw new DomainError(
            HttpStatus.CONFLICT,
            'TIP_NOT_PHONE',
            'The desk adds files only to phone tips; other tips get their files from their contributor.',
          );
        }
        const max = this.config.MAX_FILES_PER_TIP;
        const left = max - (await this.media.countForTip(manager, tipId));
        if (files.length > left) {
          throw new TooManyFilesError(
            max,
            left > 0
              ? `A tip can have at most ${max} files: this one can take ${left} more, and you sent ${files.length}.`
              : `A tip can have at most ${max} files, and this one has them all.`,
          );
        }
        const staged = await intake.attach(manager, tipId, files);
        const mediaIds = staged.map((s) => s.id);
        await this.audit.record(manager, {
          actorType: 'staff',
          actorId: staff.id,
          action: 'tip.media_added',
          entityType: 'tip',
          entityId: tipId,
          after: { mediaIds, mediaCount: mediaIds.length },
        });
        return { mediaIds, filesLeft: left - files.length };
      });
    });
  }
}
