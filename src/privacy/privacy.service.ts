import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ChannelIntakeService } from '../channels/channel-intake.service.js';
import { CERTIFICATE_SIGNING_KEY, type CertificateSigningKey } from '../crypto/certificate-key.js';
import { TipNotFoundError } from '../desk/desk.errors.js';
import { DeskService } from '../desk/desk.service.js';
import { LOGGER } from '../logging/logger.js';
import { MediaService } from '../media/media.service.js';
import { PayoutErasureService, PayoutInFlightError, type KeptPayout } from '../payouts/payout-erasure.service.js';
import type { StaffPrincipal } from '../staff/access.js';
import { TipPrivacyRepository } from '../tips/tip-privacy.repository.js';
import { certificateJson, certificatePdf, signStatement, type ErasureStatement, type KeptRecord, type SignedCertificate } from './erasure-certificate.js';
import {
  CertificateNotFoundError,
  ErasureRequestNotFoundError,
  LegalHoldExistsError,
  NoLegalHoldError,
  NotYourTipError,
  TipErasedError,
  TipOnLegalHoldError,
} from './privacy.errors.js';
import { PrivacyRepository, type ErasureRequestRow, type LegalHoldRow } from './privacy.repository.js';

export type { ErasureRequestRow, LegalHoldRow } from './privacy.repository.js';

/** Who erases: a staff member, or retention applying one of its rules (no person). */
export type Eraser = StaffPrincipal | { retentionRule: string };
const isStaff = (eraser: Eraser): eraser is StaffPrincipal => 'id' in eraser;

/** What an erasure reports back (and the audit event records): counts and ids, never content. */
export interface ErasureSummary {
  tipId: string;
  reference: string;
  erasedAt: string;
  files: number;
  messages: number;
  keptPayouts: number;
  /** Blob deletes that failed after COMMIT (the orphan sweep removes them later). */
  blobDeletesPending: number;
}

const money = (p: KeptPayout) => `${(p.amountMinor / 100).toFixed(2)} ${p.currency}`;

/** What an erasure keeps, each with the reason in words (printed on the certificate). */
function keptRecords(payouts: readonly KeptPayout[]): KeptRecord[] {
  const records: KeptRecord[] = [
    {
      what: 'A tombstone of the tip: its reference, when it was received and erased, its status (erased) and the counts on this certificate.',
      why: 'So the newsroom can answer for the tip later (it existed, and was erased, when and by whom) and this certificate can be checked against it. It says nothing about the story or the person.',
    },
    {
      what: 'The consent record: the version and fingerprint of the terms agreed to, the licence chosen and when (no name, no address).',
      why: 'It shows on what terms anything already published was licensed.',
    },
    {
      what: 'The audit log entries for the tip: who did what and when, with ids and counts only.',
      why: 'The log is append-only and hash-chained so that nobody can rewrite the newsroom’s history; it never held the tip’s content.',
    },
  ];
  for (const p of payouts) {
    const paid = p.state === 'paid';
    records.push({
      what: `Payment record ${p.bankReference}: ${money(p)}, ${p.state}${p.payeeMasked ? `, to ${p.payeeMasked} (masked)` : ''}. The full account details were deleted.`,
      why: paid
        ? 'Legal obligation: a payment made must be kept in the accounts for six years (UK company and tax record-keeping), so its amount, date, reference and masked payee stay.'
        : 'Legal obligation: the newsroom’s accounts keep every offer and payment attempt with its outcome, so its amount, reference and outcome stay (no account details).',
    });
  }
  return records;
}

/**
 * Legal holds, contributors' erasure requests and erasure itself. An erasure is one transaction
 * per tip across the modules that hold the tip's data (each through its own service), then the
 * tip's files are deleted from the BlobStore after COMMIT; a delete that fails leaves a blob no
 * row names, which the orphan sweep removes.
 */
