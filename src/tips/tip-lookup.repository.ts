import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { TipChannel } from './tips.entities.js';

/** A tip as the modules that add to it (channels, the phone line) need it: which tip, and how it came. */
export interface TipRef {
  id: string;
  reference: string;
  channel: TipChannel;
}

/**
 * tips, read by id or reference in the caller's transaction (optionally locking the row, so
 * that files counted against MAX_FILES_PER_TIP are counted under the tip's lock): the one way
 * the channels reach the tips table.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class TipLookupRepository {
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
}
