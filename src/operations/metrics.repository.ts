import { Injectable } from '@nestjs/common';
import { GenerateSql, SqlRepository } from '../database/generate-sql.js';
import { DataSource } from 'typeorm';

/**
 * Read-only counts for the operators' gauges: one GROUP BY per table, never a row's content.
 * They read other modules' tables (tips, payouts) on purpose, as aggregates only: going through
 * each module's service would make the metrics module import the desk and payouts.
 */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: {
    tips: 'queue depth by status for /metrics: one GROUP BY, counts only',
    payouts: 'payouts by state for /metrics: one GROUP BY, counts only',
  },
})
export class MetricsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The desk's queue: tips by status (the ix_tips_status_* indexes answer it without the table). */
  @GenerateSql()
  tipsByStatus(): Promise<{ status: string; count: number }[]> {
    return this.dataSource.query(`SELECT status, count(*)::int AS count FROM tips GROUP BY status`);
  }

  @GenerateSql()
  payoutsByState(): Promise<{ state: string; count: number }[]> {
    return this.dataSource.query(`SELECT state, count(*)::int AS count FROM payouts GROUP BY state`);
  }
}
