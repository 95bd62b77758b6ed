import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GenerateSql, SqlRepository } from '../database/generate-sql.js';

export interface WindowHit {
  hits: number;
  /** Seconds until the window ends. */
  retryAfter: number;
}

export interface WindowPepper {
  windowStart: Date;
  windowEnd: Date;
  pepper: Buffer;
  /** True when this call made the pepper (the window's first hit anywhere). */
  created: boolean;
}

/**
 * rate_limit_windows: one fixed-window counter per bucket and window start; rate_limit_peppers:
 * the random key each open window's buckets are made with.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class RateLimitsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The pepper of the window of `windowSeconds` open now: `fresh` becomes it if this is the
   * window's first hit; otherwise the one another call (any process) made first is returned.
   * (DO UPDATE, not DO NOTHING, so RETURNING gives the existing row too.)
   */
  @GenerateSql({ params: [3600, Buffer.alloc(32)] })
  async currentPepper(windowSeconds: number, fresh: Buffer): Promise<WindowPepper> {
    const [row] = await this.dataSource.query<{ window_start: Date; window_end: Date; pepper: Buffer; created: boolean }[]>(
      `INSERT INTO rate_limit_peppers AS p (window_seconds, window_start, pepper)
       VALUES ($1::int, to_timestamp(floor(extract(epoch FROM now()) / $1::int) * $1::int), $2)
       ON CONFLICT (window_seconds, window_start) DO UPDATE SET pepper = p.pepper
       RETURNING window_start, window_start + make_interval(secs => $1::int) AS window_end, pepper, xmax = 0 AS created`,
      [windowSeconds, fresh],
    );
    return { windowStart: row.window_start, windowEnd: row.window_end, pepper: row.pepper, created: row.created };
  }

  /** Counts one hit in the window that starts at `windowStart` (made if new) and returns the count so far. */
  @GenerateSql({ params: ['tips:example-key', new Date('2026-01-01T10:00:00Z'), 3600] })
  async countHit(bucket: string, windowStart: Date, windowSeconds: number): Promise<WindowHit> {
    const [row] = await this.dataSource.query<{ hits: number; retry_after: number }[]>(
      `INSERT INTO rate_limit_windows AS w (bucket, window_start, hits)
       VALUES ($1, $2, 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
       RETURNING hits, ceil(extract(epoch FROM w.window_start + make_interval(secs => $3) - now()))::int AS retry_after`,
      [bucket, windowStart, windowSeconds],
    );
    return { hits: row.hits, retryAfter: row.retry_after };
  }

  /** Deletes the peppers of windows that have closed; returns how many. */
  @GenerateSql()
  async deleteClosedPeppers(): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM rate_limit_peppers WHERE window_start + make_interval(secs => window_seconds) <= now()`,
    );
    return result[1] ?? 0;
  }

  /**
   * Deletes counters no open window's pepper can make again (a counter lives while a pepper of
   * its window start does; run after deleteClosedPeppers); returns how many.
   */
  @GenerateSql()
  async deleteClosedWindows(): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM rate_limit_windows w
       WHERE NOT EXISTS (SELECT 1 FROM rate_limit_peppers p WHERE p.window_start = w.window_start)`,
    );
    return result[1] ?? 0;
  }
}
