import { PAYOUT_STATES, type PayoutState } from './payouts.entities.js';

/**
 * The payout state machine, one row per state: where a payout in that state may go next.
 * `offered → accepted | declined | cancelled`; `accepted → approved | held | cancelled`;
 * `held → accepted` (released) `| cancelled`; `approved → batched | held | cancelled`;
 * `batched → paid | failed | approved` (its batch voided). failed, paid, declined and
 * cancelled are final (a failed payout is reissued as a new payout that points to it).
 */
export const PAYOUT_TRANSITIONS: Readonly<Record<PayoutState, readonly PayoutState[]>> = {
  offered: ['accepted', 'declined', 'cancelled'],
  accepted: ['approved', 'held', 'cancelled'],
  held: ['accepted', 'cancelled'],
  approved: ['batched', 'held', 'cancelled'],
  batched: ['paid', 'failed', 'approved'],
  paid: [],
  failed: [],
  declined: [],
  cancelled: [],
};

export const FINAL_PAYOUT_STATES: readonly PayoutState[] = PAYOUT_STATES.filter((s) => PAYOUT_TRANSITIONS[s].length === 0);

export const isPayoutState = (value: unknown): value is PayoutState => (PAYOUT_STATES as readonly unknown[]).includes(value);

export function canPayoutTransition(from: PayoutState, to: PayoutState): boolean {
  return PAYOUT_TRANSITIONS[from].includes(to);
}

export function nextPayoutStates(from: PayoutState): readonly PayoutState[] {
  return PAYOUT_TRANSITIONS[from];
}

/** A sentence for a person when a move is not allowed, or undefined when it is. */
export function transitionProblem(from: PayoutState, to: PayoutState): string | undefined {
  if (canPayoutTransition(from, to)) return undefined;
  const allowed = PAYOUT_TRANSITIONS[from];
  return allowed.length === 0
    ? `A payout that is ${from} is final: it cannot become ${to}.`
    : `A payout cannot go from ${from} to ${to}; from ${from} it can go to ${allowed.join(', ')}.`;
}
