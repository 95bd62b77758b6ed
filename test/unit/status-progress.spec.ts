import { describe, expect, it } from '@jest/globals';
import { PAYMENT_FAILED_TEXT, tipProgress, type StepState } from '../../src/web/status/status-progress.js';
import type { TipStatus } from '../../src/tips/tips.entities.js';

/** The steps as one compact string: ✓ done, ▶ current, · to come, ✗ failed. */
function path(status: TipStatus, payoutStates: string[]): string {
  const mark: Record<StepState, string> = { done: '✓', current: '▶', upcoming: '·', failed: '✗' };
  return tipProgress(
    status,
    payoutStates.map((state) => ({ state })),
  )
    .steps.map((s) => mark[s.state])
    .join('');
}

describe('tipProgress: where the contributor is on received → … → paid', () => {
  it.each<[TipStatus, string[], string]>([
    ['new', [], '▶······'],
    ['in_review', [], '✓▶·····'],
    ['verified', [], '✓▶·····'],
    ['used', [], '✓▶·····'],
    ['in_review', ['offered'], '✓✓▶····'],
    ['in_review', ['declined'], '✓▶·····'],
    ['in_review', ['cancelled', 'offered'], '✓✓▶····'],
    ['used', ['accepted'], '✓✓✓▶···'],
    ['used', ['held'], '✓✓✓▶···'],
    ['used', ['approved'], '✓✓✓✓▶··'],
    ['used', ['batched'], '✓✓✓✓✓▶·'],
    ['used', ['paid'], '✓✓✓✓✓✓✓'],
    ['used', ['failed'], '✓✓✓✓✓✗·'],
    // A failed payout reissued: the new one is on the path again.
    ['used', ['failed', 'offered'], '✓✓▶····'],
    ['rejected', [], '✓✓'],
    ['spam', [], '✓✓'],
    ['archived', ['paid'], '✓✓✓✓✓✓✓'],
  ])('%s with payouts %j: %s', (status, payouts, expected) => {
    expect(path(status, payouts)).toBe(expected);
  });

  it('marks exactly one step as where the tip is now', () => {
    for (const payouts of [[], ['offered'], ['paid'], ['failed']]) {
      expect(
        tipProgress(
          'used',
          payouts.map((state) => ({ state })),
        ).steps.filter((s) => s.current),
      ).toHaveLength(1);
    }
  });

  it('a failed payout says so in plain words', () => {
    const progress = tipProgress('used', [{ state: 'failed' }]);
    expect(progress.failed).toBe(true);
    expect(progress.text).toBe(PAYMENT_FAILED_TEXT);
  });

  it('without payouts the tip’s own status text is used; payouts of an unknown shape are ignored', () => {
    expect(tipProgress('new', []).text).toBeUndefined();
    expect(tipProgress('in_review', [null, 42, { state: 7 }, { amount: 1 }]).steps.map((s) => s.state)).toEqual([
      'done',
      'current',
      'upcoming',
      'upcoming',
      'upcoming',
      'upcoming',
      'upcoming',
    ]);
  });
});
