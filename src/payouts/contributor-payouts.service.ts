import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ConflictError, ValidationFailedError } from '../http/errors.js';
import type { AcceptPayoutDto, ContributorPayoutDto, PayeeDetailsDto } from './dto/payouts.dto.js';
import { validatePayee } from './payee-details.js';
import { PayeeVersions } from './payee-versions.js';
import { IllegalPayoutTransitionError, PayoutNotFoundError } from './payout.errors.js';
import { PayoutMoves, type StaffBrowser } from './payout-moves.js';
import { contributorStateText, LEDGER_FORMAT } from './payout-words.js';
import type { PayoutState } from './payouts.entities.js';
import { PayoutsRepository, toPayoutDto } from './payouts.repository.js';

/** The contributor's side of a payout: what their status page shows, accepting or declining an offer, changing where to pay. */
@Injectable()
export class ContributorPayoutsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly payouts: PayoutsRepository,
    private readonly moves: PayoutMoves,
    private readonly payees: PayeeVersions,
    private readonly audit: AuditService,
  ) {}

  /**
   * What the contributor's status page shows of the tip's payouts. A payout in a ledger export
   * (`csv`, a masked spreadsheet for the accounts, not a bank file) is still "approved" to the
   * contributor: nothing has gone to a bank, so nothing they are told changes.
   */
  async forContributor(tipId: string): Promise<ContributorPayoutDto[]> {
    const rows = await this.payouts.forTip(tipId);
    if (rows.length === 0) return [];
    const hasVideo = await this.payouts.tipHasVideo(tipId);
    return rows.map((row) => {
      const dto = toPayoutDto(row);
      const state: PayoutState = dto.state === 'batched' && row.batch_format === LEDGER_FORMAT ? 'approved' : dto.state;
      return {
        id: dto.id,
        amountMinor: dto.amountMinor,
        currency: dto.currency,
        licence: dto.licence,
        state,
        stateText: contributorStateText({ ...dto, state }, hasVideo ? 'video' : 'story'),
        payeeMasked: row.payee_masked,
        payeeMethod: row.payee_method,
        bankReference: dto.bankReference,
        changedAt: dto.updatedAt,
      };
    });
  }

  /**
   * The contributor accepts an offer of their own tip and says where to pay. The payee details
   * become a new version; approved payouts of the contributor on older details go on hold.
   */
  async accept(tipId: string, id: string, input: AcceptPayoutDto, staffBrowser: StaffBrowser = null): Promise<ContributorPayoutDto> {
    const checked = validatePayee(input);
    if (checked.fields) throw new ValidationFailedError(checked.fields, 'Some payment details are not valid');
    const { payee } = checked;
    await this.dataSource.transaction(async (manager) => {
      const row = await this.moves.ofTip(manager, tipId, id);
      if (row.state !== 'offered') throw new IllegalPayoutTransitionError(row.state, 'accepted');
      const payeeId = await this.payees.add(manager, row.contributor_id, payee.accountName, payee.account);
      await this.moves.compareAndSet(manager, row, 'accepted', { payee_details_id: payeeId, ...staffBrowserColumns(staffBrowser) });
      await this.moves.record(
        manager,
        { type: 'contributor', tipId },
        id,
        'offered',
        'accepted',
        'licence terms confirmed',
        'payout.accepted',
        {
          payeeDetailsId: payeeId,
          method: payee.account.method,
        },
        staffBrowser ? { payeeFromStaffBrowser: true, staffId: staffBrowser.staffId } : null,
      );
      await this.holdForPayeeChange(manager, tipId, row.contributor_id, payeeId, staffBrowser);
    });
    return this.contributorView(tipId, id);
  }

  async decline(tipId: string, id: string): Promise<ContributorPayoutDto> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.moves.ofTip(manager, tipId, id);
      if (row.state !== 'offered') throw new IllegalPayoutTransitionError(row.state, 'declined');
      await this.moves.compareAndSet(manager, row, 'declined', {});
      await this.moves.record(manager, { type: 'contributor', tipId }, id, 'offered', 'declined', null, 'payout.declined');
    });
    return this.contributorView(tipId, id);
  }

  /**
   * The contributor changes where to pay (say after "payment failed – please update your
   * details"): a new payee version for every payout not yet in a batch; approved ones go on hold.
   * A reissue of a failed payout then uses it.
   */
  async changePayee(tipId: string, input: PayeeDetailsDto, staffBrowser: StaffBrowser = null): Promise<ContributorPayoutDto[]> {
    const checked = validatePayee(input);
    if (checked.fields) throw new ValidationFailedError(checked.fields, 'Some payment details are not valid');
    const { payee } = checked;
    await this.dataSource.transaction(async (manager) => {
      const contributorId = await this.payouts.payeeContributorOfTip(manager, tipId);
      if (!contributorId) throw new ConflictError('PAYOUT_NO_PAYEE_YET', 'Accept an offer first: your payment details are given with it.');
      const payeeId = await this.payees.add(manager, contributorId, payee.accountName, payee.account);
      await this.audit.record(manager, {
        actorType: 'contributor',
        actorId: null,
        action: 'payee.changed',
        entityType: 'tip',
        entityId: tipId,
        after: { payeeDetailsId: payeeId, method: payee.account.method },
      });
      await this.holdForPayeeChange(manager, tipId, contributorId, payeeId, staffBrowser);
    });
    return this.forContributor(tipId);
  }

  private async holdForPayeeChange(manager: EntityManager, tipId: string, contributorId: string, payeeId: string, staffBrowser: StaffBrowser): Promise<void> {
    const rows = await this.payouts.lockOnOtherPayee(manager, contributorId, payeeId);
    for (const row of rows) {
      const to: PayoutState = row.state === 'approved' ? 'held' : row.state;
      // A first of two approvals was for the old details: it no longer counts.
      await this.moves.compareAndSet(manager, row, to, {
        payee_details_id: payeeId,
        first_approved_by: null,
        first_approved_at: null,
        ...staffBrowserColumns(staffBrowser),
      });
      await this.moves.record(
        manager,
        { type: 'contributor', tipId },
        row.id,
        row.state,
        to,
        'payee details changed',
        row.state === 'approved' ? 'payout.held' : 'payout.payee_changed',
        {
          payeeDetailsId: payeeId,
        },
        staffBrowser ? { payeeFromStaffBrowser: true, staffId: staffBrowser.staffId } : null,
      );
    }
  }

  private async contributorView(tipId: string, id: string): Promise<ContributorPayoutDto> {
    const found = (await this.forContributor(tipId)).find((p) => p.id === id);
    if (!found) throw new PayoutNotFoundError();
    return found;
  }
}

/** The staff-browser mark for payouts whose payee details a request set. */
function staffBrowserColumns(staffBrowser: StaffBrowser): Record<string, unknown> {
  return { payee_from_staff_browser: staffBrowser !== null, payee_staff_browser_staff_id: staffBrowser?.staffId ?? null };
}
