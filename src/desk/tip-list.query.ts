import { afterCursor, cursorColumn } from '../http/keyset-page.js';
import type { TipChannel, TipStatus } from '../tips/tips.entities.js';
import type { TipListItemDto } from './dto/tip-list.dto.js';
import { PAGE_SIZE_DEFAULT, type ListTipsQueryDto } from './dto/tip-query.dto.js';
import { newsSql } from './tip-news.repository.js';

/*
 * The queue's query planner: the SQL of one page of tips for the filters an editor chose, kept
 * apart from the service so the unit tests and the benchmark (bench/desk-queue.mjs) can EXPLAIN
 * exactly what runs. DeskRepository.listPage sends it.
 */

export const SNIPPET_LENGTH = 200;
// Partial-word search uses at most this many words (each is one more trigram lookup); later words count in the full-text match only.
const PARTIAL_WORDS_MAX = 8;
// pg_trgm can only use its index for a word of three or more characters.
const TRIGRAM_MIN = 3;
// A search expected to match fewer tips than this sorts all its matches instead of walking the
// created_at index (see planTipList). Sorting 5,000 matches takes ~20 ms at any table size.
export const SORT_MATCHES_BELOW = 5_000;

/** How a page finds its rows (see tipListQuery). */
export type TipListStrategy = 'walk' | 'sort-matches';

/** The SQL of one queue page. */
export interface TipListQuery {
  sql: string;
  params: unknown[];
  /** Rows asked for: one more than the page, to know whether another page follows. */
  fetch: number;
  strategy: TipListStrategy;
}

