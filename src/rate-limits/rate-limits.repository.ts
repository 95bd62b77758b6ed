import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GenerateSql, SqlRepository } from '../database/generate-sql.js';

export interface WindowHit {
  hits: number;
  /** Seconds until the window ends. */
  retryAfter: number;
}

/** rate_limit_windows: one fixed-window counter per bucket and window start. */
@Injectable()
@SqlRepository(import.meta.url)
export class RateLimitsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Counts one hit in the current window of `windowSeconds` (made if new) and returns the count so far. */
  @GenerateSql({ params: ['tips:example-key', 3600] })
  async countHit(bucket: string, windowSeconds: number): Promise<WindowHit> {
    const [row] = await this.dataSource.query<{ hits: number; retry_after: number }[]>(
      `INSERT INTO rate_limit_windows AS w (bucket, window_start, hits)
       VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
       RETURNING hits, ceil(extract(epoch FROM w.window_start + make_interval(secs => $2) - now()))::int AS retry_after`,
      [bucket, windowSeconds],
    );
    return { hits: row.hits, retryAfter: row.retry_after };
  }

  /** Deletes windows that ended more than a day ago; returns how many. */
  @GenerateSql()
  async deleteEndedWindows(): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(`DELETE FROM rate_limit_windows WHERE window_start < now() - interval '1 day'`);
    return result[1] ?? 0;
  }
}
