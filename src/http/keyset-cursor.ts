import { HttpStatus } from '@nestjs/common';
import { DomainError } from './errors.js';

/**
 * Where a keyset page (ORDER BY <timestamp>, id) ended: the last row's timestamp to the
 * microsecond, in UTC, as PostgreSQL printed it (a JS Date would drop the microseconds and
 * skip or repeat rows), and its id.
 */
export interface KeysetCursor {
  at: string;
  id: string;
}

/** The SQL that prints a timestamptz column the way a cursor carries it. */
export const cursorTimestampSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const CURSOR_TEXT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export class InvalidCursorError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'INVALID_CURSOR', 'This page link is not valid any more: start again from the first page.', {
      cursor: ['Not a cursor this server gave out'],
    });
  }
}

/** Opaque to clients: base64url of `<at>/<id>`. */
export function encodeKeysetCursor(cursor: KeysetCursor): string {
  return Buffer.from(`${cursor.at}/${cursor.id}`, 'utf8').toString('base64url');
}

/** Accepts exactly what encodeKeysetCursor makes (a real calendar time, lower-case uuid, canonical base64url). */
export function decodeKeysetCursor(cursor: string): KeysetCursor {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new InvalidCursorError();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = CURSOR_TEXT.exec(text);
  if (!match || Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new InvalidCursorError();
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const sameFields =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!sameFields || year < 1970) throw new InvalidCursorError();
  return { at: text.slice(0, text.indexOf('/')), id: match[7] };
}
