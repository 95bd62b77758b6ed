import { NEWS_KINDS } from '../../desk/tip-news.js';
import { OPEN_STATUSES } from '../../desk/tip-states.js';
import { TIP_CHANNELS, TIP_STATUSES } from '../../tips/tips.entities.js';
import { queryText } from '../shared/form-input.js';
import { keysetPager, pagePosition, setPosition } from '../shared/keyset-pager.js';

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

/** A field the filter form's select accepts (a value outside its options is shown as the default). */
export const FILTER_CHOICES = {
  status: ['open', 'all', ...TIP_STATUSES],
  channel: ['', ...TIP_CHANNELS],
  hasMedia: ['', 'true', 'false'],
  sort: ['newest', 'oldest'],
  news: ['', ...NEWS_KINDS],
} as const;
