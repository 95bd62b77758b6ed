/**
 * England and Wales bank holidays computed from the rules the Banking and Financial Dealings Act
 * 1971 and its proclamations follow every year: the fallback after the published table (see
 * BankCalendar). One-off days (a jubilee, a coronation, a state funeral, a moved May Day) are
 * proclaimed, not computed: they appear only in GOV.UK's list, which is why the table comes first.
 */

const iso = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
const weekday = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay();

/** Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" computus): [month, day]. */
export function easterSunday(year: number): [number, number] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

function firstMonday(year: number, month: number): number {
  return 1 + ((8 - weekday(year, month, 1)) % 7);
}

function lastMonday(year: number, month: number, days: number): number {
  return days - ((weekday(year, month, days) + 6) % 7);
}

/** The year's regular bank holidays (YYYY-MM-DD), substitute days included. */
export function computedBankHolidays(year: number): string[] {
  const days: string[] = [];
  // New Year's Day, or the Monday after when it falls at a weekend.
  const newYear = weekday(year, 1, 1);
  days.push(iso(year, 1, newYear === 6 ? 3 : newYear === 0 ? 2 : 1));
  const [month, day] = easterSunday(year);
  const easter = Date.UTC(year, month - 1, day);
  days.push(new Date(easter - 2 * 86_400_000).toISOString().slice(0, 10)); // Good Friday
  days.push(new Date(easter + 86_400_000).toISOString().slice(0, 10)); // Easter Monday
  days.push(iso(year, 5, firstMonday(year, 5))); // Early May bank holiday
  days.push(iso(year, 5, lastMonday(year, 5, 31))); // Spring bank holiday
  days.push(iso(year, 8, lastMonday(year, 8, 31))); // Summer bank holiday
  // Christmas and Boxing Day: a day that falls at a weekend moves to the next free weekday.
  const christmas = weekday(year, 12, 25);
  if (christmas === 6) days.push(iso(year, 12, 27), iso(year, 12, 28));
  else if (christmas === 0) days.push(iso(year, 12, 26), iso(year, 12, 27));
  else if (christmas === 5) days.push(iso(year, 12, 25), iso(year, 12, 28));
  else days.push(iso(year, 12, 25), iso(year, 12, 26));
  return days;
}

/**
 * England and Wales bank holidays, 2026–2027, as published by GOV.UK ("UK bank holidays",
 * the england-and-wales division of gov.uk/bank-holidays.json), including the substitute days
 * when Christmas or Boxing Day falls at a weekend. Bacs and Faster Payments settle on these
 * days' calendar, so a processing day must avoid them. Later years come from BANK_HOLIDAYS
 * (or are added here when GOV.UK publishes them): see BankCalendar.
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
