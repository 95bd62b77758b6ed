import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { TipChannel } from './tips.entities.js';

/** A tip as the modules that add to it (channels, the phone line) need it: which tip, and how it came. */
export interface TipRef {
  id: string;
  reference: string;
  channel: TipChannel;
}

/** Where a notice about a tip goes: its public reference, channel and the contributor's (encrypted) addresses. */
export interface TipContact {
  reference: string;
  channel: TipChannel;
  emailEncrypted: string | null;
  phoneEncrypted: string | null;
}

/**
 * tips, read by id or reference in the caller's transaction (optionally locking the row, so
 * that files counted against MAX_FILES_PER_TIP are counted under the tip's lock): the one way
 * the channels and notifications reach the tips table.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class TipLookupRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ name: 'findById', params: [SQL_MANAGER, SQL_ID] }, { name: 'findById (locking the row)', params: [SQL_MANAGER, SQL_ID, { lock: true }] })
  async findById(manager: EntityManager, id: string, options: { lock?: boolean } = {}): Promise<TipRef | undefined> {
    const [row] = await manager.query<TipRef[]>(`SELECT id, reference, channel FROM tips WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return row;
  }

  /** `reference` as stored (normalised by the caller). */
  @GenerateSql({ params: [SQL_MANAGER, 'TD-7K3Q-9XRM'] })
  async findByReference(manager: EntityManager, reference: string): Promise<TipRef | undefined> {
    const [row] = await manager.query<TipRef[]>(`SELECT id, reference, channel FROM tips WHERE reference = $1`, [reference]);
    return row;
  }

  /** Read-only, when a notice goes out (notifications): undefined once the tip is gone. */
  @GenerateSql({ params: [SQL_ID] })
  async contact(tipId: string, manager: EntityManager = this.dataSource.manager): Promise<TipContact | undefined> {
    const [row] = await manager.query<{ reference: string; channel: TipChannel; email_encrypted: string | null; phone_encrypted: string | null }[]>(
      `SELECT t.reference, t.channel, c.email_encrypted, c.phone_encrypted FROM tips t LEFT JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1`,
      [tipId],
    );
    return row ? { reference: row.reference, channel: row.channel, emailEncrypted: row.email_encrypted, phoneEncrypted: row.phone_encrypted } : undefined;
  }
}
