import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import { afterCursor, cursorColumn, keysetPage, type KeysetPage } from '../http/keyset-page.js';
import type { AuditActorType } from './audit.entities.js';
import type { AuditEventDto, AuditEventPageDto, AuditEventsQueryDto } from './dto/audit-events.dto.js';
import { CHAIN_SELECT } from './event-chain.js';

/** One audit event to append. */
export interface AuditRecord {
  actorType: AuditActorType;
  actorId?: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

interface AuditEventRow {
  id: string;
  at: Date;
  cursor_at: string;
  actor_type: AuditActorType;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

// staff_users belongs to the staff module; this read-only join only puts a name to an actor id
// for display (a name changed later shows the current one, as the desk would).
const EVENT_COLUMNS = `
  e.id, e.at, ${cursorColumn('e.at')}, e.actor_type, e.actor_id, s.name AS actor_name,
  e.action, e.entity_type, e.entity_id, e.before, e.after`;
const EVENTS_WITH_ACTORS = `audit_events e LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id = e.actor_id`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `q` as a LIKE pattern that matches it literally (`%`, `_` and `\` are not wildcards). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A date alone means the whole UTC day: from its midnight, or up to the next midnight. */
function startOf(from: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(from) ? `${from}T00:00:00Z` : from;
}
function endOf(to: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : to;
}

function toDto(row: AuditEventRow): AuditEventDto {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before,
    after: row.after,
  };
}

/** The audit_events table and the chains' head row (event_chain_head): appends, reads, the log's search and the export's cursor. */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: { staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)' },
})
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Written with the caller's manager, so the event commits (or not) with the change it records.
   * One statement moves the chain's head (its row lock serialises appends until this transaction
   * ends) and inserts the event linked to the head it replaced (event-chain.ts).
   */
  @GenerateSql({ params: [SQL_MANAGER, { actorType: 'system', action: 'example.done', entityType: 'tip', entityId: SQL_ID }] })
  async append(manager: EntityManager, event: AuditRecord): Promise<void> {
    const rows = await manager.query<{ seq: string }[]>(
      `WITH head AS (
         UPDATE event_chain_head SET audit_seq = audit_seq + 1, audit_prev_hash = audit_hash,
                audit_hash = tipdesk_chain_hash(audit_hash, audit_event_canonical(audit_seq + 1, $1::uuid, now(), $2::text, $3::uuid, $4::text, $5::text, $6::uuid, $7::jsonb, $8::jsonb))
          WHERE id = 1
         RETURNING audit_seq, audit_prev_hash, audit_hash)
       INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
       SELECT $1::uuid, now(), $2::text, $3::uuid, $4::text, $5::text, $6::uuid, $7::jsonb, $8::jsonb, audit_seq, audit_prev_hash, audit_hash FROM head
       RETURNING seq`,
      [
        randomUUID(),
        event.actorType,
        event.actorId ?? null,
        event.action,
        event.entityType,
        event.entityId,
        event.before ? JSON.stringify(event.before) : null,
        event.after ? JSON.stringify(event.after) : null,
      ],
    );
    if (rows.length !== 1) throw new Error('The audit chain has no head row (event_chain_head): the event was not written');
  }

  /** Takes the chains' head for the rest of the caller's transaction. */
  @GenerateSql({ params: [SQL_MANAGER] })
  async lockChainHead(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT id FROM event_chain_head WHERE id = 1 FOR UPDATE`);
  }

  /** The staff members who did any of `actions` to one thing, with which of them each did; served by ix_audit_events_entity. */
  @GenerateSql({ params: [SQL_MANAGER, 'tip', SQL_ID, ['tip.created']] })
  async staffActors(
    manager: EntityManager,
    entityType: string,
    entityId: string,
    actions: readonly string[],
  ): Promise<{ staffId: string; actions: string[] }[]> {
    const rows = await manager.query<{ actor_id: string; actions: string[] }[]>(
      `SELECT actor_id, array_agg(DISTINCT action ORDER BY action) AS actions FROM audit_events
        WHERE entity_type = $1 AND entity_id = $2 AND actor_type = 'staff' AND actor_id IS NOT NULL AND action = ANY($3::text[])
        GROUP BY actor_id ORDER BY actor_id`,
      [entityType, entityId, [...actions]],
    );
    return rows.map((r) => ({ staffId: r.actor_id, actions: r.actions }));
  }

