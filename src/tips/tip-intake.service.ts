import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { LOGGER } from '../logging/logger.js';
import type { UploadedMedia } from '../media/blob-storage-engine.js';
import { MediaService, TooManyFilesError } from '../media/media.service.js';
import { withStagedMedia } from '../media/staged-media.js';
import { PowService } from '../pow/pow.service.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import { UploadsService } from '../uploads/uploads.service.js';
import type { CreateTipDto } from './dto/create-tip.dto.js';
import { IdempotencyRaceLost, IdempotencyService, type TipReceipt } from './idempotency.service.js';
import { generateReference, generateSecret, hashSecret } from './reference-codes.js';
import { TERMS_SHA256, TERMS_VERSION } from './terms.js';
import { statusPageUrl } from '../text/status-url.js';
import type { TipChannel } from './tips.entities.js';
import { TipsRepository, type NewTipRow } from './tips.repository.js';
import { Metrics } from '../metrics/metrics.js';

export interface TipSubmission {
  tip: CreateTipDto;
  files: UploadedMedia[];
  channel: TipChannel;
  clientAddress: string;
  userAgent?: string;
  idempotencyKey?: string;
}

export interface TipIntakeResult {
  receipt: TipReceipt;
  /** True when this answers a retry of an earlier post with the same Idempotency-Key. */
  replayed: boolean;
}

/** A tip that came some other way than the web form: by email, WhatsApp, or a call the desk logged. */
export interface ChannelTipInput {
  channel: Exclude<TipChannel, 'web' | 'api'>;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  story: string;
  location?: string | null;
  occurredAt?: string | Date | null;
}

export interface NewChannelTip {
  tipId: string;
  contributorId: string;
  reference: string;
  /** The contributor's status-page secret: shown once (read out on the phone, sent back by the channel), stored only as a hash. */
  secret: string;
}

const REFERENCE_ATTEMPTS = 5;

