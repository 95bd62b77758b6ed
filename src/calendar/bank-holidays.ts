import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './england-and-wales.js';

/** How far the published table (built in, plus BANK_HOLIDAYS) reaches, and whether that is soon. */
export interface BankHolidayCoverage {
  /** The last day of the last year the table lists. */
  coveredUntil: string;
  /** Set from 60 days before coveredUntil: what happens after it and what to do. */
  warning?: string;
}

// Time enough for someone to copy next year's dates from GOV.UK before the first batch needs them.
export const COVERAGE_WARNING_DAYS = 60;

export function bankHolidayCoverage(extra: readonly string[], now: Date): BankHolidayCoverage {
  const years = [...ENGLAND_AND_WALES_BANK_HOLIDAYS, ...extra].map((day) => Number(day.slice(0, 4)));
  const coveredUntil = `${Math.max(...years)}-12-31`;
  const daysLeft = Math.floor((Date.parse(`${coveredUntil}T23:59:59Z`) - now.getTime()) / 86_400_000);
  if (daysLeft > COVERAGE_WARNING_DAYS) return { coveredUntil };
  return {
    coveredUntil,
    warning:
      `The bank-holiday table ends on ${coveredUntil}. After it, payment dates use England and Wales holidays computed from the usual rules, ` +
      `which miss one-off holidays (a jubilee, a coronation). Add the next year's dates from gov.uk/bank-holidays.json to BANK_HOLIDAYS.`,
  };
}
