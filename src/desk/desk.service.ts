import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type AuditRecord } from '../audit/audit.service.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { ConflictError, DomainError, NotFoundError } from '../http/errors.js';
import { cursorTimestampSql, decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';
import type { MediaKind, MediaScanState, MediaState } from '../media/media.entities.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { StaffPrincipal } from '../staff/access.js';
import { StaffService } from '../staff/staff.service.js';
import { normaliseReference, REFERENCE_PATTERN } from '../tips/reference-codes.js';
import { TIP_STATUSES, type Licence, type TipChannel, type TipStatus } from '../tips/tips.entities.js';
import { NOTE_MAX_LENGTH, type MessageDirection } from './desk.entities.js';
import type { CreateMessageDto, CreateNoteDto, MessageDto, NoteDto } from './dto/conversation.dto.js';
import type { TipDetailDto } from './dto/tip-detail.dto.js';
import type { TipListItemDto, TipPageDto } from './dto/tip-list.dto.js';
import { PAGE_SIZE_DEFAULT, type ListTipsQueryDto } from './dto/tip-query.dto.js';
import type { UpdateTipDto } from './dto/update-tip.dto.js';
import { isTipStatus, nextStatuses, transitionProblem } from './tip-states.js';
import { newsSql, TipNewsRepository } from './tip-news.repository.js';
import type { NewsCounts } from './tip-news.js';

export const SNIPPET_LENGTH = 200;
// Partial-word search uses at most this many words (each is one more trigram lookup); later words count in the full-text match only.
const PARTIAL_WORDS_MAX = 8;
// pg_trgm can only use its index for a word of three or more characters.
const TRIGRAM_MIN = 3;
// A search expected to match fewer tips than this sorts all its matches instead of walking the
// created_at index (see planTipList). Sorting 5,000 matches takes ~20 ms at any table size.
export const SORT_MATCHES_BELOW = 5_000;
// Serialises "mark as duplicate" so two editors cannot close a cycle between them.
const DUPLICATE_LINKS_LOCK = 0x74697064;

export class TipNotFoundError extends NotFoundError {
  constructor() {
    super('TIP_NOT_FOUND', 'There is no tip with that id.');
  }
}

/** 409 carrying the tip as it is now, so the editor can see what changed and try again. */
export class StaleTipVersionError extends ConflictError {
  override readonly details: { current: TipDetailDto };

  constructor(current: TipDetailDto) {
    super(
      'TIP_STALE_VERSION',
      `Someone changed this tip since you opened it (it is now at version ${current.version}). Check the current state and try again.`,
    );
    this.details = { current };
  }
}

export class IllegalTransitionError extends ConflictError {
  override readonly details: { from: TipStatus; to: TipStatus; allowed: readonly TipStatus[] };

  constructor(from: TipStatus, to: TipStatus) {
    super('TIP_ILLEGAL_TRANSITION', transitionProblem(from, to) ?? `A tip cannot go from ${from} to ${to}.`);
    this.details = { from, to, allowed: nextStatuses(from) };
  }
}

/** A status the tip state machine does not know: refused like an illegal move, with where the tip may go. */
export class UnknownStatusError extends ConflictError {
  override readonly details: { from: TipStatus; to: string; allowed: readonly TipStatus[]; statuses: readonly TipStatus[] };

  constructor(from: TipStatus, to: string) {
    const allowed = nextStatuses(from);
    super(
      'TIP_UNKNOWN_STATUS',
      `There is no status ${JSON.stringify(to)}: a tip's statuses are ${TIP_STATUSES.join(', ')}. From ${from} it may go to ${allowed.join(', ')}.`,
    );
    this.details = { from, to, allowed, statuses: TIP_STATUSES };
  }
}

/** How a page finds its rows (see tipListQuery). */
export type TipListStrategy = 'walk' | 'sort-matches';

/** The SQL of one queue page, built apart from the service so the benchmark can EXPLAIN exactly what runs. */
export interface TipListQuery {
  sql: string;
  params: unknown[];
  /** Rows asked for: one more than the page, to know whether another page follows. */
  fetch: number;
  strategy: TipListStrategy;
}

interface TipListRow {
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

interface TipStateRow {
  status: TipStatus;
  assignee_id: string | null;
  tags: string[];
  priority: number;
  duplicate_of_id: string | null;
  version: number;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const iso = (value: Date | string) => new Date(value).toISOString();
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

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
  if (filters.hasMedia !== undefined) where.push(`${filters.hasMedia ? '' : 'NOT '}EXISTS (SELECT 1 FROM media m WHERE m.tip_id = t.id)`);
  if (filters.tag?.length) where.push(`t.tags @> ${param(filters.tag)}::text[]`);
  if (filters.from) where.push(`t.created_at >= ${param(filters.from)}::timestamptz`);
  if (filters.to) where.push(`t.created_at < ${param(endOf(filters.to))}::timestamptz`);
  if (filters.q) where.push(searchCondition(filters.q, param));
  // The few tips with this news for this editor, found first (two small partial indexes), then walked in order.
  if (filters.news) where.push(`t.id = ANY(ARRAY(SELECT news.tip_id FROM (${newsSql(param(staffId))}) news WHERE news.kind = ${param(filters.news)}))`);

  const newest = (filters.sort ?? 'newest') === 'newest';
  if (filters.cursor) {
    const cursor = decodeKeysetCursor(filters.cursor);
    where.push(`(t.created_at, t.id) ${newest ? '<' : '>'} (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);
  }
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
    SELECT page.*, ${cursorTimestampSql('page.created_at')} AS cursor_at,
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
 * walk finds a page quickly anyway. `run` sends SQL (the service's DataSource, or a bench's pg).
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

/**
 * The editors' desk: the queue, one tip in full, claiming, and the changes an editor makes.
 * Every change is a compare-and-set on the tip's version with its audit events in the same
 * transaction. Methods take the signed-in staff member first, for the API and the web pages alike.
 */
@Injectable()
export class DeskService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cipher: FieldCipher,
    private readonly staff: StaffService,
    private readonly notifications: NotificationsService,
    private readonly news: TipNewsRepository,
  ) {}

  async list(staff: StaffPrincipal, filters: ListTipsQueryDto): Promise<TipPageDto> {
    const { sql, params, fetch } = await planTipList(filters, staff.id, (text, values) => this.dataSource.query(text, values));
    const rows = await this.dataSource.query<TipListRow[]>(sql, params);
    const more = rows.length === fetch;
    const items = rows.slice(0, fetch - 1);
    const last = items.at(-1);
    const news = await this.news.forTips(
      staff.id,
      items.map((row) => row.id),
    );
    return {
      items: items.map((row) => ({ ...toListItem(row), news: news.get(row.id) ?? [] })),
      nextCursor: more && last ? encodeKeysetCursor({ at: last.cursor_at, id: last.id }) : null,
    };
  }

  async detail(_staff: StaffPrincipal, id: string, manager: EntityManager = this.dataSource.manager): Promise<TipDetailDto> {
    const [tip] = await manager.query(
      `SELECT t.id, t.reference, t.status, t.channel, t.story, t.location, t.occurred_at, t.priority, t.tags, t.version,
              t.created_at, t.updated_at, t.contributor_id, c.name AS contributor_name, c.email_encrypted, c.phone_encrypted,
              t.assignee_id, s.name AS assignee_name, t.duplicate_of_id, d.reference AS duplicate_of_reference, d.status AS duplicate_of_status
         FROM tips t
         JOIN contributors c ON c.id = t.contributor_id
         LEFT JOIN staff_users s ON s.id = t.assignee_id
         LEFT JOIN tips d ON d.id = t.duplicate_of_id
        WHERE t.id = $1`,
      [id],
    );
    if (!tip) throw new TipNotFoundError();
    const consents = await manager.query(
      `SELECT id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at
         FROM consents WHERE tip_id = $1 ORDER BY accepted_at, id`,
      [id],
    );
    const media = await manager.query(
      `SELECT id, display_filename, sniffed_type, kind, size_bytes, sha256, state, probe,
              thumbnail_key IS NOT NULL AND scan_state IS DISTINCT FROM 'infected' AS has_thumbnail,
              scan_state, scan_signature, scan_note, scanned_at, created_at
         FROM media WHERE tip_id = $1 ORDER BY created_at, id`,
      [id],
    );
    const duplicateHints = await manager.query(
      `SELECT o.id, o.reference, o.status, count(DISTINCT mine.sha256)::int AS shared_files
         FROM media mine
         JOIN media theirs ON theirs.sha256 = mine.sha256 AND theirs.tip_id <> mine.tip_id
         JOIN tips o ON o.id = theirs.tip_id
        WHERE mine.tip_id = $1
        GROUP BY o.id, o.reference, o.status, o.created_at
        ORDER BY o.created_at, o.id`,
      [id],
    );
    const notes = await manager.query(
      `SELECT n.id, n.tip_id, n.body, n.author_id, s.name AS author_name, n.created_at
         FROM notes n LEFT JOIN staff_users s ON s.id = n.author_id
        WHERE n.tip_id = $1 ORDER BY n.created_at, n.id`,
      [id],
    );
    const messages = await manager.query(
      `SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at
         FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
        WHERE m.tip_id = $1 ORDER BY m.created_at, m.id`,
      [id],
    );
    // channel_pending_media is the channels module's; read here (read-only) because the channels
    // module builds on this one, not the other way round.
    const pendingMedia = await manager.query(
      `SELECT id, channel, filename, attempts, next_attempt_at, last_error_code, created_at
         FROM channel_pending_media WHERE tip_id = $1 ORDER BY created_at, id`,
      [id],
    );
    const history = await this.audit.forEntity('tip', id);
    return {
      id: tip.id,
      reference: tip.reference,
      status: tip.status,
      allowedStatuses: [...nextStatuses(tip.status)],
      channel: tip.channel,
      story: tip.story,
      location: tip.location,
      occurredAt: tip.occurred_at ? iso(tip.occurred_at) : null,
      contributor: {
        id: tip.contributor_id,
        name: tip.contributor_name,
        email: tip.email_encrypted ? this.cipher.decrypt(tip.email_encrypted) : null,
        phone: tip.phone_encrypted ? this.cipher.decrypt(tip.phone_encrypted) : null,
      },
      assignee: tip.assignee_id ? { id: tip.assignee_id, name: tip.assignee_name } : null,
      priority: tip.priority,
      tags: tip.tags,
      duplicateOfId: tip.duplicate_of_id,
      duplicateOf: tip.duplicate_of_id ? { id: tip.duplicate_of_id, reference: tip.duplicate_of_reference, status: tip.duplicate_of_status } : null,
      duplicateHints: duplicateHints.map((h: { id: string; reference: string; status: TipStatus; shared_files: number }) => ({
        id: h.id,
        reference: h.reference,
        status: h.status,
        sharedFiles: h.shared_files,
      })),
      consents: consents.map((c: ConsentRow) => ({
        id: c.id,
        termsVersion: c.terms_version,
        termsSha256: c.terms_sha256,
        licence: c.licence,
        ownWork: c.own_work,
        over18: c.over18,
        creditName: c.credit_name,
        anonymous: c.anonymous,
        channel: c.channel,
        acceptedAt: iso(c.accepted_at),
      })),
      media: media.map((m: MediaRow) => ({
        id: m.id,
        displayFilename: m.display_filename,
        sniffedType: m.sniffed_type,
        kind: m.kind,
        sizeBytes: Number(m.size_bytes),
        sha256: m.sha256,
        state: m.state,
        probe: m.probe,
        hasThumbnail: m.has_thumbnail,
        contentUrl: `/api/media/${m.id}/content`,
        scanState: m.scan_state,
        scanSignature: m.scan_signature,
        scanNote: m.scan_note,
        scannedAt: m.scanned_at ? iso(m.scanned_at) : null,
        createdAt: iso(m.created_at),
      })),
      pendingMedia: pendingMedia.map((p: PendingMediaRow) => ({
        id: p.id,
        channel: p.channel,
        filename: p.filename,
        attempts: p.attempts,
        retrying: p.next_attempt_at !== null,
        nextAttemptAt: p.next_attempt_at ? iso(p.next_attempt_at) : null,
        lastErrorCode: p.last_error_code,
        createdAt: iso(p.created_at),
      })),
      notes: notes.map(toNote),
      messages: messages.map(toMessage),
      history,
      version: tip.version,
      createdAt: iso(tip.created_at),
      updatedAt: iso(tip.updated_at),
    };
  }

  /** How many tips have each kind of news for this editor since they last opened them (the nav's counts). */
  async newsCounts(staff: StaffPrincipal): Promise<NewsCounts> {
    return this.news.counts(staff.id);
  }

  /** The editor has the tip open: what happened on it so far is no longer news to them. */
  async markSeen(staff: StaffPrincipal, tipId: string): Promise<void> {
    await this.news.markSeen(staff.id, tipId);
  }

  /** Each tip's reference and contributor's name, in one query (accounting's payout rows). */
  async tipSummaries(ids: readonly string[]): Promise<Map<string, { reference: string; contributorName: string | null }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<{ id: string; reference: string; contributor_name: string | null }[]>(
      `SELECT t.id, t.reference, c.name AS contributor_name FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.id = ANY($1::uuid[])`,
      [[...ids]],
    );
    return new Map(rows.map((r) => [r.id, { reference: r.reference, contributorName: r.contributor_name }]));
  }

  /** Gives the caller the oldest unclaimed new tip; concurrent callers each get a different one (SKIP LOCKED). */
  /** The id of the tip with the reference an editor typed (any case, spaces), or undefined. */
  async tipIdByReference(typed: string): Promise<string | undefined> {
    const reference = normaliseReference(typed.slice(0, 30));
    if (!REFERENCE_PATTERN.test(reference)) return undefined;
    const [row] = await this.dataSource.query<{ id: string }[]>(`SELECT id FROM tips WHERE reference = $1`, [reference]);
    return row?.id;
  }

  async claimNext(staff: StaffPrincipal): Promise<TipDetailDto> {
    const tipId = await this.dataSource.transaction(async (manager) => {
      const [claimed] = await updateReturning<{ id: string }>(
        manager,
        `UPDATE tips SET assignee_id = $1, status = 'in_review', version = version + 1, updated_at = now()
          WHERE id = (SELECT id FROM tips WHERE status = 'new' AND assignee_id IS NULL
                       ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [staff.id],
      );
      if (!claimed) throw new NotFoundError('QUEUE_EMPTY', 'No new tips are waiting to be claimed. Check back soon.');
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.claimed',
        entityType: 'tip',
        entityId: claimed.id,
        before: { status: 'new', assigneeId: null },
        after: { status: 'in_review', assigneeId: staff.id },
      });
      return claimed.id;
    });
    return this.detail(staff, tipId);
  }

  /**
   * Applies what the editor changed, if `version` is still the tip's version. Each changed
   * aspect (status, assignee, tags, priority, duplicate) is its own audit event.
   */
  async update(staff: StaffPrincipal, id: string, changes: UpdateTipDto): Promise<TipDetailDto> {
    await this.dataSource.transaction(async (manager) => {
      const [current] = await manager.query<TipStateRow[]>(`SELECT status, assignee_id, tags, priority, duplicate_of_id, version FROM tips WHERE id = $1`, [
        id,
      ]);
      if (!current) throw new TipNotFoundError();
      if (current.version !== changes.version) throw new StaleTipVersionError(await this.detail(staff, id, manager));

      const set: string[] = [];
      const params: unknown[] = [id, changes.version];
      const events: AuditRecord[] = [];
      const change = (column: string, value: unknown, action: string, key: string, before: unknown) => {
        set.push(`${column} = $${params.push(value)}`);
        events.push({
          actorType: 'staff',
          actorId: staff.id,
          action,
          entityType: 'tip',
          entityId: id,
          before: { [key]: before },
          after: { [key]: value },
        });
      };

      if (changes.status !== undefined && !isTipStatus(changes.status)) throw new UnknownStatusError(current.status, changes.status);
      if (changes.status !== undefined && changes.status !== current.status) {
        if (transitionProblem(current.status, changes.status)) throw new IllegalTransitionError(current.status, changes.status);
        change('status', changes.status, 'tip.status_changed', 'status', current.status);
      }
      if (changes.assigneeId !== undefined && changes.assigneeId !== current.assignee_id) {
        if (changes.assigneeId !== null) await this.checkAssignable(changes.assigneeId);
        change('assignee_id', changes.assigneeId, 'tip.assigned', 'assigneeId', current.assignee_id);
      }
      if (changes.tags !== undefined && !sameSet(changes.tags, current.tags)) {
        change('tags', changes.tags, 'tip.tags_changed', 'tags', current.tags);
      }
      if (changes.priority !== undefined && changes.priority !== current.priority) {
        change('priority', changes.priority, 'tip.priority_changed', 'priority', current.priority);
      }
      if (changes.duplicateOfId !== undefined && changes.duplicateOfId !== current.duplicate_of_id) {
        if (changes.duplicateOfId !== null) await this.checkDuplicateLink(manager, id, changes.duplicateOfId);
        change('duplicate_of_id', changes.duplicateOfId, 'tip.marked_duplicate', 'duplicateOfId', current.duplicate_of_id);
      }
      if (set.length === 0) return;

      const updated = await updateReturning(
        manager,
        `UPDATE tips SET ${set.join(', ')}, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id`,
        params,
      );
      // Someone else's change committed between our read and this write.
      if (updated.length === 0) throw new StaleTipVersionError(await this.detail(staff, id, manager));
      for (const event of events) await this.audit.record(manager, event);
    });
    return this.detail(staff, id);
  }

  async addNote(staff: StaffPrincipal, tipId: string, input: CreateNoteDto): Promise<NoteDto> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(
        `INSERT INTO notes (tip_id, author_id, body) SELECT id, $2, $3 FROM tips WHERE id = $1
         RETURNING id, tip_id, body, author_id, created_at`,
        [tipId, staff.id, input.body],
      );
      if (!row) throw new TipNotFoundError();
      // The note's text stays out of the audit trail (and so out of every log).
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.note_added',
        entityType: 'tip',
        entityId: tipId,
        after: { noteId: row.id },
      });
      return toNote({ ...row, author_name: staff.name });
    });
  }

  /** A message to the contributor, on the tip's own channel; they read it on the status page. */
  async sendMessage(staff: StaffPrincipal, tipId: string, input: CreateMessageDto): Promise<MessageDto> {
    const message = await this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(
        `INSERT INTO messages (tip_id, direction, author_id, channel, body)
         SELECT id, 'to_contributor', $2, channel, $3 FROM tips WHERE id = $1
         RETURNING id, tip_id, direction, channel, body, author_id, created_at`,
        [tipId, staff.id, input.body],
      );
      if (!row) throw new TipNotFoundError();
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.message_sent',
        entityType: 'tip',
        entityId: tipId,
        after: { messageId: row.id, channel: row.channel },
      });
      return toMessage({ ...row, author_name: staff.name });
    });
    // After the commit, in the background: a delivery that fails never undoes or delays the message.
    // NotificationsService picks the way out by the tip's channel (a link by mail, or the text itself by email/WhatsApp).
    void this.notifications.messageSent(tipId, { id: message.id });
    return message;
  }

  /**
   * A message from the contributor (their status page), on the tip's own channel. The caller
   * passes its transaction and writes its own audit event in it.
   */
  async recordContributorMessage(tipId: string, body: string, manager: EntityManager = this.dataSource.manager): Promise<MessageDto> {
    const [row] = await manager.query(
      `INSERT INTO messages (tip_id, direction, author_id, channel, body)
       SELECT id, 'from_contributor', NULL, channel, $2 FROM tips WHERE id = $1
       RETURNING id, tip_id, direction, channel, body, author_id, created_at`,
      [tipId, body],
    );
    if (!row) throw new TipNotFoundError();
    return toMessage({ ...row, author_name: null });
  }

  /**
   * A note tipdesk itself writes (author null; the desk shows it as "tipdesk"): what a channel
   * could not take, say. In the caller's transaction; never in the audit trail's text.
   */
  async addSystemNote(manager: EntityManager, tipId: string, body: string): Promise<NoteDto> {
    const [row] = await manager.query(`INSERT INTO notes (tip_id, author_id, body) VALUES ($1, NULL, $2) RETURNING id, tip_id, body, author_id, created_at`, [
      tipId,
      body.slice(0, NOTE_MAX_LENGTH),
    ]);
    return toNote({ ...row, author_name: null });
  }

  /** Tips go to active editors and admins only. */
  private async checkAssignable(staffId: string): Promise<void> {
    const person = await this.staff.findById(staffId);
    const problem =
      person.disabledAt !== null
        ? 'This staff account is disabled'
        : person.role !== 'editor' && person.role !== 'admin'
          ? 'Only editors and admins can be given tips'
          : undefined;
    if (problem) throw new DomainError(HttpStatus.BAD_REQUEST, 'ASSIGNEE_NOT_ASSIGNABLE', `${problem}.`, { assigneeId: [problem] });
  }

  /** `tipId` may repeat another existing tip, as long as following the links never leads back to it. */
  private async checkDuplicateLink(manager: EntityManager, tipId: string, duplicateOfId: string): Promise<void> {
    if (duplicateOfId === tipId) {
      throw new DomainError(HttpStatus.BAD_REQUEST, 'DUPLICATE_OF_ITSELF', 'A tip cannot be a duplicate of itself.', {
        duplicateOfId: ['A tip cannot be a duplicate of itself'],
      });
    }
    await manager.query(`SELECT pg_advisory_xact_lock($1)`, [DUPLICATE_LINKS_LOCK]);
    const [target] = await manager.query(`SELECT id FROM tips WHERE id = $1`, [duplicateOfId]);
    if (!target) {
      throw new DomainError(HttpStatus.BAD_REQUEST, 'DUPLICATE_OF_UNKNOWN_TIP', 'There is no tip with that id to mark this one a duplicate of.', {
        duplicateOfId: ['There is no tip with this id'],
      });
    }
    const [{ cycle }] = await manager.query(
      `WITH RECURSIVE chain(id) AS (
         SELECT $2::uuid
         UNION
         SELECT t.duplicate_of_id FROM tips t JOIN chain ON t.id = chain.id WHERE t.duplicate_of_id IS NOT NULL
       )
       SELECT EXISTS (SELECT 1 FROM chain WHERE id = $1) AS cycle`,
      [tipId, duplicateOfId],
    );
    if (cycle) {
      throw new ConflictError('TIP_DUPLICATE_CYCLE', 'That tip is already (through others) a duplicate of this one: the links would go round in a circle.');
    }
  }
}

