import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';

const REPLAY_WINDOW = '24 hours';

/** A remembered answer to an Idempotency-Key (the answer only encrypted). */
export interface IdempotencyKeyRow {
  requestSha256: string;
  responseEncrypted: string;
}

/** tip_idempotency_keys: the first answer to each key, kept for a day. */
@Injectable()
@SqlRepository(import.meta.url)
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The answer stored under this key within the replay window. */
  @GenerateSql({ params: ['key-hash'] })
  async find(keyHash: string): Promise<IdempotencyKeyRow | undefined> {
    const [row] = await this.dataSource.query<{ request_sha256: string; response_encrypted: string }[]>(
      `SELECT request_sha256, response_encrypted FROM tip_idempotency_keys
       WHERE key_hash = $1 AND created_at > now() - interval '${REPLAY_WINDOW}'`,
      [keyHash],
    );
    return row && { requestSha256: row.request_sha256, responseEncrypted: row.response_encrypted };
  }

  /** False when another request stored an answer under this key first. */
  @GenerateSql({ params: [SQL_MANAGER, 'key-hash', 'request-sha256', SQL_ID, 'encrypted'] })
  async insert(manager: EntityManager, keyHash: string, requestSha256: string, tipId: string, responseEncrypted: string): Promise<boolean> {
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO tip_idempotency_keys (key_hash, request_sha256, tip_id, response_encrypted)
       VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING RETURNING key_hash`,
      [keyHash, requestSha256, tipId, responseEncrypted],
    );
    return inserted.length > 0;
  }

  /** Deletes the keys older than the replay window; how many went. */
  @GenerateSql()
  async sweep(): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(`DELETE FROM tip_idempotency_keys WHERE created_at < now() - interval '${REPLAY_WINDOW}'`);
    return result[1] ?? 0;
  }
}
