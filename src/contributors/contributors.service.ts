import { Injectable } from '@nestjs/common';
import { HttpStatus } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { DeskService } from '../desk/desk.service.js';
import { OPEN_STATUSES } from '../desk/tip-states.js';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from '../http/errors.js';
import type { UploadedMedia } from '../media/blob-storage-engine.js';
import { MediaService, TooManyFilesError } from '../media/media.service.js';
import { withStagedMedia } from '../media/staged-media.js';
import { PayoutsService } from '../payouts/payouts.service.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import { SessionsService, type NewSession } from '../staff/sessions.service.js';
import { SignInThrottleService } from '../staff/sign-in-throttle.service.js';
import { hashSecret, normaliseReference, secretMatches } from '../tips/reference-codes.js';
import { UploadsService } from '../uploads/uploads.service.js';
import type { TipStatus } from '../tips/tips.entities.js';
import { TipsRepository } from '../tips/tips.repository.js';
import type { AddedMediaDto, ContributorMessageDto, ContributorTipDto } from './dto/contributor.dto.js';

// What a contributor reads: newsroom states in plain words, without the desk's internals.
const STATUS_TEXT: Record<TipStatus, string> = {
  new: 'Received: an editor will look at it soon',
  in_review: 'Under review by an editor',
  verified: 'Under review by an editor',
  used: 'Used in our coverage: thank you',
  rejected: 'Reviewed: we will not be using it this time',
  spam: 'Reviewed: we will not be using it this time',
  archived: 'Closed',
  erased: 'Erased: your story, your details and your files have been deleted',
};

/** Files are welcome while the desk is still working on the tip; after that nobody would look at them. */
const acceptsFiles = (status: TipStatus) => OPEN_STATUSES.includes(status);

