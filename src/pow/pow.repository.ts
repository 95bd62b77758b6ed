import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GenerateSql, SqlRepository } from '../database/generate-sql.js';

/** pow_solutions: the solutions already used, each until its challenge expires. */
@Injectable()
@SqlRepository(import.meta.url)
export class PowRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a challenge as used; false when it already was (a replay). Rows of expired challenges
   * go in the same statement, so the table holds at most a challenge lifetime's worth.
   */
  @GenerateSql({ params: ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', new Date('2026-01-01T00:10:00Z')] })
  async claim(challengeId: string, expiresAt: Date): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `WITH expired AS (DELETE FROM pow_solutions WHERE expires_at < now())
       INSERT INTO pow_solutions (challenge_id, expires_at) VALUES ($1, $2)
       ON CONFLICT (challenge_id) DO NOTHING
       RETURNING challenge_id`,
      [challengeId, expiresAt],
    );
    return rows.length === 1;
  }
}
