import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ConflictError, DomainError, NotFoundError } from '../http/errors.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { ACCOUNTS_ROLES, DESK_ROLES, type StaffPrincipal } from '../staff/access.js';
import { ContributorPayoutsService } from './contributor-payouts.service.js';
import {
  PAYOUT_PAGE_SIZE_DEFAULT,
  type AcceptPayoutDto,
  type ApprovePayoutDto,
  type ClearRiskDto,
  type ConflictWaiverDto,
  type ContributorPayoutDto,
  type ListPayoutsQueryDto,
  type MarkPaidDto,
  type OfferPayoutDto,
  type PayeeDetailsDto,
  type PayoutDetailDto,
  type PayoutDto,
  type PayoutPageDto,
  type PayoutReasonDto,
  type PayoutTotalDto,
  type PayoutVersionDto,
  type TipPayoutEventDto,
} from './dto/payouts.dto.js';
import { PayeeVersions, type PayeeSnapshot } from './payee-versions.js';
import { PayoutApprovalsService } from './payout-approvals.service.js';
import { PayoutBatchingRepository } from './payout-batching.repository.js';
import { BatchNotSentError, ConflictOfInterestError, requireRole } from './payout.errors.js';
import { PayoutMoves, type StaffBrowser } from './payout-moves.js';
import { PayoutWaiversRepository } from './payout-waivers.repository.js';
import { generateBankReference } from './payout-words.js';
import type { Currency, PayeeMethod } from './payouts.entities.js';
import { PayoutsRepository, toPayoutDto } from './payouts.repository.js';
import { PayoutRisksService } from './risks/payout-risks.service.js';

// The pages (web/, another room's files) import these from here; they are defined in the files named.
export { StalePayoutVersionError } from './payout.errors.js';
export { formatMoney, LEDGER_FORMAT } from './payout-words.js';

/**
 * The payouts module's door: offers through to paid, for the desk, accounting, the contributor's
 * pages and batches. The state machine's machinery is PayoutMoves (payout-moves.ts), approval's
 * checks PayoutApprovalsService, the contributor's side ContributorPayoutsService, payee
 * encryption and versions PayeeVersions; SQL is in payouts.repository.ts and payout-batching.repository.ts.
 */
