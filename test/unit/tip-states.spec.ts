import { describe, expect, it } from '@jest/globals';
import { canTransition, isTipStatus, nextStatuses, OPEN_STATUSES, TIP_TRANSITIONS, transitionProblem } from '../../src/desk/tip-states.js';
import { normaliseTags } from '../../src/desk/tags.js';
import { TIP_STATUSES, type TipStatus } from '../../src/tips/tips.entities.js';

// Every move the desk allows, written out by hand; everything else is refused.
const ALLOWED: [TipStatus, TipStatus][] = [
  ['new', 'in_review'],
  ['in_review', 'verified'],
  ['verified', 'used'],
  ['new', 'rejected'],
  ['new', 'spam'],
  ['new', 'archived'],
  ['in_review', 'rejected'],
  ['in_review', 'spam'],
  ['in_review', 'archived'],
  ['verified', 'rejected'],
  ['verified', 'spam'],
  ['verified', 'archived'],
  ['rejected', 'in_review'],
  ['spam', 'in_review'],
  ['archived', 'in_review'],
  ['used', 'archived'],
];
const allowed = new Set(ALLOWED.map(([from, to]) => `${from}>${to}`));
const everyPair = TIP_STATUSES.flatMap((from) => TIP_STATUSES.map((to) => [from, to] as [TipStatus, TipStatus]));

describe('tip states', () => {
  it('the table has a row for every status and names only real statuses', () => {
    expect(Object.keys(TIP_TRANSITIONS).sort()).toEqual([...TIP_STATUSES].sort());
    for (const targets of Object.values(TIP_TRANSITIONS)) for (const to of targets) expect(isTipStatus(to)).toBe(true);
  });

  it.each(ALLOWED)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(transitionProblem(from, to)).toBeUndefined();
  });

  it.each(everyPair.filter(([from, to]) => !allowed.has(`${from}>${to}`)))('%s → %s is refused, naming both', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const problem = transitionProblem(from, to)!;
    expect(problem).toContain(`from ${from} to ${to}`);
    for (const next of nextStatuses(from)) expect(problem).toContain(next);
  });

  it('staying in the same status is not a transition', () => {
    for (const status of TIP_STATUSES) expect(canTransition(status, status)).toBe(false);
  });

  it.each(OPEN_STATUSES)('an open tip (%s) can be rejected, marked spam or archived', (from) => {
    for (const to of ['rejected', 'spam', 'archived'] as const) expect(canTransition(from, to)).toBe(true);
  });

  it.each(['rejected', 'spam', 'archived'] as const)('a %s tip reopens into review only', (from) => {
    expect(nextStatuses(from)).toEqual(['in_review']);
  });

  it('a used tip can only be archived', () => {
    expect(nextStatuses('used')).toEqual(['archived']);
  });

  it.each(['open', '', null, 'NEW'])('isTipStatus(%j) is false', (value) => {
    expect(isTipStatus(value)).toBe(false);
  });
});

describe('tags', () => {
  it.each([
    [
      [' Flood ', 'FLOOD', 'Road  Closure'],
      ['flood', 'road closure'],
    ],
    [
      ['a', 'b', 'a'],
      ['a', 'b'],
    ],
    [[], []],
  ])('normaliseTags(%j) is %j', (input, expected) => {
    expect(normaliseTags(input)).toEqual(expected);
  });
});
