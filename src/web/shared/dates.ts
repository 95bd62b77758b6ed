import { DEFAULT_DESK_DATES, formatDeskDate, type DeskDates } from '../../settings/desk-dates.js';
import { escapeHtml, safeHtml } from './handlebars.js';

/** "3 h ago": how long since `at`, in the unit an editor thinks in; older than 60 days, the date itself. */
export function timeAgo(at: Date, now = new Date(), dates: DeskDates = DEFAULT_DESK_DATES): string {
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 60) return `${days} d ago`;
  return formatDeskDate(at, dates, { dateOnly: true });
}

const asDate = (value: unknown) => new Date(typeof value === 'string' || value instanceof Date ? value : NaN);

/**
 * The page helpers that write dates, all in the desk's one time zone and style (paper settings):
 * {{time at}} the age as text with the exact moment as its title, {{exact at}} the moment,
 * {{day at}} the date alone. Registered once, at startup (web/page-helpers.ts).
 */
export function dateHelpers(dates: () => DeskDates) {
  return {
    time: (value: unknown) => {
      const at = asDate(value);
      if (Number.isNaN(at.getTime())) return '';
      return safeHtml(
        `<time datetime="${escapeHtml(at.toISOString())}" title="${escapeHtml(formatDeskDate(at, dates()))}">${escapeHtml(timeAgo(at, new Date(), dates()))}</time>`,
      );
    },
    exact: (value: unknown) => {
      const at = asDate(value);
      if (Number.isNaN(at.getTime())) return '';
      return safeHtml(`<time datetime="${escapeHtml(at.toISOString())}">${escapeHtml(formatDeskDate(at, dates()))}</time>`);
    },
    day: (value: unknown) => {
      const at = asDate(value);
      if (Number.isNaN(at.getTime())) return '';
      // A calendar day (2026-12-08) is that day wherever the desk is, not a moment to move into its time zone.
      const calendarDay = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
      const shown = formatDeskDate(at, calendarDay ? { ...dates(), timeZone: 'UTC' } : dates(), { dateOnly: true });
      return safeHtml(`<time datetime="${escapeHtml(at.toISOString().slice(0, 10))}">${escapeHtml(shown)}</time>`);
    },
  };
}
