import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';

/** sign_in_throttles: failed sign-ins per subject (a keyed hash) and the lock they caused. */
@Injectable()
@SqlRepository(import.meta.url)
export class SignInThrottleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Seconds until the subject's lock ends, or undefined when it is not locked. */
  @GenerateSql({ params: ['subject-hash'] })
  async lockedFor(subject: string): Promise<number | undefined> {
    const [row] = await this.dataSource.query<{ retry_after: number }[]>(
      `SELECT extract(epoch FROM locked_until - now())::float AS retry_after
         FROM sign_in_throttles WHERE subject = $1 AND locked_until > now()`,
      [subject],
    );
    return row?.retry_after;
  }

  /** One more failure; the subject's consecutive failures so far. */
  @GenerateSql({ params: ['subject-hash'] })
  async addFailure(subject: string): Promise<number> {
    const [row] = await this.dataSource.query<{ failures: number }[]>(
      `INSERT INTO sign_in_throttles AS t (subject, failures, last_failure_at) VALUES ($1, 1, now())
       ON CONFLICT (subject) DO UPDATE SET failures = t.failures + 1, last_failure_at = now()
       RETURNING failures`,
      [subject],
    );
    return row.failures;
  }

  @GenerateSql({ params: ['subject-hash', 60] })
  async lock(subject: string, seconds: number): Promise<void> {
    await this.dataSource.query(`UPDATE sign_in_throttles SET locked_until = now() + make_interval(secs => $2) WHERE subject = $1`, [subject, seconds]);
  }

  @GenerateSql({ params: [SQL_MANAGER, 'subject-hash'] })
  async delete(manager: EntityManager, subject: string): Promise<void> {
    await manager.query(`DELETE FROM sign_in_throttles WHERE subject = $1`, [subject]);
  }

  /** Failures nobody has added to for a day (and no lock still running); how many went. */
  @GenerateSql()
  async deleteQuiet(): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM sign_in_throttles WHERE last_failure_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`,
    );
    return result[1] ?? 0;
  }
}
