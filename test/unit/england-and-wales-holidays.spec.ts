import { describe, expect, it } from '@jest/globals';
import { bankHolidayCoverage } from '../../src/calendar/bank-holidays.js';
import { computedBankHolidays, easterSunday, ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../src/calendar/england-and-wales.js';

// GOV.UK's published England and Wales bank holidays (gov.uk/bank-holidays.json, division england-and-wales).
const GOV_UK: Record<number, string[]> = {
  2019: ['2019-01-01', '2019-04-19', '2019-04-22', '2019-05-06', '2019-05-27', '2019-08-26', '2019-12-25', '2019-12-26'],
  2020: ['2020-01-01', '2020-04-10', '2020-04-13', '2020-05-08', '2020-05-25', '2020-08-31', '2020-12-25', '2020-12-28'],
  2021: ['2021-01-01', '2021-04-02', '2021-04-05', '2021-05-03', '2021-05-31', '2021-08-30', '2021-12-27', '2021-12-28'],
  2022: ['2022-01-03', '2022-04-15', '2022-04-18', '2022-05-02', '2022-06-02', '2022-06-03', '2022-08-29', '2022-09-19', '2022-12-26', '2022-12-27'],
  2023: ['2023-01-02', '2023-04-07', '2023-04-10', '2023-05-01', '2023-05-08', '2023-05-29', '2023-08-28', '2023-12-25', '2023-12-26'],
  2024: ['2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25', '2024-12-26'],
  2025: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'],
};
// Proclaimed one-offs no rule gives: VE Day moved May Day (2020); the Platinum Jubilee moved the
// spring holiday and added a day, and the Queen's funeral (2022); the coronation (2023).
const ONE_OFFS = {
  added: ['2020-05-08', '2022-06-02', '2022-06-03', '2022-09-19', '2023-05-08'],
  moved: ['2020-05-04', '2022-05-30'],
};

describe('computed England and Wales bank holidays', () => {
  it('Easter Sunday by the Gregorian computus matches known dates (1961, 2000, 2019, 2024, 2038, 2285)', () => {
    expect(easterSunday(1961)).toEqual([4, 2]);
    expect(easterSunday(2000)).toEqual([4, 23]);
    expect(easterSunday(2019)).toEqual([4, 21]);
    expect(easterSunday(2024)).toEqual([3, 31]);
    expect(easterSunday(2038)).toEqual([4, 25]); // the latest possible
    expect(easterSunday(2285)).toEqual([3, 22]); // the earliest possible
  });

  it.each([2019, 2021, 2024, 2025])("%i: exactly GOV.UK's list (substitute days included)", (year) => {
    expect(computedBankHolidays(year)).toEqual(GOV_UK[year]);
  });

  it.each([2020, 2022, 2023])("%i: GOV.UK's list but for the proclaimed one-offs (why the table comes first)", (year) => {
    const expected = GOV_UK[year].filter((day) => !ONE_OFFS.added.includes(day));
    expected.push(...ONE_OFFS.moved.filter((day) => day.startsWith(String(year))));
    expect(computedBankHolidays(year).sort()).toEqual(expected.sort());
  });

  it('2026 and 2027: the same days as the built-in table', () => {
    expect([...computedBankHolidays(2026), ...computedBankHolidays(2027)].sort()).toEqual([...ENGLAND_AND_WALES_BANK_HOLIDAYS].sort());
  });

  it('every computed holiday is a weekday, eight a year, 2028-2100', () => {
    for (let year = 2028; year <= 2100; year++) {
      const days = computedBankHolidays(year);
      expect(new Set(days).size).toBe(8);
      for (const day of days) expect([1, 2, 3, 4, 5]).toContain(new Date(`${day}T00:00:00Z`).getUTCDay());
    }
  });
});

describe('bank-holiday table coverage', () => {
  it('more than 60 days before the table ends: no warning', () => {
    expect(bankHolidayCoverage([], new Date('2027-10-01T12:00:00Z'))).toEqual({ coveredUntil: '2027-12-31' });
  });
  it('60 days before it ends: a warning naming the date and BANK_HOLIDAYS', () => {
    expect(bankHolidayCoverage([], new Date('2027-11-01T12:00:00Z')).warning).toMatch(/ends on 2027-12-31.*BANK_HOLIDAYS/);
  });
  it('BANK_HOLIDAYS for 2028 moves the end to 2028-12-31', () => {
    expect(bankHolidayCoverage(['2028-01-03'], new Date('2027-11-01T12:00:00Z'))).toEqual({ coveredUntil: '2028-12-31' });
  });
});
