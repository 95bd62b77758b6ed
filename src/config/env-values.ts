// The values AppConfig's settings share: how a variable's text becomes a value, the checks more
// than one setting uses, and the lists other modules read (date styles, log levels).

/** Date styles the desk offers (see src/settings/desk-dates.ts for what each looks like). */
export const DATE_STYLES = ['day-month', 'numeric', 'iso'] as const;
export type DateStyle = (typeof DATE_STYLES)[number];

/** A phone number as the public types it: digits, spaces and + ( ) - only. */
export const PUBLIC_PHONE = /^\+?[0-9 ()-]{6,30}$/;

/** Whether Intl knows the time zone (an IANA name such as Europe/London, or UTC). */
export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const GIB = 1024 ** 3;
export const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
export const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  const text = String(value).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value;
};
export const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

// `address@host` or `Display Name <address@host>`, on one line (a newline would inject headers).
export const MAIL_FROM_PATTERN = /^(?:[^<>\r\n]{0,150}<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;
export function isDateList(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return value.split(',').every((part) => {
    const day = part.trim();
    const date = new Date(`${day}T00:00:00Z`);
    return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
  });
}

export function isSmtpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !/^smtps?:\/\/\S+$/.test(value)) return false;
  try {
    return new URL(value).hostname.length > 0;
  } catch {
    return false;
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