@Injectable()
export class PrivacyService {
  private readonly logger: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: PrivacyRepository,
    private readonly tips: TipPrivacyRepository,
    private readonly desk: DeskService,
    private readonly media: MediaService,
    private readonly channels: ChannelIntakeService,
    private readonly payouts: PayoutErasureService,
    private readonly audit: AuditService,
    @Inject(CERTIFICATE_SIGNING_KEY) private readonly signingKey: CertificateSigningKey,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'privacy' });
  }

  // ---- legal hold ---------------------------------------------------------------------------

  async legalHold(tipId: string): Promise<LegalHoldRow | undefined> {
    return this.repository.hold(this.dataSource.manager, tipId);
  }

  async placeHold(staff: StaffPrincipal, tipId: string, reason: string): Promise<LegalHoldRow> {
    return this.dataSource.transaction(async (manager) => {
      const tip = await this.tips.lockForErasure(manager, tipId);
      if (!tip) throw new TipNotFoundError();
      if (!(await this.repository.insertHold(manager, tipId, staff.id, reason))) throw new LegalHoldExistsError();
      // The reason is the admins' own words about a legal matter, not the tip's content; it is kept with the hold.
      await this.audit.record(manager, { actorType: 'staff', actorId: staff.id, action: 'tip.legal_hold_placed', entityType: 'tip', entityId: tipId });
      return (await this.repository.hold(manager, tipId))!;
    });
  }

  async liftHold(staff: StaffPrincipal, tipId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const lifted = await this.repository.deleteHold(manager, tipId);
      if (!lifted) throw new NoLegalHoldError();
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.legal_hold_lifted',
        entityType: 'tip',
        entityId: tipId,
        before: { placedAt: lifted.placedAt.toISOString() },
      });
    });
  }

  // ---- contributors' requests ------------------------------------------------------------------

  /** "Delete my tip and my details" from /status: recorded for the admins (asking twice is asking once). */
  async requestErasure(tipId: string, reference?: string): Promise<ErasureRequestRow> {
    return this.dataSource.transaction(async (manager) => {
      const tip = await this.tips.lockForErasure(manager, tipId);
      if (!tip) throw new TipNotFoundError();
      if (reference !== undefined && reference.trim().toUpperCase() !== tip.reference) throw new NotYourTipError();
      if (tip.status === 'erased') throw new TipErasedError();
      const { request, created } = await this.repository.upsertRequest(manager, tipId);
      if (created) {
        await this.audit.record(manager, {
          actorType: 'contributor',
          actorId: tip.contributorId,
          action: 'tip.erasure_requested',
          entityType: 'tip',
          entityId: tipId,
          after: { requestId: request.id },
        });
      }
      return request;
    });
  }

  async requestOfTip(tipId: string): Promise<ErasureRequestRow | undefined> {
    return this.repository.requestOfTip(this.dataSource.manager, tipId);
  }

  async pendingRequests(): Promise<ErasureRequestRow[]> {
    return this.repository.pendingRequests(200);
  }

  /** An admin carries out a contributor's request: the erasure, with the request marked done in the same transaction. */
  async carryOut(staff: StaffPrincipal, requestId: string): Promise<ErasureSummary> {
    const request = await this.repository.request(this.dataSource.manager, requestId);
    if (!request || request.state !== 'pending') throw new ErasureRequestNotFoundError();
    return this.erase(staff, request.tipId, 'The contributor asked for their tip and details to be deleted.');
  }

  async decline(staff: StaffPrincipal, requestId: string, reason: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const request = await this.repository.request(manager, requestId);
      if (!request || !(await this.repository.decideRequest(manager, requestId, 'declined', staff.id, reason))) throw new ErasureRequestNotFoundError();
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.erasure_declined',
        entityType: 'tip',
        entityId: request.tipId,
        after: { requestId },
      });
    });
  }

  // ---- erasure --------------------------------------------------------------------------------

  async erase(eraser: Eraser, tipId: string, reason: string): Promise<ErasureSummary> {
    const staffId = isStaff(eraser) ? eraser.id : null;
    const actor = isStaff(eraser) ? ({ actorType: 'staff', actorId: eraser.id } as const) : ({ actorType: 'system', actorId: null } as const);
    const { summary, files } = await this.dataSource.transaction(async (manager) => {
      const tip = await this.tips.lockForErasure(manager, tipId);
      if (!tip) throw new TipNotFoundError();
      if (tip.status === 'erased') throw new TipErasedError();
      if (await this.repository.hold(manager, tipId)) throw new TipOnLegalHoldError();
      // First the refusal that changes nothing (a payment under way), then the erasing.
      const payouts = await this.payouts.eraseForTip(manager, tipId, tip.contributorId);
      const files = await this.media.eraseForTip(manager, tipId);
      const posterDigests = await this.media.posterDigests(files);
      const conversation = await this.desk.eraseConversation(manager, tipId);
      const channel = await this.channels.forgetTip(manager, tipId);
      const tipParts = await this.tips.erase(manager, tipId);
      const request = await this.repository.requestOfTip(manager, tipId);
      const requested = request?.state === 'pending';
      if (request && requested) await this.repository.decideRequest(manager, request.id, 'carried_out', staffId, null);

      const erasedAt = new Date();
      const statement: ErasureStatement = {
        certificate: 'tipdesk erasure certificate',
        version: 1,
        tip: { id: tipId, reference: tip.reference, channel: tip.channel, receivedAt: tip.createdAt.toISOString() },
        erasedAt: erasedAt.toISOString(),
        erasedBy: isStaff(eraser) ? { id: eraser.id, name: eraser.name } : { id: null, name: `tipdesk retention (rule: ${eraser.retentionRule})` },
        reason,
        requestedByContributor: requested,
        erased: {
          story: true,
          contactDetails: tipParts.contactFields,
          messages: conversation.messages,
          noteTexts: conversation.notes,
          files: files.map((f) => ({ id: f.id, kind: f.kind, sizeBytes: f.sizeBytes, sha256: f.sha256 })),
          posters: files.filter((f) => f.thumbnailKey).length,
          posterDigests,
          payeeDetailsDeleted: payouts.payeeVersionsDeleted,
          payeeDetailsMasked: payouts.payeeVersionsMasked,
          senderHashes: channel.senderHashes,
          filesWaitingToBeFetched: channel.pendingMedia,
        },
        kept: keptRecords(payouts.kept),
        signingKeyId: this.signingKey.id,
      };
      const signed = signStatement(this.signingKey, statement);
      await this.repository.insertCertificate(manager, { tipId, erasedBy: staffId, erasedAt, statement: signed.text, signature: signed.signature });
      await this.audit.record(manager, {
        ...actor,
        action: 'tip.erased',
        entityType: 'tip',
        entityId: tipId,
        after: {
          requestId: requested ? request.id : null,
          retentionRule: isStaff(eraser) ? null : eraser.retentionRule,
          mediaIds: files.map((f) => f.id),
          payoutIdsKept: payouts.kept.map((p) => p.id),
          counts: {
            files: files.length,
            posters: statement.erased.posters,
            messages: conversation.messages,
            notes: conversation.notes,
            senderHashes: channel.senderHashes,
            payeeDetailsDeleted: payouts.payeeVersionsDeleted,
            payeeDetailsMasked: payouts.payeeVersionsMasked,
          },
        },
      });
      const summary: ErasureSummary = {
        tipId,
        reference: tip.reference,
        erasedAt: statement.erasedAt,
        files: files.length,
        messages: conversation.messages,
        keptPayouts: payouts.kept.length,
        blobDeletesPending: 0,
      };
      return { summary, files };
    });
    // After COMMIT: a blob whose delete fails has no row any more, so the orphan sweep takes it.
    const blobs = await this.media.deleteBlobs(files);
    if (blobs.failed) this.logger.warn({ tipId, failed: blobs.failed }, 'erasure: some blob deletes failed; the orphan sweep will remove them');
    return { ...summary, blobDeletesPending: blobs.failed };
  }

  /**
   * Retention of a used tip: the contributor's name and contact details and the payee details go
   * (masked where a payment record names them); the story stays. False when the tip is held or a
   * payment is under way (it waits for the next run).
   */
  async purgeContactDetails(tipId: string, rule: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const tip = await this.tips.lockForErasure(manager, tipId);
      if (!tip || tip.status === 'erased' || (await this.repository.hold(manager, tipId))) return false;
      let payouts: Awaited<ReturnType<PayoutErasureService['eraseForTip']>>;
      try {
        payouts = await this.payouts.eraseForTip(manager, tipId, tip.contributorId);
      } catch (error) {
        if (error instanceof PayoutInFlightError) return false;
        throw error;
      }
      await this.tips.eraseContactDetails(manager, tipId);
      await this.audit.record(manager, {
        actorType: 'system',
        actorId: null,
        action: 'tip.contact_details_purged',
        entityType: 'tip',
        entityId: tipId,
        after: { retentionRule: rule, payeeDetailsDeleted: payouts.payeeVersionsDeleted, payeeDetailsMasked: payouts.payeeVersionsMasked },
      });
      return true;
    });
  }

  // ---- certificates -----------------------------------------------------------------------------

  async certificate(tipId: string): Promise<SignedCertificate> {
    const row = await this.repository.certificate(tipId);
    if (!row) throw new CertificateNotFoundError();
    return certificateJson(row.statement, row.signature);
  }

  /** The contributor's copy: only for a tip erased at its contributor's request. */
  async certificateForContributor(tipId: string): Promise<SignedCertificate> {
    const request = await this.repository.requestOfTip(this.dataSource.manager, tipId);
    if (request?.state !== 'carried_out') throw new CertificateNotFoundError();
    return this.certificate(tipId);
  }

  async certificatePdf(certificate: SignedCertificate): Promise<Buffer> {
    return certificatePdf(certificate);
  }

  /** For the pages: the hold, and whether a certificate exists, in one call. */
  async tipPrivacy(
    tipId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ hold: LegalHoldRow | undefined; request: ErasureRequestRow | undefined }> {
    return { hold: await this.repository.hold(manager, tipId), request: await this.repository.requestOfTip(manager, tipId) };
  }
}