/** TypeORM answers an UPDATE with `[rows, rowCount]` instead of the rows. */
async function updateReturning<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = await manager.query<[T[], number]>(sql, params);
  return rows;
}

interface ConsentRow {
  id: string;
  terms_version: string;
  terms_sha256: string;
  licence: Licence;
  own_work: boolean;
  over18: boolean;
  credit_name: string | null;
  anonymous: boolean;
  channel: TipChannel;
  accepted_at: Date;
}
interface MediaRow {
  id: string;
  display_filename: string;
  sniffed_type: string;
  kind: MediaKind;
  size_bytes: string;
  sha256: string;
  state: MediaState;
  probe: Record<string, unknown> | null;
  has_thumbnail: boolean;
  scan_state: MediaScanState | null;
  scan_signature: string | null;
  scan_note: string | null;
  scanned_at: Date | null;
  created_at: Date;
}
interface NoteRow {
  id: string;
  tip_id: string;
  body: string;
  author_id: string | null;
  author_name: string | null;
  created_at: Date;
}
interface PendingMediaRow {
  id: string;
  channel: TipChannel;
  filename: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  last_error_code: string | null;
  created_at: Date;
}
interface MessageRow {
  id: string;
  tip_id: string;
  direction: MessageDirection;
  channel: TipChannel;
  body: string;
  author_id: string | null;
  author_name: string | null;
  created_at: Date;
}

function toListItem(row: TipListRow): Omit<TipListItemDto, 'news'> {
  return {
    id: row.id,
    reference: row.reference,
    status: row.status,
    channel: row.channel,
    createdAt: iso(row.created_at),
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

function toNote(row: NoteRow): NoteDto {
  return {
    id: row.id,
    tipId: row.tip_id,
    body: row.body,
    author: row.author_id ? { id: row.author_id, name: row.author_name ?? '' } : null,
    createdAt: iso(row.created_at),
  };
}

function toMessage(row: MessageRow): MessageDto {
  return {
    id: row.id,
    tipId: row.tip_id,
    direction: row.direction,
    channel: row.channel,
    body: row.body,
    author: row.author_id ? { id: row.author_id, name: row.author_name ?? '' } : null,
    createdAt: iso(row.created_at),
  };
}
