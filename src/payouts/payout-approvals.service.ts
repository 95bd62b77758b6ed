import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, DomainError } from '../http/errors.js';
import { ACCOUNTS_ROLES, type StaffPrincipal } from '../staff/access.js';
import type { ApprovePayoutDto, ClearRiskDto, PayoutDetailDto, PayoutVersionDto } from './dto/payouts.dto.js';
import {
  ConflictOfInterestError,
  IllegalPayoutTransitionError,
  LegalSignOffRequiredError,
  OwnOfferApprovalError,
  requireRole,
  RisksNotAcknowledgedError,
} from './payout.errors.js';
import { PayoutMoves } from './payout-moves.js';
import { nextPayoutStates } from './payout-states.js';
import { PayoutsRepository, type PayoutRow } from './payouts.repository.js';
import { RISK_RULE } from './risks/payout-risk-rules.js';
import { PayoutRisksService, type PayoutRisk } from './risks/payout-risks.service.js';
import type { PayoutRiskCode } from './risks/risk-codes.js';

/**
 * The checks before money may move: approval (own-offer, secret holders, legal sign-off, risks
 * acknowledged by name, two approvers over the limit), clearing a risk, legal sign-off.
 */
@Injectable()
export class PayoutApprovalsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly moves: PayoutMoves,
    private readonly payouts: PayoutsRepository,
    private readonly risks: PayoutRisksService,
  ) {}

  /**
   * Accounting approves an accepted payout: never the person who offered (or reissued) it, nor
   * anyone who logged its tip, saw its secret or typed its payee details in their own browser;
   * never while a legal flag lacks sign-off; and only with every open risk acknowledged by name
   * (PAYEE_FROM_STAFF_BROWSER by an admin). At or over PAYOUT_SECOND_APPROVAL_MINOR it takes two
   * different approvers: the first leaves it accepted with one approval, the second approves.
   */
  async approve(staff: StaffPrincipal, id: string, input: ApprovePayoutDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS_ROLES, 'approve payouts');
    await this.dataSource.transaction(async (manager) => {
      const row = await this.moves.current(manager, id, input.version);
      if (row.state !== 'accepted') throw new IllegalPayoutTransitionError(row.state, 'approved');
      await this.refuseParties(manager, staff, row, 'approve');
      if ((row.legal_witness || row.legal_crime) && !row.legal_signed_off_at) throw new LegalSignOffRequiredError();
      const acknowledged = await this.acknowledge(manager, staff, row, input.acknowledgeRisks ?? []);
      const detail = {
        acknowledgedRisks: acknowledged.map((r) => r.code),
        ...(staff.role === 'admin' && acknowledged.some((r) => r.adminOnly)
          ? { clearedRisks: acknowledged.filter((r) => r.adminOnly).map((r) => r.code), payeeDetailsId: row.payee_details_id }
          : {}),
      };
      const twoApprovers =
        acknowledged.some((r) => r.code === 'AMOUNT_OVER_LIMIT') || (await this.risks.forPayout(id, manager)).some((r) => r.code === 'AMOUNT_OVER_LIMIT');
      if (twoApprovers && !row.first_approved_by) {
        await this.moves.compareAndSet(manager, row, 'accepted', { first_approved_by: staff.id, first_approved_at: 'now()' });
        await this.moves.record(
          manager,
          { type: 'staff', staff },
          id,
          'accepted',
          'accepted',
          input.reason ?? 'first of two approvals',
          'payout.first_approval',
          {},
          { ...detail, firstApproval: true },
        );
        return;
      }
      if (twoApprovers && row.first_approved_by === staff.id) {
        throw new ConflictError(
          'PAYOUT_ALREADY_APPROVED_BY_YOU',
          'You gave this payout its first approval: a second, different person in accounting must approve it.',
        );
      }
      await this.moves.compareAndSet(manager, row, 'approved', { approved_by: staff.id, approved_at: 'now()' });
      await this.moves.record(
        manager,
        { type: 'staff', staff },
        id,
        'accepted',
        'approved',
        input.reason ?? null,
        'payout.approved',
        {},
        {
          ...detail,
          ...(twoApprovers ? { secondApproval: true, firstApprovedBy: row.first_approved_by } : {}),
        },
      );
    });
    return this.moves.get(id);
  }

  /**
   * An admin clears one risk ahead of approval, with a reason, for the payout's current payee
   * details (new details are a new question). Never someone who took part (offered it, logged
   * the tip or saw its secret, typed the details in their browser).
   */
  async clearRisk(staff: StaffPrincipal, id: string, input: ClearRiskDto): Promise<PayoutDetailDto> {
    requireRole(staff, ['admin'], 'clear payout risks');
    await this.dataSource.transaction(async (manager) => {
      const row = await this.moves.current(manager, id, input.version);
      if (row.state !== 'accepted' && row.state !== 'held')
        throw new ConflictError('PAYOUT_NOT_AWAITING_APPROVAL', `Risks are cleared before approval; this payout is ${row.state}.`);
      await this.refuseParties(manager, staff, row, 'clear a risk on');
      const risk = (await this.risks.forPayout(id, manager)).find((r) => r.code === input.code);
      if (!risk) throw new ConflictError('PAYOUT_RISK_NOT_PRESENT', `This payout does not carry ${input.code}.`);
      if (!RISK_RULE[input.code].clearable)
        throw new ConflictError('PAYOUT_RISK_NOT_CLEARABLE', `${input.code} cannot be cleared: it is met by a second approver.`);
      if (risk.cleared) throw new ConflictError('PAYOUT_RISK_ALREADY_CLEARED', `${input.code} is already cleared for these payment details.`);
      await this.moves.compareAndSet(manager, row, row.state, {});
      await this.moves.record(
        manager,
        { type: 'staff', staff },
        id,
        row.state,
        row.state,
        input.reason,
        'payout.risk_cleared',
        {},
        { clearedRisks: [input.code], payeeDetailsId: row.payee_details_id },
      );
    });
    return this.moves.get(id);
  }

  /** An admin records that the legal question (Editors' Code cl. 15/16) has been answered. */
  async legalSignOff(staff: StaffPrincipal, id: string, input: PayoutVersionDto): Promise<PayoutDetailDto> {
    requireRole(staff, ['admin'], 'record legal sign-off');
    await this.dataSource.transaction(async (manager) => {
      const row = await this.moves.current(manager, id, input.version);
      if (!row.legal_witness && !row.legal_crime) throw new ConflictError('PAYOUT_NOT_LEGALLY_FLAGGED', 'This payout has no legal flag to sign off.');
      if (row.legal_signed_off_at) throw new ConflictError('PAYOUT_ALREADY_SIGNED_OFF', 'Legal sign-off for this payout is already recorded.');
      if (nextPayoutStates(row.state).length === 0) throw new IllegalPayoutTransitionError(row.state, row.state);
      await this.moves.compareAndSet(manager, row, row.state, { legal_signed_off_by: staff.id, legal_signed_off_at: 'now()' });
      await this.moves.record(manager, { type: 'staff', staff }, id, row.state, row.state, input.reason ?? 'legal sign-off', 'payout.legal_signed_off');
    });
    return this.moves.get(id);
  }

  /**
   * 403 for anyone who took part in the payout trying to approve or clear it: who offered or
   * reissued it, who logged its tip or saw its secret, whose signed-in browser its payee was typed in.
   */
  async refuseParties(manager: EntityManager, staff: StaffPrincipal, row: PayoutRow, what: string): Promise<void> {
    if (row.offered_by === staff.id || (await this.payouts.creatorId(manager, row.id)) === staff.id) {
      if (what === 'approve') throw new OwnOfferApprovalError();
      throw new ConflictOfInterestError(`You made (or reissued) this offer: another admin must ${what} it.`);
    }
    if ((await this.moves.secretHolders(manager, row.tip_id)).has(staff.id)) {
      throw new ConflictOfInterestError(
        `You logged this tip or were shown its secret, so you could have given its payment details yourself: another person must ${what} this payout.`,
      );
    }
    if (row.payee_staff_browser_staff_id === staff.id) {
      throw new ConflictOfInterestError(`The payment details were typed in a browser signed in as you: another person must ${what} this payout.`);
    }
  }

  /**
   * The payout's open risks against what the approver acknowledged: 409 naming any left out,
   * 403 for a risk only an admin may acknowledge. Answers the risks acknowledged.
   */
  private async acknowledge(manager: EntityManager, staff: StaffPrincipal, row: PayoutRow, codes: readonly PayoutRiskCode[]): Promise<PayoutRisk[]> {
    const open = (await this.risks.forPayout(row.id, manager)).filter((risk) => !risk.cleared);
    const missing = open.filter((risk) => !codes.includes(risk.code));
    if (missing.length > 0) throw new RisksNotAcknowledgedError(missing);
    const adminOnly = open.filter((risk) => risk.adminOnly && staff.role !== 'admin');
    if (adminOnly.length > 0) {
      throw new DomainError(
        HttpStatus.FORBIDDEN,
        'PAYOUT_RISK_NEEDS_ADMIN',
        `Only an admin can acknowledge ${adminOnly.map((r) => r.code).join(', ')}: ask one to clear it first.`,
      );
    }
    return open;
  }
}