/** Takes a tip from any channel: contributor, tip, consent and media land together or not at all. */
@Injectable()
export class TipIntakeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cipher: FieldCipher,
    private readonly media: MediaService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly rateLimits: RateLimitsService,
    private readonly pow: PowService,
    private readonly uploads: UploadsService,
    private readonly metrics: Metrics,
    private readonly tips: TipsRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'tip-intake' });
  }
  private readonly logger: Logger;

  /**
   * Counts a post against the client's hourly limit and, past the proof-of-work threshold (or with
   * POW_ALWAYS), accepts its proof (once): all before any bytes of the body are read.
   */
  async admit(clientAddress: string, proof: string | undefined, options: { missingProofLater?: boolean } = {}): Promise<{ proofMissing: boolean }> {
    const posts = await this.rateLimits.hit({ purpose: 'tips', limit: this.config.RATE_LIMIT_TIPS_PER_HOUR, windowSeconds: 3600 }, clientAddress);
    if (!this.pow.requiredForTip(posts)) return { proofMissing: false };
    // The page's own form refuses it once the fields are read, so the refusal can show them again.
    if (!proof && options.missingProofLater) return { proofMissing: true };
    await this.pow.accept(proof);
    return { proofMissing: false };
  }

  /** Refuses a malformed Idempotency-Key before the body (perhaps gigabytes) is read. */
  checkIdempotencyKey(idempotencyKey: string | undefined): void {
    if (idempotencyKey !== undefined) this.idempotency.keyHash(idempotencyKey);
  }

  async submit(input: TipSubmission): Promise<TipIntakeResult> {
    const uploadIds = input.tip.uploads ?? [];
    try {
      // The staged-media protocol (media/staged-media.ts): whatever fails, no blob of this post stays.
      return await withStagedMedia(this.media, input.files, async (intake) => {
        this.checkAttachments(input);
        const idempotency = input.idempotencyKey
          ? {
              keyHash: this.idempotency.keyHash(input.idempotencyKey),
              requestSha256: this.idempotency.fingerprint(
                input.tip,
                input.files.map((f) => f.sha256),
              ),
            }
          : undefined;
        if (idempotency) {
          const replay = await this.idempotency.findReplay(idempotency.keyHash, idempotency.requestSha256);
          // The form's files of a replay are not kept (withStagedMedia removes what was not attached).
          if (replay) return { receipt: replay, replayed: true };
        }
        // The form's files, then finished tus uploads copied into the BlobStore (after the replay check).
        const uploads = await this.uploads.stage(uploadIds);
        intake.hold(uploads);
        const files: UploadedMedia[] = [...input.files, ...uploads];
        const secret = generateSecret();
        for (let attempt = 1; ; attempt++) {
          try {
            const receipt = await this.dataSource.transaction(async (manager) => {
              const { tipId, contributorId, reference } = await this.insertTip(manager, input, secret);
              const receipt: TipReceipt = { reference, secret, statusUrl: statusPageUrl(this.config.publicBaseUrl, reference) };
              if (idempotency) await this.idempotency.remember(manager, idempotency.keyHash, idempotency.requestSha256, tipId, receipt);
              await this.uploads.markAttached(manager, tipId, uploadIds);
              // The blobs move to their final keys only when every row is in place.
              await intake.attach(manager, tipId, files);
              // Last, just before COMMIT: the audit chain's head stays locked from here to the end of
              // the transaction and every tip post waits for it, so nothing slow (renames, fsyncs) may follow.
              await this.audit.record(manager, {
                actorType: 'contributor',
                actorId: contributorId,
                action: 'tip.created',
                entityType: 'tip',
                entityId: tipId,
                after: { reference, channel: input.channel, mediaCount: files.length },
              });
              return receipt;
            });
            await this.uploads.releaseAttached(uploadIds);
            this.metrics.tipsCreated.inc({ channel: input.channel });
            // The public reference and counts only: never the story, a name or an address.
            this.logger.info({ event: 'tip.created', reference: receipt.reference, channel: input.channel, mediaCount: files.length }, 'tip received');
            return { receipt, replayed: false };
          } catch (error) {
            // 40 random bits collide about once in a million tips: draw another reference.
            if (!isReferenceCollision(error) || attempt >= REFERENCE_ATTEMPTS) throw error;
          }
        }
      });
    } catch (error) {
      if (error instanceof IdempotencyRaceLost && input.idempotencyKey) {
        const replay = await this.idempotency.findReplay(
          this.idempotency.keyHash(input.idempotencyKey),
          this.idempotency.fingerprint(
            input.tip,
            input.files.map((f) => f.sha256),
          ),
        );
        if (replay) return { receipt: replay, replayed: true };
      }
      throw error;
    }
  }

  /**
   * Contributor and tip for a channel, in the caller's transaction. No consent row: they agreed
   * to nothing on our page, and the desk shows that. A reference collision is retried under a
   * savepoint, so the caller's work earlier in the transaction stands.
   */
  async insertChannelTip(manager: EntityManager, input: ChannelTipInput): Promise<NewChannelTip> {
    const secret = generateSecret();
    for (let attempt = 1; ; attempt++) {
      const reference = generateReference();
      try {
        const { tipId, contributorId } = await this.tips.insertUnderSavepoint(manager, this.tipRow(input, input.channel, reference, secret));
        // Counted here, inside the caller's transaction: a rollback after this point is a rare crash.
        this.metrics.tipsCreated.inc({ channel: input.channel });
        return { tipId, contributorId, reference, secret };
      } catch (error) {
        // 40 random bits collide about once in a million tips: draw another reference.
        if (!isReferenceCollision(error) || attempt >= REFERENCE_ATTEMPTS) throw error;
      }
    }
  }

  /** The contributor's and the tip's row: contact details encrypted, only the secret's hash kept. */
  private tipRow(fields: Omit<ChannelTipInput, 'channel'>, channel: TipChannel, reference: string, secret: string): NewTipRow {
    return {
      name: fields.name ?? null,
      emailEncrypted: fields.email ? this.cipher.encrypt(fields.email) : null,
      phoneEncrypted: fields.phone ? this.cipher.encrypt(fields.phone) : null,
      reference,
      secretHash: hashSecret(secret),
      channel,
      story: fields.story,
      location: fields.location ?? null,
      occurredAt: fields.occurredAt ?? null,
    };
  }

  private checkAttachments(input: TipSubmission): void {
    const count = input.files.length + new Set(input.tip.uploads ?? []).size;
    if (count > this.config.MAX_FILES_PER_TIP) throw new TooManyFilesError(this.config.MAX_FILES_PER_TIP);
  }

  /** Contributor, tip and consent together. */
  private async insertTip(manager: EntityManager, input: TipSubmission, secret: string): Promise<{ tipId: string; contributorId: string; reference: string }> {
    const { tip } = input;
    const reference = generateReference();
    const inserted = await this.tips.insertWithConsent(manager, this.tipRow(tip, input.channel, reference, secret), {
      termsVersion: TERMS_VERSION,
      termsSha256: TERMS_SHA256,
      licence: tip.licence ?? 'non_exclusive',
      ownWork: tip.consentOwnWork,
      over18: tip.consentOver18,
      creditName: tip.creditName ?? null,
      anonymous: tip.anonymous ?? false,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
    });
    return { ...inserted, reference };
  }
}

function isReferenceCollision(error: unknown): boolean {
  return (error as { driverError?: { constraint?: string } })?.driverError?.constraint === 'uq_tips_reference';
}
