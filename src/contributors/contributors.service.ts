import { Injectable } from '@nestjs/common';
import { HttpStatus } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { DeskService } from '../desk/desk.service.js';
import { DomainError, NotFoundError } from '../http/errors.js';
import { PayoutsService } from '../payouts/payouts.service.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import { SessionsService, type NewSession } from '../staff/sessions.service.js';
import { SignInThrottleService } from '../staff/sign-in-throttle.service.js';
import { hashSecret, normaliseReference, secretMatches } from '../tips/reference-codes.js';
import type { TipStatus } from '../tips/tips.entities.js';
import type { ContributorMessageDto, ContributorTipDto } from './dto/contributor.dto.js';

// What a contributor reads: newsroom states in plain words, without the desk's internals.
const STATUS_TEXT: Record<TipStatus, string> = {
  new: 'Received: an editor will look at it soon',
  in_review: 'Under review by an editor',
  verified: 'Under review by an editor',
  used: 'Used in our coverage: thank you',
  rejected: 'Reviewed: we will not be using it this time',
  spam: 'Reviewed: we will not be using it this time',
  archived: 'Closed',
};

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
  ) {}

  async signIn(reference: string, secret: string, clientAddress: string): Promise<NewSession & { reference: string }> {
    await this.rateLimits.hit(
      { purpose: 'contributor-sign-in', limit: this.config.RATE_LIMIT_SIGN_INS_PER_15_MINUTES, windowSeconds: 900, tooMany: 'Too many attempts from your connection.' },
      clientAddress,
    );
    const normalised = normaliseReference(reference);
    const subject = this.throttle.subject('contributor', normalised);
    await this.throttle.assertNotLocked(subject);
    const [tip] = await this.dataSource.query<{ id: string; secret_hash: string }[]>(`SELECT id, secret_hash FROM tips WHERE reference = $1`, [normalised]);
    const matches = secretMatches(secret, tip?.secret_hash ?? this.decoyHash) && tip !== undefined;
    if (!matches) {
      await this.throttle.recordFailure(subject);
      throw new DomainError(HttpStatus.UNAUTHORIZED, 'INVALID_REFERENCE_OR_SECRET', 'That reference and secret do not match a tip. Check your receipt and try again.');
    }
    await this.throttle.recordSuccess(subject);
    return this.dataSource.transaction(async (manager) => {
      const session = await this.sessions.create({ tipId: tip.id }, manager);
      await this.audit.record(manager, { actorType: 'contributor', actorId: null, action: 'contributor.signed_in', entityType: 'tip', entityId: tip.id });
      return { ...session, reference: normalised };
    });
  }

  async tip(tipId: string): Promise<ContributorTipDto> {
    const [tip] = await this.dataSource.query<{ reference: string; status: TipStatus; created_at: Date }[]>(
      `SELECT reference, status, created_at FROM tips WHERE id = $1`,
      [tipId],
    );
    if (!tip) throw new NotFoundError('TIP_NOT_FOUND', 'This tip no longer exists.');
    const messages = await this.dataSource.query<{ direction: 'to_contributor' | 'from_contributor'; body: string; created_at: Date }[]>(
      `SELECT direction, body, created_at FROM messages WHERE tip_id = $1 ORDER BY created_at, id`,
      [tipId],
    );
    return {
      reference: tip.reference,
      status: tip.status,
      statusText: STATUS_TEXT[tip.status],
      receivedAt: tip.created_at.toISOString(),
      messages: messages.map((m) => ({ direction: m.direction, body: m.body, createdAt: m.created_at.toISOString() })),
      payouts: await this.payouts.forContributor(tipId),
    };
  }

  /** The contributor answers the desk: a message on the tip's channel, audited with it (never its text). */
  async reply(tipId: string, body: string): Promise<ContributorMessageDto> {
    return this.dataSource.transaction(async (manager) => {
      const message = await this.desk.recordContributorMessage(tipId, body, manager);
      await this.audit.record(manager, {
        actorType: 'contributor', actorId: null, action: 'contributor.message_sent', entityType: 'tip', entityId: tipId,
        after: { messageId: message.id, channel: message.channel },
      });
      return { direction: message.direction, body: message.body, createdAt: message.createdAt };
    });
  }
}
