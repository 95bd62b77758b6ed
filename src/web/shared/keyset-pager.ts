import { DomainError } from '../../http/errors.js';
import { queryText } from './form-input.js';

/**
 * A keyset-paged list page's address (the desk queue, the audit log): `cursor` is this page,
 * `back` the cursors of the pages before it, since the server only hands out "next" cursors.
 */

// Enough "newer" steps for any real session; older history falls back to the first page.
const BACK_MAX = 20;
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Next/previous links for a keyset-paged list whose address carries `cursor` (this page) and
 * `back` (the cursors of the pages before it): the server only hands out "next" cursors, so the
 * way back travels in the link.
 */
export function keysetPager(
  at: { cursor?: string; back: string[] },
  nextCursor: string | null,
  href: (page: { cursor?: string; back: string[] }) => string,
): { nextHref?: string; previousHref?: string } {
  const nextHref = nextCursor ? href({ cursor: nextCursor, back: at.cursor ? [...at.back, at.cursor].slice(-BACK_MAX) : [] }) : undefined;
  const previousHref = at.cursor ? href({ cursor: at.back.at(-1), back: at.back.slice(0, -1) }) : undefined;
  return { nextHref, previousHref };
}

/** `cursor` and `back` from an address, kept only when they look like cursors. */
export function pagePosition(query: Record<string, unknown>): { cursor?: string; back: string[] } {
  const cursor = queryText(query.cursor, 200);
  const back = queryText(query.back, 201 * BACK_MAX)
    .split('.')
    .filter((c) => CURSOR.test(c))
    .slice(-BACK_MAX);
  return { cursor: CURSOR.test(cursor) ? cursor : undefined, back };
}

/** Adds `cursor` and `back` to an address's query. */
export function setPosition(query: URLSearchParams, page: { cursor?: string; back?: string[] }): URLSearchParams {
  if (page.cursor) query.set('cursor', page.cursor);
  // Cursors are base64url, so a dot can join them.
  if (page.cursor && page.back?.length) query.set('back', page.back.join('.'));
  return query;
}

/** The filters a list DTO's error names (ListTipsQueryDto, AuditEventsQueryDto), so they can be dropped and the rest still used. */
export function withoutFields(filters: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filters).filter(([key]) => !fields.includes(key.split('.')[0])));
}

/**
 * One keyset page at `at.cursor`. A cursor the server refuses (a stale or edited link) gives the
 * first page instead, with the reason added to `problems`, rather than an error page.
 */
export async function pageOrFirst<T>(at: { cursor?: string }, problems: string[], list: (cursor?: string) => Promise<T>): Promise<T> {
  try {
    return await list(at.cursor);
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'INVALID_CURSOR') throw error;
    problems.push(error.message);
    at.cursor = undefined;
    return list();
  }
}
