import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorTimestampSql, decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';
import type { AuditActorType } from './audit.entities.js';
import { AUDIT_PAGE_SIZE_DEFAULT, type AuditEventDto, type AuditEventPageDto, type AuditEventsQueryDto } from './dto/audit-events.dto.js';

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
  e.id, e.at, ${cursorTimestampSql('e.at')} AS cursor_at, e.actor_type, e.actor_id, s.name AS actor_name,
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

/** The append-only record of who changed what; the database refuses UPDATE and DELETE on it. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Written with the caller's manager, so the event commits (or not) with the change it records.
   * One statement moves the chain's head (its row lock serialises appends until this transaction
   * ends) and inserts the event linked to the head it replaced (event-chain.ts).
   */
  async record(manager: EntityManager, event: AuditRecord): Promise<void> {
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

  /**
   * Takes the chains' head for the rest of the caller's transaction, before a set-based append
   * (a batch of 100,000) reads it in its next statement: no other append can slip in between.
   */
  async lockChainHead(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT id FROM event_chain_head WHERE id = 1 FOR UPDATE`);
  }

  /**
   * The staff members who did any of `actions` to one thing, with which of them each did (who
   * logged a phone tip, who was shown its secret); served by ix_audit_events_entity.
   */
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

  /** The history of one thing (a tip's page), oldest first; served by ix_audit_events_entity. */
  async forEntity(entityType: string, entityId: string): Promise<AuditEventDto[]> {
    if (!UUID.test(entityId)) return [];
    const rows: AuditEventRow[] = await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_WITH_ACTORS}
        WHERE e.entity_type = $1 AND e.entity_id = $2
        ORDER BY e.at, e.seq`,
      [entityType, entityId],
    );
    return rows.map(toDto);
  }

  /**
   * The admins' log, newest first, a keyset page at a time on (at, id): stable while events
   * keep arriving, and every event is on exactly one page. Each filter is a plain comparison the
   * at, actor and entity indexes serve; `q` is one OR of an action prefix, an id and a staff name
   * or email (staff_users is small).
   */
  async search(query: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    const limit = query.limit ?? AUDIT_PAGE_SIZE_DEFAULT;
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
    if (query.cursor) {
      const cursor = decodeKeysetCursor(query.cursor);
      where.push(`(e.at, e.id) < (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);
    }

    const rows: AuditEventRow[] = await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_WITH_ACTORS}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY e.at DESC, e.id DESC
        LIMIT ${param(limit + 1)}`,
      params,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map(toDto),
      nextCursor: more && last ? encodeKeysetCursor({ at: last.cursor_at, id: last.id }) : null,
    };
  }
}
