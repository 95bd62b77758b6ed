import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { KeysetPage } from '../http/keyset-page.js';
import { AuditRepository, type AuditRecord } from './audit.repository.js';
import { AUDIT_PAGE_SIZE_DEFAULT, type AuditEventDto, type AuditEventPageDto, type AuditEventsQueryDto } from './dto/audit-events.dto.js';

export type { AuditRecord } from './audit.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The append-only record of who changed what; the database refuses UPDATE and DELETE on it. */
@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  /**
   * Written with the caller's manager, so the event commits (or not) with the change it records
   * (chained to the one before it: event-chain.ts).
   */
  async record(manager: EntityManager, event: AuditRecord): Promise<void> {
    await this.events.append(manager, event);
  }

  /**
   * Takes the chains' head for the rest of the caller's transaction, before a set-based append
   * (a batch of 100,000) reads it in its next statement: no other append can slip in between.
   */
  async lockChainHead(manager: EntityManager): Promise<void> {
    await this.events.lockChainHead(manager);
  }

  /**
   * The staff members who did any of `actions` to one thing, with which of them each did (who
   * logged a phone tip, who was shown its secret).
   */
  async staffActors(
    manager: EntityManager,
    entityType: string,
    entityId: string,
    actions: readonly string[],
  ): Promise<{ staffId: string; actions: string[] }[]> {
    return this.events.staffActors(manager, entityType, entityId, actions);
  }

  /** The history of one thing (a tip's page), oldest first; an id that is no uuid has none. */
  async forEntity(entityType: string, entityId: string): Promise<AuditEventDto[]> {
    if (!UUID.test(entityId)) return [];
    return this.events.forEntity(entityType, entityId);
  }

  /** The same, newest first, `limit` events before `before` (a cursor of the page after). */
  async forEntityPage(entityType: string, entityId: string, limit: number, before?: string): Promise<KeysetPage<AuditEventDto>> {
    if (!UUID.test(entityId)) return { items: [], nextCursor: null };
    return this.events.forEntityPage(entityType, entityId, limit, before);
  }

  /**
   * The admins' log, newest first, a keyset page at a time on (at, id): stable while events
   * keep arriving, and every event is on exactly one page.
   */
  async search(query: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.events.search(query, query.limit ?? AUDIT_PAGE_SIZE_DEFAULT);
  }
}
