import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DomainError } from '../http/errors.js';
import type { UploadedMedia } from '../media/blob-storage-engine.js';
import { MediaService, type StagedMedia } from '../media/media.service.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import type { CreateTipDto } from './dto/create-tip.dto.js';
import { IdempotencyRaceLost, IdempotencyService, type TipReceipt } from './idempotency.service.js';
import { generateReference, generateSecret, hashSecret } from './reference-codes.js';
import { TERMS_SHA256, TERMS_VERSION } from './terms.js';
import type { TipChannel } from './tips.entities.js';

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
  ) {}

  /** Counts a post against the client's hourly limit (before any bytes are read). */
  async admit(clientAddress: string): Promise<void> {
    await this.rateLimits.hit({ purpose: 'tips', limit: this.config.RATE_LIMIT_TIPS_PER_HOUR, windowSeconds: 3600 }, clientAddress);
  }

  /** The first answer for a retried post, found before its body is read. */
  async replayFor(idempotencyKey: string | undefined): Promise<TipReceipt | undefined> {
    return idempotencyKey ? this.idempotency.findReplay(this.idempotency.keyHash(idempotencyKey)) : undefined;
  }

  async submit(input: TipSubmission): Promise<TipIntakeResult> {
    let staged: StagedMedia[] = [];
    try {
      this.checkAttachments(input);
      const keyHash = input.idempotencyKey ? this.idempotency.keyHash(input.idempotencyKey) : undefined;
      const requestSha256 = this.idempotency.fingerprint(input.tip, input.files.map((f) => f.sha256));
      if (keyHash) {
        const replay = await this.idempotency.findReplay(keyHash, requestSha256);
        if (replay) {
          await this.media.discard(input.files.map((f) => ({ tempKey: f.tempKey })));
          return { receipt: replay, replayed: true };
        }
      }
      const secret = generateSecret();
      const receipt = await this.dataSource.transaction(async (manager) => {
        const contributorId = await this.insertContributor(manager, input.tip);
        const { id: tipId, reference } = await this.insertTip(manager, input, contributorId, secret);
        await manager.query(
          `INSERT INTO consents (tip_id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at, ip_hash, user_agent)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10, $11)`,
          [
            tipId, TERMS_VERSION, TERMS_SHA256, input.tip.licence ?? 'non_exclusive', input.tip.consentOwnWork, input.tip.consentOver18,
            input.tip.creditName ?? null, input.tip.anonymous ?? false, input.channel,
            this.rateLimits.clientKey(input.clientAddress), input.userAgent?.slice(0, 512) ?? null,
          ],
        );
        await this.audit.record(manager, {
          actorType: 'contributor',
          actorId: contributorId,
          action: 'tip.created',
          entityType: 'tip',
          entityId: tipId,
          after: { reference, channel: input.channel, mediaCount: input.files.length },
        });
        const receipt: TipReceipt = { reference, secret, statusUrl: `${this.config.publicBaseUrl}/status?reference=${reference}` };
        if (keyHash) await this.idempotency.remember(manager, keyHash, requestSha256, tipId, receipt);
        // Last: the blobs move to their final keys only when every row is in place.
        staged = await this.media.attachToTip(manager, tipId, input.files);
        return receipt;
      });
      return { receipt, replayed: false };
    } catch (error) {
      await this.media.discard(staged.length ? staged : input.files.map((f) => ({ tempKey: f.tempKey })));
      if (error instanceof IdempotencyRaceLost && input.idempotencyKey) {
        const replay = await this.idempotency.findReplay(this.idempotency.keyHash(input.idempotencyKey));
        if (replay) return { receipt: replay, replayed: true };
      }
      throw error;
    }
  }

  private checkAttachments(input: TipSubmission): void {
    const count = input.files.length + (input.tip.uploads?.length ?? 0);
    if (count > this.config.MAX_FILES_PER_TIP) {
      throw new DomainError(HttpStatus.BAD_REQUEST, 'TOO_MANY_FILES', `A tip can have at most ${this.config.MAX_FILES_PER_TIP} files`, {
        files: [`At most ${this.config.MAX_FILES_PER_TIP} files`],
      });
    }
    if (input.tip.uploads?.length) {
      // Resumable (tus) uploads are not attached yet: refuse clearly rather than drop them.
      throw new DomainError(HttpStatus.UNPROCESSABLE_ENTITY, 'UPLOAD_NOT_FOUND', 'These uploads were not found or are not finished', {
        uploads: ['Unknown or unfinished upload'],
      });
    }
  }

  private async insertContributor(manager: EntityManager, tip: CreateTipDto): Promise<string> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO contributors (name, email_encrypted, phone_encrypted) VALUES ($1, $2, $3) RETURNING id`,
      [tip.name ?? null, tip.email ? this.cipher.encrypt(tip.email) : null, tip.phone ? this.cipher.encrypt(tip.phone) : null],
    );
    return row.id;
  }

  private async insertTip(
    manager: EntityManager,
    input: TipSubmission,
    contributorId: string,
    secret: string,
  ): Promise<{ id: string; reference: string }> {
    for (let attempt = 0; attempt < REFERENCE_ATTEMPTS; attempt++) {
      const reference = generateReference();
      const rows = await manager.query<{ id: string }[]>(
        `INSERT INTO tips (reference, secret_hash, channel, story, location, occurred_at, contributor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference) DO NOTHING RETURNING id`,
        [reference, hashSecret(secret), input.channel, input.tip.story, input.tip.location ?? null, input.tip.occurredAt ?? null, contributorId],
      );
      if (rows.length) return { id: rows[0].id, reference };
    }
    throw new Error('Could not find a free tip reference');
  }
}
