import { describe, expect, it } from '@jest/globals';
import { formatDeskDate } from '../../src/settings/desk-dates.js';
import { timeAgo } from '../../src/web/shared/dates.js';

const LONDON = { timeZone: 'Europe/London', dateStyle: 'day-month' } as const;

describe('one date style in the desk’s time zone (paper settings)', () => {
  it.each([
    ['2026-12-07T13:50:00Z', LONDON, '7 Dec 2026, 13:50'],
    ['2026-07-07T13:50:00Z', LONDON, '7 Jul 2026, 14:50'], // British Summer Time
    ['2026-09-07T00:05:00Z', LONDON, '7 Sep 2026, 01:05'],
    ['2026-12-07T13:50:00Z', { timeZone: 'Europe/London', dateStyle: 'numeric' }, '07/12/2026 13:50'],
    ['2026-12-07T13:50:00Z', { timeZone: 'Europe/London', dateStyle: 'iso' }, '2026-12-07 13:50'],
    ['2026-12-07T23:30:00Z', { timeZone: 'Europe/Berlin', dateStyle: 'day-month' }, '8 Dec 2026, 00:30'],
    ['2026-12-07T03:30:00Z', { timeZone: 'America/New_York', dateStyle: 'day-month' }, '6 Dec 2026, 22:30'],
  ] as const)('%s in %j is "%s"', (iso, dates, expected) => {
    expect(formatDeskDate(new Date(iso), dates)).toBe(expected);
  });

  it('writes a date alone without the time, and never in US order', () => {
    expect(formatDeskDate(new Date('2026-03-04T10:00:00Z'), LONDON, { dateOnly: true })).toBe('4 Mar 2026');
    expect(formatDeskDate(new Date('2026-03-04T10:00:00Z'), { ...LONDON, dateStyle: 'numeric' }, { dateOnly: true })).toBe('04/03/2026');
  });

  it('an age older than 60 days becomes the date in the desk’s style', () => {
    expect(timeAgo(new Date('2026-01-01T00:30:00Z'), new Date('2026-05-10T12:00:00Z'), { timeZone: 'Europe/London', dateStyle: 'iso' })).toBe('2026-01-01');
  });
});
