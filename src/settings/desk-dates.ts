import type { DateStyle } from '../config/app-config.js';

/** How the desk writes dates: one time zone and one style for every page people read. */
export interface DeskDates {
  timeZone: string;
  dateStyle: DateStyle;
}

export const DEFAULT_DESK_DATES: DeskDates = { timeZone: 'Europe/London', dateStyle: 'day-month' };

/** What each style looks like, for the settings page's choice. */
export const DATE_STYLE_LABELS: Record<DateStyle, string> = {
  'day-month': '7 Dec 2026, 13:50',
  numeric: '07/12/2026 13:50',
  iso: '2026-12-07 13:50',
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, dateOnly: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${dateOnly}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      day: '2-digit',
      month: 'short',
      year: 'numeric',
      ...(dateOnly ? {} : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    });
    formatters.set(key, found);
  }
  return found;
}

const MONTH_NUMBER: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

/**
 * "7 Dec 2026, 13:50" (or the numeric or ISO style) in the desk's time zone; `dateOnly` leaves
 * the time out. The same words on every page: no reader's-locale rewriting, no UTC suffix.
 */
export function formatDeskDate(at: Date, dates: DeskDates, options: { dateOnly?: boolean } = {}): string {
  const parts = Object.fromEntries(
    formatter(dates.timeZone, Boolean(options.dateOnly))
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const day = parts.day;
  const month = parts.month.slice(0, 3);
  const time = options.dateOnly ? '' : `${parts.hour}:${parts.minute}`;
  switch (dates.dateStyle) {
    case 'numeric':
      return `${day}/${MONTH_NUMBER[month]}/${parts.year}${time && ` ${time}`}`;
    case 'iso':
      return `${parts.year}-${MONTH_NUMBER[month]}-${day}${time && ` ${time}`}`;
    case 'day-month':
      return `${Number(day)} ${month} ${parts.year}${time && `, ${time}`}`;
  }
}
