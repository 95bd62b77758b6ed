import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import { afterCursor, cursorColumn, keysetPage, type KeysetPage } from '../http/keyset-page.js';
import type { TipChannel } from '../tips/tips.entities.js';
import { NOTE_MAX_LENGTH, type MessageDirection } from './desk.entities.js';
import type { MessageDto, NoteDto } from './dto/conversation.dto.js';
import type { TipListItemDto } from './dto/tip-list.dto.js';
import type { ListTipsQueryDto } from './dto/tip-query.dto.js';
import { planTipList, toListItem, type TipListRow } from './tip-list.query.js';

export interface NoteRow {
  id: string;
  tip_id: string;
  body: string;
  author_id: string | null;
  author_name: string | null;
  created_at: Date;
}

export interface MessageRow {
  id: string;
  tip_id: string;
  direction: MessageDirection;
  channel: TipChannel;
  body: string;
  author_id: string | null;
  author_name: string | null;
  created_at: Date;
}

export function toNote(row: NoteRow): NoteDto {
  return {
    id: row.id,
    tipId: row.tip_id,
    body: row.body,
    author: row.author_id ? { id: row.author_id, name: row.author_name ?? '' } : null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function toMessage(row: MessageRow): MessageDto {
  return {
    id: row.id,
    tipId: row.tip_id,
    direction: row.direction,
    channel: row.channel,
    body: row.body,
    author: row.author_id ? { id: row.author_id, name: row.author_name ?? '' } : null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * The desk's own tables (notes, messages) and the queue page. A note or message is written only
 * if its tip exists, in the same statement (reads tips: owner is tips/).
 */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: {
    tips: 'the queue page is a page of tips, and a note or message is written only if its tip exists, in one statement',
    contributors: "the queue's contributor name column, joined for the page's 50 rows",
    media: "the queue's file count, video flag, quarantine mark and poster, one LATERAL per row (bench:desk: p95 at 1M tips)",
    staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)',
  },
})
export class DeskRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One queue page (see tip-list.query.ts for how its statement is planned). */
  @GenerateSql(
    { name: 'listPage (the queue)', params: [{ status: ['new'] }, SQL_ID] },
    { name: 'listPage (a search)', params: [{ q: 'flood', sort: 'oldest' }, SQL_ID] },
  )
  async listPage(filters: ListTipsQueryDto, staffId: string): Promise<KeysetPage<Omit<TipListItemDto, 'news'>>> {
    const { sql, params, fetch } = await planTipList(filters, staffId, (text, values) => this.dataSource.query(text, values));
    const rows = await this.dataSource.query<TipListRow[]>(sql, params);
    return keysetPage(rows, fetch - 1, toListItem);
  }

  /** Undefined when there is no such tip. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SQL_ID_2, 'A note'] })
  async insertNote(manager: EntityManager, tipId: string, authorId: string, body: string): Promise<Omit<NoteRow, 'author_name'> | undefined> {
    const [row] = await manager.query<Omit<NoteRow, 'author_name'>[]>(
      `INSERT INTO notes (tip_id, author_id, body) SELECT id, $2, $3 FROM tips WHERE id = $1 AND status <> 'erased'
       RETURNING id, tip_id, body, author_id, created_at`,
      [tipId, authorId, body],
    );
    return row;
  }

  /** A note tipdesk itself writes (no author), cut to the longest a note may be. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'A note'] })
  async insertSystemNote(manager: EntityManager, tipId: string, body: string): Promise<NoteRow> {
    const [row] = await manager.query<Omit<NoteRow, 'author_name'>[]>(
      `INSERT INTO notes (tip_id, author_id, body) VALUES ($1, NULL, $2) RETURNING id, tip_id, body, author_id, created_at`,
      [tipId, body.slice(0, NOTE_MAX_LENGTH)],
    );
    return { ...row, author_name: null };
  }

  /** A message on the tip's own channel; undefined when there is no such tip or it is erased. `authorId` is null for the contributor's. */
  @GenerateSql(
    { name: 'insertMessage (to the contributor)', params: [SQL_MANAGER, SQL_ID, 'to_contributor', SQL_ID_2, 'A message'] },
    { name: 'insertMessage (from the contributor)', params: [SQL_MANAGER, SQL_ID, 'from_contributor', null, 'A reply'] },
  )
  async insertMessage(
    manager: EntityManager,
    tipId: string,
    direction: MessageDirection,
    authorId: string | null,
    body: string,
  ): Promise<Omit<MessageRow, 'author_name'> | undefined> {
    const [row] = await manager.query<Omit<MessageRow, 'author_name'>[]>(
      `INSERT INTO messages (tip_id, direction, author_id, channel, body)
       SELECT id, $2, $3, channel, $4 FROM tips WHERE id = $1 AND status <> 'erased'
       RETURNING id, tip_id, direction, channel, body, author_id, created_at`,
      [tipId, direction, authorId, body],
    );
    return row;
  }

  /** The conversation as the contributor sees it: no authors, no ids. */
  @GenerateSql({ params: [SQL_ID] })
  async conversationForContributor(tipId: string): Promise<{ direction: MessageDirection; body: string; createdAt: string }[]> {
    const rows = await this.dataSource.query<{ direction: MessageDirection; body: string; created_at: Date }[]>(
      `SELECT direction, body, created_at FROM messages WHERE tip_id = $1 ORDER BY created_at, id`,
      [tipId],
    );
    return rows.map((m) => ({ direction: m.direction, body: m.body, createdAt: m.created_at.toISOString() }));
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async notes(manager: EntityManager, tipId: string): Promise<NoteDto[]> {
    // reads staff_users: owner is staff/ (the author's name)
    const rows = await manager.query<NoteRow[]>(
      `SELECT n.id, n.tip_id, n.body, n.author_id, s.name AS author_name, n.created_at
         FROM notes n LEFT JOIN staff_users s ON s.id = n.author_id
        WHERE n.tip_id = $1 ORDER BY n.created_at, n.id`,
      [tipId],
    );
    return rows.map(toNote);
  }

  /**
   * One page of a tip's conversation, newest first, before `cursor` (a `nextCursor` of the page
   * after it): `items` oldest first as the page shows them, `nextCursor` the older page's.
   */
  @GenerateSql(
    { name: 'messagePage (newest)', params: [SQL_MANAGER, SQL_ID, 50, undefined] },
    {
      name: 'messagePage (older)',
      params: [SQL_MANAGER, SQL_ID, 50, 'MjAyNi0xMi0wN1QxMjowMDowMC4wMDAwMDBaLzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMQ'],
    },
  )
  async messagePage(manager: EntityManager, tipId: string, limit: number, cursor?: string): Promise<KeysetPage<MessageDto>> {
    const params: unknown[] = [tipId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const before = cursor ? `AND ${afterCursor(cursor, { at: 'm.created_at', id: 'm.id' }, param)}` : '';
    // reads staff_users: owner is staff/ (the author's name)
    const rows = await manager.query<(MessageRow & { cursor_at: string })[]>(
      `SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at, ${cursorColumn('m.created_at')}
         FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
        WHERE m.tip_id = $1 ${before}
        ORDER BY m.created_at DESC, m.id DESC
        LIMIT ${param(limit + 1)}`,
      params,
    );
    const page = keysetPage(rows, limit, toMessage);
    return { items: page.items.reverse(), nextCursor: page.nextCursor };
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async messages(manager: EntityManager, tipId: string): Promise<MessageDto[]> {
    // reads staff_users: owner is staff/ (the author's name)
    const rows = await manager.query<MessageRow[]>(
      `SELECT m.id, m.tip_id, m.direction, m.channel, m.body, m.author_id, s.name AS author_name, m.created_at
         FROM messages m LEFT JOIN staff_users s ON s.id = m.author_id
        WHERE m.tip_id = $1 ORDER BY m.created_at, m.id`,
      [tipId],
    );
    return rows.map(toMessage);
  }
  /**
   * Erasure's part in desk/: the tip's messages go (both directions: an editor's question quotes
   * what it asks about) and every note's text is replaced, since a note may quote the contributor.
   */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async eraseConversation(manager: EntityManager, tipId: string): Promise<{ messages: number; notes: number }> {
    const [, messages] = await manager.query<[unknown[], number]>(`DELETE FROM messages WHERE tip_id = $1`, [tipId]);
    const [, notes] = await manager.query<[unknown[], number]>(`UPDATE notes SET body = '(removed when the tip was erased)' WHERE tip_id = $1`, [tipId]);
    return { messages, notes };
  }
}
