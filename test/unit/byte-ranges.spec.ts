import { describe, expect, it } from '@jest/globals';
import { formatEntityTag, ifRangeHolds, noneMatchHits, selectRange, type RangeSelection } from '../../src/media/byte-ranges.js';

const whole: RangeSelection = { kind: 'whole' };
const unsatisfiable: RangeSelection = { kind: 'unsatisfiable' };
const part = (start: number, end: number): RangeSelection => ({ kind: 'part', start, end });

describe('selectRange on a 1000-byte file', () => {
  it.each<[string | undefined, RangeSelection]>([
    [undefined, whole],
    ['bytes=0-499', part(0, 499)],
    ['bytes=0-0', part(0, 0)],
    ['bytes=0-1', part(0, 1)],
    ['bytes=500-', part(500, 999)],
    ['bytes=0-', part(0, 999)],
    ['bytes=999-999', part(999, 999)],
    ['bytes=900-5000', part(900, 999)],
    ['bytes=0-99999999999999999999999', part(0, 999)],
    ['bytes=-100', part(900, 999)],
    ['bytes=-1', part(999, 999)],
    ['bytes=-5000', part(0, 999)],
    ['BYTES=10-19', part(10, 19)],
    [' bytes=10-19 ', part(10, 19)],
    ['bytes=1000-', unsatisfiable],
    ['bytes=1000-2000', unsatisfiable],
    ['bytes=99999999999999999999999-', unsatisfiable],
    ['bytes=-0', unsatisfiable],
    // Ignored, so the whole file is sent (200):
    ['bytes=0-1,5-6', whole],
    ['bytes=0-1, 900-', whole],
    ['bytes=5-2', whole],
    ['bytes=-', whole],
    ['bytes=', whole],
    ['bytes=a-b', whole],
    ['bytes=-1-2', whole],
    ['bytes=1.5-2', whole],
    ['bytes = 0-1', whole],
    ['items=0-1', whole],
    ['0-1', whole],
    ['', whole],
  ])('%j → %j', (header, expected) => {
    expect(selectRange(header, 1000)).toEqual(expected);
  });

  it('finds nothing to send in an empty file', () => {
    expect(selectRange('bytes=0-', 0)).toEqual(unsatisfiable);
    expect(selectRange('bytes=-10', 0)).toEqual(unsatisfiable);
    expect(selectRange(undefined, 0)).toEqual(whole);
  });
});

describe('entity tags', () => {
  const etag = formatEntityTag('abc123');

  it('formats strong and weak tags', () => {
    expect(etag).toBe('"abc123"');
    expect(formatEntityTag('abc123', true)).toBe('W/"abc123"');
  });

  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['"abc123"', true],
    ['W/"abc123"', true], // If-None-Match compares weakly
    ['"other", "abc123"', true],
    ['  *  ', true],
    ['"other"', false],
    ['abc123', false],
    ['"abc12"', false],
    ['', false],
  ])('If-None-Match %j → %j', (header, expected) => {
    expect(noneMatchHits(header, etag)).toBe(expected);
  });

  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['"abc123"', true],
    ['W/"abc123"', false], // If-Range compares strongly
    ['"other"', false],
    ['Wed, 21 Oct 2026 07:28:00 GMT', false], // we send no Last-Modified to match a date against
    ['"abc123", "other"', false],
    ['', false],
  ])('If-Range %j → %j', (header, expected) => {
    expect(ifRangeHolds(header, etag)).toBe(expected);
  });

  it('never lets If-Range match a weak tag of ours', () => {
    expect(ifRangeHolds('"abc123"', formatEntityTag('abc123', true))).toBe(false);
    expect(noneMatchHits('"abc123"', formatEntityTag('abc123', true))).toBe(true);
  });
});