@Injectable()
export class PayoutsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly payouts: PayoutsRepository,
    private readonly batching: PayoutBatchingRepository,
    private readonly waivers: PayoutWaiversRepository,
    private readonly moves: PayoutMoves,
    private readonly approvals: PayoutApprovalsService,
    private readonly contributors: ContributorPayoutsService,
    private readonly payees: PayeeVersions,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly risks: PayoutRisksService,
  ) {}

  // ---- reads ---------------------------------------------------------------------------------

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<PayoutDetailDto> {
    return this.moves.get(id, manager);
  }

  /** The payouts of one tip, oldest first (the tip page). */
  async forTip(tipId: string): Promise<PayoutDto[]> {
    await this.tipContributor(this.dataSource.manager, tipId);
    return (await this.payouts.forTip(tipId)).map(toPayoutDto);
  }

  /** Accounting's list: newest first, optionally one state, a keyset page at a time. */
  async list(query: ListPayoutsQueryDto): Promise<PayoutPageDto> {
    return this.payouts.page({ state: query.state, cursor: query.cursor }, query.limit ?? PAYOUT_PAGE_SIZE_DEFAULT);
  }

  /** Count and sum per currency and state. */
  async totals(): Promise<PayoutTotalDto[]> {
    const rows = await this.payouts.totals();
    const risks = await this.risks.openCounts();
    return rows.map((r) => ({ ...r, risks: risks.get(`${r.currency}:${r.state}`) ?? {} }));
  }

  /** Every move of every payout of a tip, oldest first (the tip page's history and Payments panel). */
  async eventsForTip(tipId: string): Promise<TipPayoutEventDto[]> {
    return this.payouts.eventsForTip(tipId);
  }

  /** What the contributor's status page shows of the tip's payouts (ContributorPayoutsService). */
  async forContributor(tipId: string): Promise<ContributorPayoutDto[]> {
    return this.contributors.forContributor(tipId);
  }

  /**
   * Who logged this tip or was shown its secret (and so may not offer or approve on it), and
   * whether an admin has let them offer all the same: for the tip page's admin section.
   */
  async secretHoldersOf(tipId: string): Promise<{ staffId: string; waived: boolean }[]> {
    const holders = await this.moves.secretHolders(this.dataSource.manager, tipId);
    const waived = await this.waivers.staffOfTip(tipId);
    return [...holders.keys()].map((staffId) => ({ staffId, waived: waived.includes(staffId) }));
  }

  // ---- staff moves ---------------------------------------------------------------------------

  /** An editor offers payment for a tip: a new payout in `offered`. */
  async offer(staff: StaffPrincipal, tipId: string, input: OfferPayoutDto): Promise<PayoutDetailDto> {
    requireRole(staff, DESK_ROLES, 'offer payment');
    const id = await this.dataSource.transaction(async (manager) => {
      const contributorId = await this.tipContributor(manager, tipId);
      const holders = await this.moves.secretHolders(manager, tipId);
      const waived = holders.has(staff.id) && (await this.waivers.exists(manager, tipId, staff.id));
      if (holders.has(staff.id) && !waived) {
        throw new ConflictOfInterestError(
          'You logged this tip or were shown its secret, so you could sign in as its contributor: another editor must make the offer.',
        );
      }
      const witness = input.legalFlags?.witness ?? false;
      const crime = input.legalFlags?.crime ?? false;
      const payoutId = await this.payouts.insertOffer(manager, {
        tipId,
        contributorId,
        amountMinor: input.amountMinor,
        currency: input.currency,
        licence: input.licence,
        bankReference: generateBankReference(),
        offeredBy: staff.id,
        witness,
        crime,
      });
      await this.moves.record(
        manager,
        { type: 'staff', staff },
        payoutId,
        null,
        'offered',
        null,
        'payout.offered',
        {
          amountMinor: input.amountMinor,
          currency: input.currency,
          licence: input.licence,
          legalFlags: { witness, crime },
        },
        {
          // Who knows the tip's secret is part of the payout's story: they may never approve it.
          tipLoggedBy: [...holders].filter(([, actions]) => actions.includes('tip.created')).map(([id]) => id),
          secretSeenBy: [...holders.keys()],
          ...(waived ? { offeredUnderWaiver: true } : {}),
        },
      );
      return payoutId;
    });
    // After the commit, in the background: a mail that fails never undoes or delays the offer.
    void this.notifications.offerMade(tipId, id);
    return this.moves.get(id);
  }

  /** Accounting approves an accepted payout (PayoutApprovalsService holds who may, and when). */
  async approve(staff: StaffPrincipal, id: string, input: ApprovePayoutDto): Promise<PayoutDetailDto> {
    return this.approvals.approve(staff, id, input);
  }

  /** An admin clears one risk ahead of approval (PayoutApprovalsService). */
  async clearRisk(staff: StaffPrincipal, id: string, input: ClearRiskDto): Promise<PayoutDetailDto> {
    return this.approvals.clearRisk(staff, id, input);
  }

  /** An admin records legal sign-off (PayoutApprovalsService). */
  async legalSignOff(staff: StaffPrincipal, id: string, input: PayoutVersionDto): Promise<PayoutDetailDto> {
    return this.approvals.legalSignOff(staff, id, input);
  }

  /**
   * An admin lets one staff member who logged a tip or saw its secret offer on it all the same
   * (the only editor on shift took the call): each payout they then offer carries
   * LOGGED_BY_OFFERER. The admin must not hold the secret themselves.
   */
  async waiveConflict(staff: StaffPrincipal, tipId: string, input: ConflictWaiverDto): Promise<{ tipId: string; staffId: string; reason: string }> {
    requireRole(staff, ['admin'], 'waive the secret-holder rule');
    await this.dataSource.transaction(async (manager) => {
      await this.tipContributor(manager, tipId);
      const holders = await this.moves.secretHolders(manager, tipId);
      if (holders.has(staff.id) || input.staffId === staff.id) {
        throw new ConflictOfInterestError('You logged this tip or saw its secret (or the waiver would be for yourself): another admin must decide.');
      }
      if (!holders.has(input.staffId))
        throw new ConflictError('PAYOUT_WAIVER_NOT_NEEDED', 'That person neither logged this tip nor saw its secret: they can offer on it already.');
      const inserted = await this.waivers.insert(manager, { tipId, staffId: input.staffId, grantedBy: staff.id, reason: input.reason });
      if (!inserted) throw new ConflictError('PAYOUT_WAIVER_EXISTS', 'That person may already offer on this tip.');
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'payout.conflict_waived',
        entityType: 'tip',
        entityId: tipId,
        after: { staffId: input.staffId, reason: input.reason },
      });
    });
    return { tipId, ...input };
  }

  async hold(staff: StaffPrincipal, id: string, input: PayoutReasonDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS_ROLES, 'hold payouts');
    return this.moves.move({ type: 'staff', staff }, id, 'held', { version: input.version, reason: input.reason, action: 'payout.held' });
  }

  /** A held payout goes back to accepted and needs approving again. */
  async release(staff: StaffPrincipal, id: string, input: PayoutVersionDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS_ROLES, 'release payouts');
    return this.moves.move({ type: 'staff', staff }, id, 'accepted', {
      version: input.version,
      reason: input.reason,
      action: 'payout.released',
      from: ['held'],
      set: { approved_by: null, approved_at: null, first_approved_by: null, first_approved_at: null },
    });
  }

  /** The editor who offered it, or accounting, may cancel a payout until it is in a batch. */
  async cancel(staff: StaffPrincipal, id: string, input: PayoutReasonDto): Promise<PayoutDetailDto> {
    requireRole(staff, ['editor', ...ACCOUNTS_ROLES], 'cancel payouts');
    return this.moves.move({ type: 'staff', staff }, id, 'cancelled', {
      version: input.version,
      reason: input.reason,
      action: 'payout.cancelled',
      check: async (row) => {
        if (staff.role === 'editor' && row.offered_by !== staff.id) {
          throw new DomainError(HttpStatus.FORBIDDEN, 'PAYOUT_NOT_YOUR_OFFER', 'Editors can cancel only the offers they made; ask accounting.');
        }
      },
    });
  }

  /** batched → paid. Pass `manager` to run inside a caller's transaction (a batch's reconciliation). */
  async markPaid(staff: StaffPrincipal, id: string, input: MarkPaidDto, manager?: EntityManager): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS_ROLES, 'mark payouts paid');
    return this.moves.move({ type: 'staff', staff }, id, 'paid', {
      version: input.version,
      reason: `bank reference ${input.reference}`,
      action: 'payout.paid',
      set: { paid_reference: input.reference },
      manager,
      settles: true,
    });
  }

  /** batched → failed. Pass `manager` to run inside a caller's transaction (a batch's reconciliation). */
  async markFailed(staff: StaffPrincipal, id: string, input: PayoutReasonDto, manager?: EntityManager): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS_ROLES, 'mark payouts failed');
    return this.moves.move({ type: 'staff', staff }, id, 'failed', {
      version: input.version,
      reason: input.reason,
      action: 'payout.failed',
      set: { failure_reason: input.reason },
      manager,
      settles: true,
    });
  }

  /**
   * A failed payout is never retried in place: it is reissued as a new payout (same tip, amount,
   * licence and legal flags and sign-off, the contributor's latest payee details) in `accepted`,
   * pointing to the failed one, so it needs approval again — by neither its offerer nor its reissuer.
   */
  async reissue(staff: StaffPrincipal, id: string, input: PayoutVersionDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS_ROLES, 'reissue payouts');
    const newId = await this.dataSource.transaction(async (manager) => {
      const row = await this.moves.current(manager, id, input.version);
      if (row.state !== 'failed') {
        throw new ConflictError('PAYOUT_NOT_FAILED', `Only a failed payout can be reissued; this one is ${row.state}.`);
      }
      // A payout "failed" while its file may still reach the bank is no failure to reissue.
      const batchState = await this.payouts.batchState(manager, row.batch_id, true);
      if (batchState !== 'sent' && batchState !== 'closed') throw new BatchNotSentError(batchState);
      if (await this.payouts.reissueOf(manager, id)) throw new ConflictError('PAYOUT_ALREADY_REISSUED', 'This failed payout has already been reissued.');
      const payeeId = await this.payees.latestId(manager, row.contributor_id);
      const createdId = await this.payouts.insertReissue(manager, id, generateBankReference(), payeeId ?? row.payee_details_id);
      await this.moves.record(
        manager,
        { type: 'staff', staff },
        createdId,
        null,
        'accepted',
        input.reason ?? `reissue of ${row.bank_reference}`,
        'payout.reissued',
        {
          replacesPayoutId: id,
        },
      );
      return createdId;
    });
    return this.moves.get(newId);
  }

  // ---- the contributor's moves (ContributorPayoutsService) -----------------------------------

  async accept(tipId: string, id: string, input: AcceptPayoutDto, staffBrowser: StaffBrowser = null): Promise<ContributorPayoutDto> {
    return this.contributors.accept(tipId, id, input, staffBrowser);
  }

  async decline(tipId: string, id: string): Promise<ContributorPayoutDto> {
    return this.contributors.decline(tipId, id);
  }

  async changePayee(tipId: string, input: PayeeDetailsDto, staffBrowser: StaffBrowser = null): Promise<ContributorPayoutDto[]> {
    return this.contributors.changePayee(tipId, input, staffBrowser);
  }

  // ---- for batches (another service runs these inside its own transaction) -------------------

  /**
   * approved → batched, set-based, in the caller's transaction (PayoutBatchingRepository): up to
   * `limit` approved payouts that fit, oldest approval first, skipping rows another transaction
   * holds (two accountants batching at once each get different payouts). A payout that is not
   * approved is never taken.
   */
  async batchApproved(
    manager: EntityManager,
    staff: StaffPrincipal,
    batchId: string,
    fits: { currency: Currency; methods: readonly PayeeMethod[]; payoutIds?: readonly string[] },
    limit: number,
  ): Promise<{ count: number; totalMinor: number }> {
    requireRole(staff, ACCOUNTS_ROLES, 'batch payouts');
    // Both chains' head is held from here to the end of the batch's transaction; the statement then reads it and chains every event in SQL.
    await this.audit.lockChainHead(manager);
    return this.batching.batchApproved(manager, staff, batchId, fits, limit);
  }

  /**
   * batched → paid | failed for every line of a bank statement import decided `paid` or `failed`
   * (BankStatementsService matched them, with the payouts and their batches locked), set-based in
   * the caller's transaction.
   */
  async settleFromStatement(
    manager: EntityManager,
    staff: StaffPrincipal,
    importId: string,
    msgId: string,
  ): Promise<{ paid: number; failed: number; batchIds: string[] }> {
    requireRole(staff, ACCOUNTS_ROLES, 'settle payouts from a bank statement');
    await this.audit.lockChainHead(manager);
    const rows = await this.batching.settleFromStatement(manager, staff, importId, msgId);
    return {
      paid: rows.filter((r) => r.state === 'paid').length,
      failed: rows.filter((r) => r.state === 'failed').length,
      batchIds: [...new Set(rows.map((r) => r.batchId))],
    };
  }

  /** A voided batch returns its still-batched payouts to approved (same transaction as the void). */
  async returnFromVoidedBatch(manager: EntityManager, staff: StaffPrincipal, batchId: string): Promise<string[]> {
    const rows = await this.payouts.lockBatched(manager, batchId);
    for (const row of rows) {
      await this.moves.compareAndSet(manager, row, 'approved', { batch_id: null });
      await this.moves.record(manager, { type: 'staff', staff }, row.id, 'batched', 'approved', 'batch voided', 'payout.unbatched', { batchId });
    }
    return rows.map((r) => r.id);
  }

  /** The decrypted payee a payout will be paid to, for an exporter; never logged, never sent to a browser. */
  async payeeSnapshot(payoutId: string, manager: EntityManager = this.dataSource.manager): Promise<PayeeSnapshot> {
    return this.payees.snapshot(payoutId, manager);
  }

  /** payeeSnapshot for many payouts in one query, keyed by payout id (a payout without payee details is missing). */
  async payeeSnapshots(payoutIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, PayeeSnapshot>> {
    return this.payees.snapshots(payoutIds, manager);
  }

  /** A payout must name an existing tip; answers its contributor. */
  private async tipContributor(manager: EntityManager, tipId: string): Promise<string> {
    const contributorId = await this.payouts.tipContributor(manager, tipId);
    if (!contributorId) throw new NotFoundError('TIP_NOT_FOUND', 'There is no tip with that id.');
    return contributorId;
  }
}
