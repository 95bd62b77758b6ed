import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditActorType } from './audit.entities.js';

export interface AuditRecord {
  actorType: AuditActorType;
  actorId?: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

@Injectable()
export class AuditService {
  /** Written with the caller's manager, so the event commits (or not) with the change it records. */
  async record(manager: EntityManager, event: AuditRecord): Promise<void> {
    await manager.query(
      `INSERT INTO audit_events (actor_type, actor_id, action, entity_type, entity_id, before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        event.actorType, event.actorId ?? null, event.action, event.entityType, event.entityId,
        event.before ? JSON.stringify(event.before) : null, event.after ? JSON.stringify(event.after) : null,
      ],
    );
  }
}
