import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConflictError } from '../http/errors.js';
import { PayeeDetailsRepository } from './payee-details.repository.js';
import type { PayoutState } from './payout-values.js';

/** Payouts still moving: erasing their tip would take the account they are about to be paid to. */
const IN_FLIGHT: readonly PayoutState[] = ['offered', 'accepted', 'held', 'approved', 'batched'];

export class PayoutInFlightError extends ConflictError {
  constructor() {
    super('TIP_PAYOUT_IN_FLIGHT', 'This tip has a payment under way: cancel the offer, or wait until it is paid or has failed, then erase it.');
  }
}

/** A payout an erasure keeps as a payment record, with the payee masked. */
export interface KeptPayout {
  id: string;
  state: PayoutState;
  amountMinor: number;
  currency: string;
  bankReference: string;
  payeeMasked: string | null;
}

/** Erasure's part in payouts/: what is kept of the money, and the payee details that go. */
@Injectable()
export class PayoutErasureService {
  constructor(private readonly payees: PayeeDetailsRepository) {}

  /**
   * In the caller's transaction: refuses while a payout is under way; otherwise deletes the payee
   * versions no payout names and strips the encrypted name and account from the rest (the masked
   * forms stay on the payment record). Every payout row stays: it holds no contact details.
   */
  async eraseForTip(
    manager: EntityManager,
    tipId: string,
    contributorId: string,
  ): Promise<{ kept: KeptPayout[]; payeeVersionsDeleted: number; payeeVersionsMasked: number }> {
    const payouts = await this.payees.payoutsOfTip(manager, tipId);
    if (payouts.some((p) => IN_FLIGHT.includes(p.state))) throw new PayoutInFlightError();
    const { deleted, masked } = await this.payees.eraseForContributor(manager, contributorId);
    const kept = payouts.map((p) => ({
      id: p.id,
      state: p.state,
      amountMinor: Number(p.amount_minor),
      currency: p.currency,
      bankReference: p.bank_reference,
      payeeMasked: p.masked ? `${p.account_holder_name_masked ?? ''} ${p.masked}`.trim() : null,
    }));
    return { kept, payeeVersionsDeleted: deleted, payeeVersionsMasked: masked };
  }

  /** Retention: per tip, its last payout move and whether readable payee details remain. */
  async retentionFacts(tipIds: readonly string[]): Promise<Map<string, { lastPayoutAt: Date | null; holdsPayeeDetails: boolean }>> {
    return this.payees.retentionFacts(tipIds);
  }
}
