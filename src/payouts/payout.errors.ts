import { HttpStatus } from '@nestjs/common';
import { ConflictError, DomainError, NotFoundError } from '../http/errors.js';
import type { StaffRole } from '../staff/staff.entities.js';
import type { PayoutDto } from './dto/payouts.dto.js';
import { nextPayoutStates, transitionProblem } from './payout-states.js';
import type { PayoutState } from './payouts.entities.js';
import type { PayoutRisk } from './risks/payout-risks.service.js';
import type { PayoutRiskCode } from './risks/risk-codes.js';

// The payouts module's errors, each with its stable code (docs/errors: PAYOUT_*, BATCH_NOT_SENT).

export class PayoutNotFoundError extends NotFoundError {
  constructor() {
    super('PAYOUT_NOT_FOUND', 'There is no payout with that id.');
  }
}

/** 409 carrying the payout as it is now, so the caller can see what changed and try again. */
export class StalePayoutVersionError extends ConflictError {
  override readonly details: { current: PayoutDto };

  constructor(current: PayoutDto) {
    super(
      'PAYOUT_STALE_VERSION',
      `Someone changed this payout since you opened it (it is now at version ${current.version}, ${current.state}). Check it and try again.`,
    );
    this.details = { current };
  }
}

export class IllegalPayoutTransitionError extends ConflictError {
  override readonly details: { from: PayoutState; to: PayoutState; allowed: readonly PayoutState[] };

  constructor(from: PayoutState, to: PayoutState) {
    super('PAYOUT_ILLEGAL_TRANSITION', transitionProblem(from, to) ?? `This payout is ${from}: it cannot become ${to} this way.`);
    this.details = { from, to, allowed: nextPayoutStates(from) };
  }
}

export class OwnOfferApprovalError extends DomainError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'PAYOUT_OWN_OFFER', 'You made (or reissued) this offer: a different person in accounting must approve it.');
  }
}

/** 403: whoever logged a tip or saw its secret could be its "contributor": they never offer or approve on it. */
export class ConflictOfInterestError extends DomainError {
  constructor(why: string) {
    super(HttpStatus.FORBIDDEN, 'PAYOUT_CONFLICT_OF_INTEREST', why);
  }
}

/** 409: approving needs every open risk named in `acknowledgeRisks`; the body lists them. */
export class RisksNotAcknowledgedError extends ConflictError {
  override readonly details: { risks: { code: PayoutRiskCode; message: string }[] };

  constructor(missing: PayoutRisk[]) {
    super('PAYOUT_RISKS_NOT_ACKNOWLEDGED', `This payout has risks to read and acknowledge before approving it: ${missing.map((r) => r.code).join(', ')}.`);
    this.details = { risks: missing.map((r) => ({ code: r.code, message: r.message })) };
  }
}

export class LegalSignOffRequiredError extends ConflictError {
  constructor() {
    super(
      'PAYOUT_LEGAL_SIGN_OFF_REQUIRED',
      'This payout is flagged under the Editors’ Code (clauses 15/16): an admin must record legal sign-off before it can be approved.',
    );
  }
}

/**
 * 409: the payout's batch is not marked sent (its file may or may not be at the bank), or no
 * longer exists as a live batch: settling now could pay twice, so nothing is changed.
 */
export class BatchNotSentError extends ConflictError {
  override readonly details: { batchState: string | null };

  constructor(batchState: string | null) {
    super(
      'BATCH_NOT_SENT',
      batchState === 'locked'
        ? 'This payout’s batch has not been marked sent to the bank: mark the batch sent first (or, if the bank never got the file, void it). Nothing was changed.'
        : `This payout’s batch is ${batchState ?? 'gone'}: only a payout in a batch marked sent can be settled. Nothing was changed.`,
    );
    this.details = { batchState };
  }
}

export class PayoutRoleError extends DomainError {
  constructor(what: string, roles: readonly StaffRole[]) {
    super(HttpStatus.FORBIDDEN, 'PAYOUT_ROLE_REFUSED', `Only ${roles.join(' or ')} staff can ${what}.`);
  }
}

/** 403 PAYOUT_ROLE_REFUSED unless the staff member has one of `roles`. */
export function requireRole(staff: { role: StaffRole }, roles: readonly StaffRole[], what: string): void {
  if (!roles.includes(staff.role)) throw new PayoutRoleError(what, roles);
}
