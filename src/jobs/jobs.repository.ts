import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SqlRepository } from '../database/generate-sql.js';

/** pg-boss's schema in the app's database (its tables are pg-boss's; tipdesk only reads them). */
export const JOBS_SCHEMA = 'pgboss';

/** A failed job as pg-boss keeps it in a dead-letter queue: ids and a code, never whose. */
export interface DeadLetterRow {
  id: string;
  /** The dead-letter queue it sits in. */
  name: string;
  mediaId: string | null;
  tipId: string | null;
  /** The code the job failed with, and the queue it failed on (both from its output). */
  code: string | null;
  queue: string | null;
  retryLimit: number;
  createdOn: Date;
}

/**
 * Reads of pg-boss's job table (whether it exists, counts for the metrics and for settling, the
 * dead letters), and the session advisory lock that keeps a background task to one process at a time.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class JobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether pg-boss's tables exist yet (a page may ask before any process started the queue). */
  @GenerateSql()
  async installed(): Promise<boolean> {
    const [{ installed }] = await this.dataSource.query<{ installed: boolean }[]>(`SELECT to_regclass($1) IS NOT NULL AS installed`, [`${JOBS_SCHEMA}.job`]);
    return installed;
  }

  /** Jobs by queue and state (one GROUP BY over pg-boss's table). */
  @GenerateSql()
  async countsByQueueAndState(): Promise<{ name: string; state: string; count: number }[]> {
    return this.dataSource.query(`SELECT name, state::text AS state, count(*)::int AS count FROM ${JOBS_SCHEMA}.job GROUP BY name, state`);
  }

  /** Jobs of a queue not yet done with (waiting, waiting for a retry, or running). */
  @GenerateSql({ params: ['contributor-mail'] })
  async unsettledCount(queue: string): Promise<number> {
    const [{ pending }] = await this.dataSource.query<{ pending: number }[]>(
      `SELECT count(*)::int AS pending FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
      [queue],
    );
    return pending;
  }

  /** The jobs in these dead-letter queues, newest first. */
  @GenerateSql({ params: [['media-dead-letters', 'contributor-mail-dead-letters'], 200] })
  async deadLetters(queues: string[], limit: number): Promise<DeadLetterRow[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        name: string;
        media_id: string | null;
        tip_id: string | null;
        code: string | null;
        queue: string | null;
        retry_limit: number;
        created_on: Date;
      }[]
    >(
      `SELECT id, name, data->>'mediaId' AS media_id, data->>'tipId' AS tip_id, output->>'code' AS code, output->>'queue' AS queue, retry_limit, created_on
         FROM ${JOBS_SCHEMA}.job WHERE name = ANY($1) ORDER BY created_on DESC, id LIMIT $2`,
      [queues, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      mediaId: r.media_id,
      tipId: r.tip_id,
      code: r.code,
      queue: r.queue,
      retryLimit: r.retry_limit,
      createdOn: r.created_on,
    }));
  }

  /**
   * Runs `work` holding session advisory lock `key` (on a connection of its own, released
   * after; `work` may use its manager); undefined, without running it, when another process holds the lock.
   */
  @GenerateSql({ params: [0x7465_7374, async () => 'done'] })
  async withAdvisoryLock<T>(key: number, work: (manager: EntityManager) => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key])) as { locked: boolean }[];
      if (!locked) return undefined;
      try {
        return await work(runner.manager);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      await runner.release();
    }
  }
}
