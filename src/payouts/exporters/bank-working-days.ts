/**
 * England and Wales bank holidays, 2026–2027, as published by GOV.UK ("UK bank holidays",
 * the england-and-wales division of gov.uk/bank-holidays.json), including the substitute days
 * when Christmas or Boxing Day falls at a weekend. Bacs and Faster Payments settle on these
 * days' calendar, so a processing day must avoid them. Add each new year when GOV.UK
 * publishes it: outside the covered years the helper refuses rather than guess.
 */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: ReadonlySet<string> = new Set([
  '2026-01-01', // New Year's Day
  '2026-04-03', // Good Friday
  '2026-04-06', // Easter Monday
  '2026-05-04', // Early May bank holiday
  '2026-05-25', // Spring bank holiday
  '2026-08-31', // Summer bank holiday
  '2026-12-25', // Christmas Day
  '2026-12-28', // Boxing Day (substitute day)
  '2027-01-01', // New Year's Day
  '2027-03-26', // Good Friday
  '2027-03-29', // Easter Monday
  '2027-05-03', // Early May bank holiday
  '2027-05-31', // Spring bank holiday
  '2027-08-30', // Summer bank holiday
  '2027-12-27', // Christmas Day (substitute day)
  '2027-12-28', // Boxing Day (substitute day)
]);
export const BANK_HOLIDAY_YEARS = { first: 2026, last: 2027 } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

function utcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function isBankWorkingDay(date: Date, holidays: ReadonlySet<string> = ENGLAND_AND_WALES_BANK_HOLIDAYS): boolean {
  const year = date.getUTCFullYear();
  if (holidays === ENGLAND_AND_WALES_BANK_HOLIDAYS && (year < BANK_HOLIDAY_YEARS.first || year > BANK_HOLIDAY_YEARS.last)) {
    throw new RangeError(`No bank holiday table for ${year}: add it to ENGLAND_AND_WALES_BANK_HOLIDAYS`);
  }
  const weekday = date.getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(date.toISOString().slice(0, 10));
}

/** The date's own UTC day if banks work then, else the next day they do (Saturday → Monday). */
export function nextBankWorkingDay(date: Date, holidays: ReadonlySet<string> = ENGLAND_AND_WALES_BANK_HOLIDAYS): Date {
  let day = utcDay(date);
  while (!isBankWorkingDay(day, holidays)) day = new Date(day.getTime() + DAY_MS);
  return day;
}
