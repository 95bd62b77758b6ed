import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';

/** The payout_conflict_waivers table: an admin let a secret holder offer on one tip all the same. */
@Injectable()
@SqlRepository(import.meta.url)
export class PayoutWaiversRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL_ID] })
  async staffOfTip(tipId: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ staff_id: string }[]>(`SELECT staff_id FROM payout_conflict_waivers WHERE tip_id = $1`, [tipId]);
    return rows.map((r) => r.staff_id);
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SQL_ID_2] })
  async exists(manager: EntityManager, tipId: string, staffId: string): Promise<boolean> {
    const [row] = await manager.query<{ id: string }[]>(`SELECT id FROM payout_conflict_waivers WHERE tip_id = $1 AND staff_id = $2`, [tipId, staffId]);
    return Boolean(row);
  }

  /** False when the waiver exists already. */
  @GenerateSql({ params: [SQL_MANAGER, { tipId: SQL_ID, staffId: SQL_ID_2, grantedBy: SQL_ID, reason: 'only editor on shift' }] })
  async insert(manager: EntityManager, waiver: { tipId: string; staffId: string; grantedBy: string; reason: string }): Promise<boolean> {
    const [inserted] = await manager.query<{ id: string }[]>(
      `INSERT INTO payout_conflict_waivers (tip_id, staff_id, granted_by, reason) VALUES ($1, $2, $3, $4) ON CONFLICT (tip_id, staff_id) DO NOTHING RETURNING id`,
      [waiver.tipId, waiver.staffId, waiver.grantedBy, waiver.reason],
    );
    return Boolean(inserted);
  }
}