/** One row of a queue page, as the statement returns it. */
export interface TipListRow {
  id: string;
  reference: string;
  status: TipStatus;
  channel: TipChannel;
  created_at: Date;
  cursor_at: string;
  snippet: string;
  location: string | null;
  contributor_name: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  priority: number;
  tags: string[];
  media_count: number;
  has_video: boolean;
  quarantined_signature: string | null;
  poster_media_id: string | null;
  poster_has_thumbnail: boolean | null;
  poster_duration: number | null;
  duplicate_of_id: string | null;
  version: number;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Words for the partial-word match: split on spaces, surrounding double quotes dropped, deduplicated. */
export function partialWords(q: string): string[] {
  const words = q
    .split(/\s+/)
    .map((word) => word.replace(/^"+|"+$/g, ''))
    .filter(Boolean);
  return [...new Set(words)].slice(0, PARTIAL_WORDS_MAX);
}

/** A date alone (`2026-05-31`) in `to` means the end of that day. */
function endOf(to: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : to;
}

/** The WHERE of a queue page (filters, search, cursor) and its parameters. */
function tipListConditions(filters: ListTipsQueryDto, staffId: string): { where: string; params: unknown[]; newest: boolean } {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where: string[] = [];
  const oneOrAny = (column: string, values: string[]) =>
    values.length === 1 ? `${column} = ${param(values[0])}` : `${column} = ANY(${param(values)}::text[])`;

  if (filters.status?.length) where.push(oneOrAny('t.status', filters.status));
  if (filters.channel?.length) where.push(oneOrAny('t.channel', filters.channel));
  if (filters.assignee === 'none') where.push('t.assignee_id IS NULL');
  else if (filters.assignee) where.push(`t.assignee_id = ${param(filters.assignee === 'me' ? staffId : filters.assignee)}::uuid`);
  // reads media: owner is media/ (whether a tip has files, for the filter)
  if (filters.hasMedia !== undefined) where.push(`${filters.hasMedia ? '' : 'NOT '}EXISTS (SELECT 1 FROM media m WHERE m.tip_id = t.id)`);
  if (filters.tag?.length) where.push(`t.tags @> ${param(filters.tag)}::text[]`);
  if (filters.from) where.push(`t.created_at >= ${param(filters.from)}::timestamptz`);
  if (filters.to) where.push(`t.created_at < ${param(endOf(filters.to))}::timestamptz`);
  if (filters.q) where.push(searchCondition(filters.q, param));
  // The few tips with this news for this editor, found first (two small partial indexes), then walked in order.
  if (filters.news) where.push(`t.id = ANY(ARRAY(SELECT news.tip_id FROM (${newsSql(param(staffId))}) news WHERE news.kind = ${param(filters.news)}))`);

  const newest = (filters.sort ?? 'newest') === 'newest';
  if (filters.cursor) where.push(afterCursor(filters.cursor, { at: 't.created_at', id: 't.id' }, param, newest ? 'DESC' : 'ASC'));
  return { where: where.length ? `WHERE ${where.join('\n         AND ')}` : '', params, newest };
}

/**
 * One queue page as one statement. The `page` part picks the page's tips in keyset order
 * (created_at, id); the rest adds names and media counts for those rows only.
 *
 * `walk` lets PostgreSQL walk ix_tips_created_at_id (or the status / assignee one) and stop
 * after `fetch` rows that pass the filters: right for the queue and for searches that match
 * many tips. `sort-matches` collects every match first (for a search: a BitmapOr of the
 * full-text, trigram and contributor-name indexes) and sorts them: right when few tips match.
 *
 * A read model across modules: reads contributors (owner is tips/), staff_users (owner is
 * staff/) and media (owner is media/) for the names and counts a queue row shows.
 */
export function tipListQuery(filters: ListTipsQueryDto, staffId: string, strategy: TipListStrategy = 'walk'): TipListQuery {
  const { where, params, newest } = tipListConditions(filters, staffId);
  const fetch = (filters.limit ?? PAGE_SIZE_DEFAULT) + 1;
  const direction = newest ? 'DESC' : 'ASC';
  const order = (table: string) => `${table}.created_at ${direction}, ${table}.id ${direction}`;
  const columns = `t.id, t.reference, t.status, t.channel, t.created_at, left(t.story, ${SNIPPET_LENGTH}) AS snippet, t.location,
             t.contributor_id, t.assignee_id, t.priority, t.tags, t.duplicate_of_id, t.version`;
  const page =
    strategy === 'walk'
      ? `page AS (
      SELECT ${columns}
        FROM tips t
       ${where}
       ORDER BY ${order('t')}
       LIMIT ${fetch}
    )`
      : `matches AS MATERIALIZED (
      SELECT ${columns}
        FROM tips t
       ${where}
    ),
    page AS (SELECT * FROM matches ORDER BY ${order('matches')} LIMIT ${fetch})`;
  const sql = `
    WITH ${page}
    SELECT page.*, ${cursorColumn('page.created_at')},
           c.name AS contributor_name, s.name AS assignee_name, m.media_count, m.has_video, m.quarantined_signature,
           v.poster_media_id, v.poster_has_thumbnail, v.poster_duration
      FROM page
      JOIN contributors c ON c.id = page.contributor_id
      LEFT JOIN staff_users s ON s.id = page.assignee_id
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS media_count, coalesce(bool_or(media.kind = 'video'), false) AS has_video,
               (array_agg(media.scan_signature ORDER BY media.created_at, media.id) FILTER (WHERE media.scan_state = 'infected'))[1] AS quarantined_signature
          FROM media WHERE media.tip_id = page.id
      ) m
      LEFT JOIN LATERAL (
        SELECT media.id AS poster_media_id, media.thumbnail_key IS NOT NULL AS poster_has_thumbnail,
               CASE WHEN jsonb_typeof(media.probe->'duration') = 'number' THEN (media.probe->>'duration')::float8 END AS poster_duration
          FROM media WHERE media.tip_id = page.id AND media.kind = 'video' AND media.state = 'ready' AND media.scan_state IS DISTINCT FROM 'infected'
         ORDER BY media.created_at, media.id LIMIT 1
      ) v ON true
     ORDER BY ${order('page')}`;
  return { sql, params, fetch, strategy };
}

/**
 * The statement for one queue page. PostgreSQL estimates well how many tips a search matches,
 * but under-costs walking the created_at index past the ones that do not (each costs a trigram
 * ILIKE): for a term in 0.3 % of a million tips it walked 15,000 rows (35–50 ms) where sorting
 * the 3,300 matches takes 15 ms. So a search first asks the planner for its estimate (one
 * EXPLAIN, about a millisecond) and sorts the matches itself when there are few; otherwise the
 * walk finds a page quickly anyway. `run` sends SQL (the repository's DataSource, or a bench's pg).
 */
export async function planTipList(
  filters: ListTipsQueryDto,
  staffId: string,
  run: (sql: string, params: unknown[]) => Promise<unknown[]>,
): Promise<TipListQuery> {
  if (!filters.q) return tipListQuery(filters, staffId, 'walk');
  const { where, params } = tipListConditions(filters, staffId);
  const [explained] = (await run(`EXPLAIN (FORMAT JSON) SELECT 1 FROM tips t ${where}`, params)) as { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[];
  const estimate = explained['QUERY PLAN'][0].Plan['Plan Rows'];
  return tipListQuery(filters, staffId, estimate < SORT_MATCHES_BELOW ? 'sort-matches' : 'walk');
}

/**
 * Full-text match, or every word (as part of a word) in the story, in the location, or in the
 * contributor's name. Words shorter than three characters cannot use a trigram index, so they
 * only filter the rows the longer words found; with no long word there is no partial match.
 */
function searchCondition(q: string, param: (value: unknown) => string): string {
  const arms = [`t.search_vector @@ websearch_to_tsquery('english', ${param(q)})`];
  const words = partialWords(q);
  if (words.some((w) => w.length >= TRIGRAM_MIN)) {
    const long = words.filter((w) => w.length >= TRIGRAM_MIN).map((w) => param(`%${escapeLike(w)}%`));
    const short = words.filter((w) => w.length < TRIGRAM_MIN).map((w) => param(w.toLowerCase()));
    const allIn = (column: string) => [...long.map((p) => `${column} ILIKE ${p}`), ...short.map((p) => `strpos(lower(${column}), ${p}) > 0`)].join(' AND ');
    arms.push(`(${allIn('t.story')})`, `(${allIn('t.location')})`);
    arms.push(`t.contributor_id = ANY(ARRAY(SELECT c.id FROM contributors c WHERE ${allIn('c.name')}))`);
  }
  return `(${arms.join('\n              OR ')})`;
}

/** A queue row as the page shows it (its news is added by the service). */
export function toListItem(row: TipListRow): Omit<TipListItemDto, 'news'> {
  return {
    id: row.id,
    reference: row.reference,
    status: row.status,
    channel: row.channel,
    createdAt: new Date(row.created_at).toISOString(),
    snippet: row.snippet.replace(/\s+/g, ' ').trim(),
    location: row.location,
    contributorName: row.contributor_name,
    assignee: row.assignee_id ? { id: row.assignee_id, name: row.assignee_name ?? '' } : null,
    priority: row.priority,
    tags: row.tags,
    mediaCount: row.media_count,
    hasVideo: row.has_video,
    quarantinedSignature: row.quarantined_signature,
    poster: row.poster_media_id
      ? {
          mediaId: row.poster_media_id,
          thumbnailUrl: row.poster_has_thumbnail ? `/api/media/${row.poster_media_id}/thumbnail` : null,
          duration: row.poster_duration,
        }
      : null,
    duplicateOfId: row.duplicate_of_id,
    version: row.version,
  };
}
