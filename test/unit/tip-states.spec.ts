import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../src/desk/queue-cursor.js';
import { canTransition, isTipStatus, nextStatuses, OPEN_STATUSES, TIP_TRANSITIONS, transitionProblem } from '../../src/desk/tip-states.js';
import { normaliseTags } from '../../src/desk/tags.js';
import { TIP_STATUSES, type TipStatus } from '../../src/tips/tips.entities.js';

// Every move the desk allows, written out by hand; everything else is refused.
const ALLOWED: [TipStatus, TipStatus][] = [
  ['new', 'in_review'],
  ['in_review', 'verified'],
  ['verified', 'used'],
  ['new', 'rejected'], ['new', 'spam'], ['new', 'archived'],
  ['in_review', 'rejected'], ['in_review', 'spam'], ['in_review', 'archived'],
  ['verified', 'rejected'], ['verified', 'spam'], ['verified', 'archived'],
  ['rejected', 'in_review'], ['spam', 'in_review'], ['archived', 'in_review'],
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

describe('queue cursor', () => {
  const cursor = { createdAt: '2026-05-01T09:30:15.123456Z', id: '0f8fad5b-d9cb-469f-a165-70867728950e' };

  it('round-trips the created_at microseconds and id', () => {
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(encodeCursor(cursor)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/=='],
    ['base64 of junk', b64('hello')],
    ['milliseconds only', b64('2026-05-01T09:30:15.123Z/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['no time zone', b64('2026-05-01T09:30:15.123456/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['30 February', b64('2026-02-30T09:30:15.123456Z/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['hour 24', b64('2026-05-01T24:00:00.000000Z/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['upper-case uuid', b64('2026-05-01T09:30:15.123456Z/0F8FAD5B-D9CB-469F-A165-70867728950E')],
    ['uuid missing', b64('2026-05-01T09:30:15.123456Z/')],
    ['SQL in the id', b64("2026-05-01T09:30:15.123456Z/0f8fad5b-d9cb-469f-a165-70867728950e' OR 1=1")],
    ['trailing garbage', `${encodeCursor(cursor)}AA`],
    ['over 200 characters', 'A'.repeat(201)],
  ])('%s is refused with INVALID_CURSOR', (_name, text) => {
    expect(() => decodeCursor(text)).toThrow(InvalidCursorError);
    try {
      decodeCursor(text);
    } catch (error) {
      expect((error as InvalidCursorError).code).toBe('INVALID_CURSOR');
    }
  });
});

describe('tags', () => {
  it.each([
    [[' Flood ', 'FLOOD', 'Road  Closure'], ['flood', 'road closure']],
    [['a', 'b', 'a'], ['a', 'b']],
    [[], []],
  ])('normaliseTags(%j) is %j', (input, expected) => {
    expect(normaliseTags(input)).toEqual(expected);
  });
});