  /** The history of one thing, oldest first; served by ix_audit_events_entity. */
  @GenerateSql({ params: ['tip', SQL_ID] })
  async forEntity(entityType: string, entityId: string): Promise<AuditEventDto[]> {
    const rows: AuditEventRow[] = await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_WITH_ACTORS}
        WHERE e.entity_type = $1 AND e.entity_id = $2
        ORDER BY e.at, e.seq`,
      [entityType, entityId],
    );
    return rows.map(toDto);
  }

  /** The history of one thing, newest first, a keyset page at a time on (at, id) before `cursor` (a long-lived tip's page). */
  @GenerateSql(
    { name: 'forEntityPage (newest)', params: ['tip', SQL_ID, 50, undefined] },
    { name: 'forEntityPage (older)', params: ['tip', SQL_ID, 50, 'MjAyNi0xMi0wN1QxMjowMDowMC4wMDAwMDBaLzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMQ'] },
  )
  async forEntityPage(entityType: string, entityId: string, limit: number, cursor?: string): Promise<KeysetPage<AuditEventDto>> {
    const params: unknown[] = [entityType, entityId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const before = cursor ? `AND ${afterCursor(cursor, { at: 'e.at', id: 'e.id' }, param)}` : '';
    const rows: AuditEventRow[] = await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_WITH_ACTORS}
        WHERE e.entity_type = $1 AND e.entity_id = $2 ${before}
        ORDER BY e.at DESC, e.id DESC
        LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, toDto);
  }

  /**
   * Newest first, a keyset page at a time on (at, id). Each filter is a plain comparison the at,
   * actor and entity indexes serve; `q` is one OR of an action prefix, an id and a staff name or
   * email (staff_users is small).
   */
  @GenerateSql(
    { name: 'search', params: [{}, 50] },
    {
      name: 'search with every filter after a cursor',
      params: [
        {
          action: 'tip.created',
          actorType: 'staff',
          actorId: SQL_ID,
          entityType: 'tip',
          entityId: SQL_ID,
          from: '2026-01-01',
          to: '2026-01-31',
          q: '00000000-0000-4000-8000-000000000001',
          cursor: 'MjAyNi0wMS0wMVQwMDowMDowMC4wMDAwMDBaLzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMQ',
        },
        50,
      ],
    },
  )
  async search(query: Omit<AuditEventsQueryDto, 'limit'>, limit: number): Promise<AuditEventPageDto> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];

    if (query.action) where.push(`e.action = ${param(query.action)}`);
    if (query.actorType) where.push(`e.actor_type = ${param(query.actorType)}`);
    if (query.actorId) where.push(`e.actor_id = ${param(query.actorId)}::uuid`);
    if (query.entityType) where.push(`e.entity_type = ${param(query.entityType)}`);
    if (query.entityId) where.push(`e.entity_id = ${param(query.entityId)}::uuid`);
    if (query.from) where.push(`e.at >= ${param(startOf(query.from))}::timestamptz`);
    if (query.to) where.push(`e.at < ${param(endOf(query.to))}::timestamptz`);
    if (query.q) {
      const anywhere = param(`%${likeLiteral(query.q)}%`);
      const matches = [`e.action LIKE ${param(`${likeLiteral(query.q.toLowerCase())}%`)}`, `s.email ILIKE ${anywhere}`, `s.name ILIKE ${anywhere}`];
      if (UUID.test(query.q)) {
        const id = param(query.q.toLowerCase());
        matches.push(`e.entity_id = ${id}::uuid`, `e.actor_id = ${id}::uuid`);
      }
      where.push(`(${matches.join(' OR ')})`);
    }
    if (query.cursor) where.push(afterCursor(query.cursor, { at: 'e.at', id: 'e.id' }, param));

    const rows: AuditEventRow[] = await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_WITH_ACTORS}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY e.at DESC, e.id DESC
        LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, toDto);
  }

  // ---- the signed export: a cursor in the caller's read-only, repeatable-read transaction ----

  @GenerateSql({ params: [SQL_MANAGER] })
  async openExport(manager: EntityManager): Promise<void> {
    await manager.query(`DECLARE audit_export NO SCROLL CURSOR FOR ${CHAIN_SELECT.audit_events} ORDER BY e.seq`);
  }

  /** The next `count` events of the export, in chain order, with their hashes. */
  @GenerateSql({ params: [SQL_MANAGER, 5000] })
  async fetchExport<Row>(manager: EntityManager, count: number): Promise<Row[]> {
    return manager.query<Row[]>(`FETCH ${Number(count)} FROM audit_export`);
  }

  /** The audit chain's head: its last seq and hash. */
  @GenerateSql({ params: [SQL_MANAGER] })
  async auditHead(manager: EntityManager): Promise<{ seq: number; hash: string } | null> {
    const [head] = await manager.query<{ seq: string; hash: string }[]>(`SELECT audit_seq::text AS seq, audit_hash AS hash FROM event_chain_head WHERE id = 1`);
    return head ? { seq: Number(head.seq), hash: head.hash } : null;
  }
}
