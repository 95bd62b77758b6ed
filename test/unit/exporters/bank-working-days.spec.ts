import { describe, expect, it } from '@jest/globals';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../../src/calendar/england-and-wales.js';
import { BankCalendar, ENGLAND_AND_WALES } from '../../../src/payouts/exporters/bank-working-days.js';
import { processingDateForNewBatch } from '../../../src/payouts/batch-file.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('BankCalendar', () => {
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
    expect(ENGLAND_AND_WALES.nextWorkingDay(day(from)).toISOString().slice(0, 10)).toBe(to);
  });

  it('ignores the time of day', () => {
    expect(ENGLAND_AND_WALES.nextWorkingDay(new Date('2026-11-28T23:59:59Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('takes extra holidays (BANK_HOLIDAYS), which also cover their years', () => {
    const calendar = BankCalendar.withExtra(['2026-11-25', '2028-01-03']);
    expect(calendar.nextWorkingDay(day('2026-11-25')).toISOString().slice(0, 10)).toBe('2026-11-26');
    expect(calendar.covers(day('2028-06-01'))).toBe(true);
    expect(calendar.nextWorkingDay(day('2028-01-01')).toISOString().slice(0, 10)).toBe('2028-01-04');
    expect(calendar.covers(day('2029-01-01'))).toBe(false);
  });

  it('lists only weekdays as holidays', () => {
    for (const holiday of ENGLAND_AND_WALES_BANK_HOLIDAYS) expect([1, 2, 3, 4, 5]).toContain(day(holiday).getUTCDay());
  });

  it('after the table, uses the computed England and Wales holidays (2028: New Year substitute Monday 3 January, Good Friday 14 April)', () => {
    expect(ENGLAND_AND_WALES.covers(day('2028-01-03'))).toBe(false);
    expect(ENGLAND_AND_WALES.isWorkingDay(day('2028-01-03'))).toBe(false);
    expect(ENGLAND_AND_WALES.isWorkingDay(day('2028-04-14'))).toBe(false);
    expect(ENGLAND_AND_WALES.isWorkingDay(day('2028-04-13'))).toBe(true);
  });
});

describe('processingDateForNewBatch', () => {
  it('is the next working day after the batch was made', () => {
    expect(processingDateForNewBatch(new Date('2026-11-27T09:00:00Z'), ENGLAND_AND_WALES).toISOString().slice(0, 10)).toBe('2026-11-30');
  });
  it('a batch whose processing day falls after the table is still made, on the computed calendar (31 Dec 2027 → Tue 4 Jan 2028)', () => {
    expect(processingDateForNewBatch(new Date('2027-12-31T09:00:00Z'), ENGLAND_AND_WALES).toISOString().slice(0, 10)).toBe('2028-01-04');
  });
});
