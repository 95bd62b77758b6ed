import { computedBankHolidays, ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../calendar/england-and-wales.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function utcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/**
 * The days banks pay on: weekdays that are not holidays. The published table (built in, plus
 * BANK_HOLIDAYS) decides for the years it lists; after them, the computed England and Wales
 * holidays do, and /health/ready and the accounts page warn 60 days before the table runs out.
 */
export class BankCalendar {
  private constructor(
    readonly holidays: ReadonlySet<string>,
    readonly years: ReadonlySet<number>,
  ) {}

  /** The built-in England and Wales table plus `extra` days (YYYY-MM-DD); a year with any extra day counts as covered. */
  static withExtra(extra: readonly string[] = []): BankCalendar {
    const holidays = new Set([...ENGLAND_AND_WALES_BANK_HOLIDAYS, ...extra]);
    return new BankCalendar(holidays, new Set([...holidays].map((d) => Number(d.slice(0, 4)))));
  }

  covers(date: Date): boolean {
    return this.years.has(date.getUTCFullYear());
  }

  isWorkingDay(date: Date): boolean {
    const weekday = date.getUTCDay();
    if (weekday === 0 || weekday === 6) return false;
    const day = date.toISOString().slice(0, 10);
    // After the published table: the holidays the rules give (one-off days are only in the table).
    if (!this.covers(date)) return !this.computed(date.getUTCFullYear()).has(day);
    return !this.holidays.has(day);
  }

  private readonly computedYears = new Map<number, ReadonlySet<string>>();
  private computed(year: number): ReadonlySet<string> {
    let days = this.computedYears.get(year);
    if (!days) this.computedYears.set(year, (days = new Set(computedBankHolidays(year))));
    return days;
  }

  /** The date's own UTC day if banks work then, else the next day they do (Saturday → Monday). */
  nextWorkingDay(date: Date): Date {
    let day = utcDay(date);
    while (!this.isWorkingDay(day)) day = new Date(day.getTime() + DAY_MS);
    return day;
  }
}

/** The built-in table alone. */
export const ENGLAND_AND_WALES = BankCalendar.withExtra();
