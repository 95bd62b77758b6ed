import { NEWS_KINDS } from '../desk/tip-news.js';
import { OPEN_STATUSES } from '../desk/tip-states.js';
import { DomainError } from '../http/errors.js';
import { TIP_CHANNELS, TIP_STATUSES } from '../tips/tips.entities.js';
import { queryText } from './form-input.js';

/** What the queue's filter form shows, exactly as it travels in the address (all strings). */
export interface QueueFilterForm {
  q: string;
  /** `open` (the default), `all`, or one status. */
  status: string;
  channel: string;
  /** '', `me`, `none` or a staff id. */
  assignee: string;
  /** '', `true` or `false`. */
  hasMedia: string;
  tag: string;
  from: string;
  to: string;
  sort: string;
  /** '' or a news kind: tips with that news since I last looked. */
  news: string;
}

export interface QueueAddress {
  form: QueueFilterForm;
  /** The input for DeskService.list (validated by ListTipsQueryDto). */
  filters: Record<string, unknown>;
  cursor?: string;
  /** The cursors of the pages before this one (newest last), for the "newer" link. */
  back: string[];
}

export const QUEUE_PAGE_SIZE = 25;
// Enough "newer" steps for any real session; older history falls back to the first page.
const BACK_MAX = 20;
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;
const FORM_KEYS = ['q', 'status', 'channel', 'assignee', 'hasMedia', 'tag', 'from', 'to', 'sort', 'news'] as const;

/**
 * Reads the queue's address: the filter form's fields, plus `cursor` (this page) and `back`
 * (the pages before it). Anything unknown is dropped here; the values left are checked by
 * ListTipsQueryDto, like the JSON API's.
 */
export function parseQueueAddress(query: Record<string, unknown>): QueueAddress {
  const form: QueueFilterForm = {
    q: queryText(query.q, 200),
    status: queryText(query.status, 20) || 'open',
    channel: queryText(query.channel, 20),
    assignee: queryText(query.assignee, 40),
    hasMedia: queryText(query.hasMedia, 5),
    tag: queryText(query.tag, 40),
    from: queryText(query.from, 30),
    to: queryText(query.to, 30),
    sort: queryText(query.sort, 10) || 'newest',
    news: queryText(query.news, 20),
  };
  const statuses = form.status === 'open' ? [...OPEN_STATUSES] : form.status === 'all' ? undefined : [form.status];
  const filters: Record<string, unknown> = { sort: form.sort, limit: QUEUE_PAGE_SIZE };
  if (statuses) filters.status = statuses;
  for (const key of ['q', 'channel', 'assignee', 'hasMedia', 'tag', 'from', 'to', 'news'] as const) if (form[key]) filters[key] = form[key];
  return { form, filters, ...pagePosition(query) };
}

/** The queue's address for this form, at a page (no cursor: the first page). */
export function queueHref(form: QueueFilterForm, page: { cursor?: string; back?: string[] } = {}): string {
  const query = new URLSearchParams();
  for (const key of FORM_KEYS) {
    const value = form[key];
    const isDefault = (key === 'status' && value === 'open') || (key === 'sort' && value === 'newest');
    if (value && !isDefault) query.set(key, value);
  }
  setPosition(query, page);
  return query.size ? `/desk?${query}` : '/desk';
}

/** Links to the neighbouring pages: "older"/"newer" follow the sort (newest first: older is next). */
export function pagerLinks(address: QueueAddress, nextCursor: string | null): { nextHref?: string; previousHref?: string } {
  return keysetPager(address, nextCursor, (page) => queueHref(address.form, page));
}

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

/** A field the filter form's select accepts (a value outside its options is shown as the default). */
export const FILTER_CHOICES = {
  status: ['open', 'all', ...TIP_STATUSES],
  channel: ['', ...TIP_CHANNELS],
  hasMedia: ['', 'true', 'false'],
  sort: ['newest', 'oldest'],
  news: ['', ...NEWS_KINDS],
} as const;

/** The filter that an error from ListTipsQueryDto names, so it can be dropped and the rest still used. */
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
