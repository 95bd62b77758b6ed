import { describe, expect, it } from '@jest/globals';
import { FINAL_PAYOUT_STATES, canPayoutTransition, nextPayoutStates, transitionProblem } from '../../src/payouts/payout-states.js';
import { PAYOUT_STATES, type PayoutState } from '../../src/payouts/payouts.entities.js';

// DESIGN.md's payout machine, written out independently of the table under test.
const LEGAL = new Set([
  'offered→accepted',
  'offered→declined',
  'offered→cancelled',
  'accepted→approved',
  'accepted→held',
  'accepted→cancelled',
  'held→accepted',
  'held→cancelled',
  'approved→batched',
  'approved→held',
  'approved→cancelled',
  'batched→paid',
  'batched→failed',
  'batched→approved',
]);

describe('payout states', () => {
  const pairs = PAYOUT_STATES.flatMap((from) => PAYOUT_STATES.map((to) => [from, to] as [PayoutState, PayoutState]));

  it.each(pairs.filter(([f, t]) => LEGAL.has(`${f}→${t}`)))('%s → %s is allowed', (from, to) => {
    expect(canPayoutTransition(from, to)).toBe(true);
    expect(transitionProblem(from, to)).toBeUndefined();
  });

  it.each(pairs.filter(([f, t]) => !LEGAL.has(`${f}→${t}`)))('%s → %s is refused with a sentence', (from, to) => {
    expect(canPayoutTransition(from, to)).toBe(false);
    expect(transitionProblem(from, to)).toMatch(new RegExp(`${from}.*${to}`));
  });

  it('paid, failed, declined and cancelled are final', () => {
    expect([...FINAL_PAYOUT_STATES].sort()).toEqual(['cancelled', 'declined', 'failed', 'paid']);
    for (const state of FINAL_PAYOUT_STATES) expect(nextPayoutStates(state)).toEqual([]);
  });
});
