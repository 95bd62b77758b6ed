import { describe, expect, it } from '@jest/globals';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS, isBankWorkingDay, nextBankWorkingDay } from '../../../src/payouts/exporters/bank-working-days.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('nextBankWorkingDay', () => {
  it.each([
    ['2026-11-25', '2026-11-25'], // a Wednesday
    ['2026-11-28', '2026-11-30'], // Saturday → Monday
    ['2026-11-29', '2026-11-30'], // Sunday → Monday
    ['2026-04-03', '2026-04-07'], // Good Friday → past Easter Monday
    ['2026-12-24', '2026-12-24'],
    ['2026-12-25', '2026-12-29'], // Christmas, weekend, substitute Boxing Day
    ['2026-12-31', '2026-12-31'],
    ['2027-01-01', '2027-01-04'],
    ['2027-12-24', '2027-12-24'],
    ['2027-12-25', '2027-12-29'],
  ])('%s → %s', (from, to) => {
    expect(nextBankWorkingDay(day(from)).toISOString().slice(0, 10)).toBe(to);
  });

  it('ignores the time of day', () => {
    expect(nextBankWorkingDay(new Date('2026-11-28T23:59:59Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('takes another holiday table', () => {
    expect(nextBankWorkingDay(day('2026-11-25'), new Set(['2026-11-25'])).toISOString().slice(0, 10)).toBe('2026-11-26');
  });

  it('lists only weekdays as holidays', () => {
    for (const holiday of ENGLAND_AND_WALES_BANK_HOLIDAYS) expect([1, 2, 3, 4, 5]).toContain(day(holiday).getUTCDay());
  });

  it('refuses a year it has no table for rather than guess', () => {
    expect(() => isBankWorkingDay(day('2028-01-03'))).toThrow(/No bank holiday table for 2028/);
  });
});