/** The contributor's side: sign in with the receipt's reference and secret, and see that one tip. */
@Injectable()
export class ContributorsService {
  // Compared against when the reference is unknown, so both answers cost the same.
  private readonly decoyHash = hashSecret('decoy');

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly rateLimits: RateLimitsService,
    private readonly sessions: SessionsService,
    private readonly throttle: SignInThrottleService,
    private readonly payouts: PayoutsService,
    private readonly desk: DeskService,
    private readonly media: MediaService,
    private readonly uploads: UploadsService,
    private readonly tips: TipsRepository,
  ) {}

  async signIn(reference: string, secret: string, clientAddress: string): Promise<NewSession & { reference: string }> {
    await this.rateLimits.hit(
      {
        purpose: 'contributor-sign-in',
        limit: this.config.RATE_LIMIT_SIGN_INS_PER_15_MINUTES,
        windowSeconds: 900,
        tooMany: 'Too many attempts from your connection.',
      },
      clientAddress,
    );
    const normalised = normaliseReference(reference);
    const subject = this.throttle.subject('contributor', normalised);
    await this.throttle.assertNotLocked(subject);
    const tip = await this.tips.credentialsByReference(normalised);
    const matches = secretMatches(secret, tip?.secretHash ?? this.decoyHash) && tip !== undefined;
    if (!matches) {
      await this.throttle.recordFailure(subject);
      throw new DomainError(
        HttpStatus.UNAUTHORIZED,
        'INVALID_REFERENCE_OR_SECRET',
        'That reference and secret do not match a tip. Check your receipt and try again.',
      );
    }
    await this.throttle.recordSuccess(subject);
    return this.dataSource.transaction(async (manager) => {
      const session = await this.sessions.create({ tipId: tip.id }, manager);
      await this.audit.record(manager, { actorType: 'contributor', actorId: null, action: 'contributor.signed_in', entityType: 'tip', entityId: tip.id });
      return { ...session, reference: normalised };
    });
  }

  async tip(tipId: string): Promise<ContributorTipDto> {
    const tip = await this.tips.contributorView(tipId);
    if (!tip) throw new NotFoundError('TIP_NOT_FOUND', 'This tip no longer exists.');
    const messages = await this.desk.conversationForContributor(tipId);
    const media = await this.media.forContributor(tipId);
    const open = acceptsFiles(tip.status);
    return {
      reference: tip.reference,
      status: tip.status,
      statusText: STATUS_TEXT[tip.status],
      receivedAt: tip.createdAt.toISOString(),
      messages,
      payouts: await this.payouts.forContributor(tipId),
      media,
      acceptsFiles: open,
      filesLeft: open ? Math.max(0, this.config.MAX_FILES_PER_TIP - media.length) : 0,
    };
  }

  /**
   * The contributor sends more files for their tip: all of them are added or none. The tip's row
   * lock makes two posts at once queue up, so together they can never pass MAX_FILES_PER_TIP.
   * Whatever fails, the files' blobs are removed (temporary and final keys alike).
   */
  /** Adds form files and/or finished tus uploads (`uploadIds`) to the tip: all of them or none. */
  async addMedia(tipId: string, formFiles: UploadedMedia[], uploadIds: string[] = []): Promise<AddedMediaDto> {
    // The staged-media protocol (media/staged-media.ts): whatever fails, no blob of this post stays.
    return withStagedMedia(this.media, formFiles, async (intake) => {
      if (formFiles.length === 0 && uploadIds.length === 0)
        throw new ValidationFailedError({ files: ['Choose at least one video, photo or audio file to add'] });
      // Copied into the BlobStore before the tip's row is locked: a big copy must not hold the lock.
      const uploads = await this.uploads.stage(uploadIds);
      intake.hold(uploads);
      const files = [...formFiles, ...uploads];
      const added = await this.dataSource.transaction(async (manager) => {
        const tip = await this.tips.lockForUpdate(manager, tipId);
        if (!tip) throw new NotFoundError('TIP_NOT_FOUND', 'This tip no longer exists.');
        if (!acceptsFiles(tip.status)) {
          throw new ConflictError('TIP_CLOSED', 'We are no longer taking files for this tip. If you have something new, please send it as a new tip.');
        }
        const max = this.config.MAX_FILES_PER_TIP;
        const left = max - (await this.media.countForTip(manager, tipId));
        if (files.length > left) {
          throw new TooManyFilesError(
            max,
            left > 0
              ? `A tip can have at most ${max} files: you can add ${left} more, and you sent ${files.length}.`
              : `A tip can have at most ${max} files, and yours has them all.`,
          );
        }
        await this.uploads.markAttached(manager, tipId, uploadIds);
        const staged = await intake.attach(manager, tipId, files);
        const mediaIds = staged.map((s) => s.id);
        await this.audit.record(manager, {
          actorType: 'contributor',
          actorId: tip.contributorId,
          action: 'contributor.media_added',
          entityType: 'tip',
          entityId: tipId,
          after: { mediaIds, mediaCount: mediaIds.length },
        });
        return { added: await this.media.forContributor(tipId, { manager, ids: mediaIds }), filesLeft: left - files.length };
      });
      await this.uploads.releaseAttached(uploadIds);
      return added;
    });
  }

  /** The contributor answers the desk: a message on the tip's channel, audited with it (never its text). */
  async reply(tipId: string, body: string): Promise<ContributorMessageDto> {
    await this.rateLimits.hitFor(
      {
        purpose: 'contributor-messages',
        limit: this.config.CONTRIBUTOR_MESSAGES_PER_HOUR,
        windowSeconds: 3600,
        tooMany: 'You have sent the desk a lot of messages in the last hour; they have them all.',
      },
      tipId,
    );
    return this.dataSource.transaction(async (manager) => {
      const message = await this.desk.recordContributorMessage(tipId, body, manager);
      await this.audit.record(manager, {
        actorType: 'contributor',
        actorId: null,
        action: 'contributor.message_sent',
        entityType: 'tip',
        entityId: tipId,
        after: { messageId: message.id, channel: message.channel },
      });
      return { direction: message.direction, body: message.body, createdAt: message.createdAt };
    });
  }
}
