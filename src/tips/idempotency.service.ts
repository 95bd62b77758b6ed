import { HttpStatus, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DomainError, ValidationFailedError } from '../http/errors.js';

export interface TipReceipt {
  reference: string;
  secret: string;
  statusUrl: string;
}

/** Raised inside the transaction when another request with the same key committed first. */
export class IdempotencyRaceLost extends Error {}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const REPLAY_WINDOW = '24 hours';

/**
 * `Idempotency-Key`: a retried post (a phone that lost its connection before the answer came)
 * gets the first answer instead of making a second tip. The key is stored as a keyed hash; the
 * answer, which holds the secret, only encrypted, and both are swept after a day.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  keyHash(key: string): string {
    if (!KEY_PATTERN.test(key)) {
      throw new ValidationFailedError({ 'Idempotency-Key': ['Must be 1 to 255 visible ASCII characters'] }, 'The Idempotency-Key header is not valid');
    }
    return this.cipher.keyedHash('idempotency-key', key);
  }

  fingerprint(fields: object, fileHashes: string[]): string {
    const sorted = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b)));
    return createHash('sha256')
      .update(JSON.stringify({ fields: sorted, files: fileHashes }))
      .digest('hex');
  }

  /** The earlier answer for this key, if any; refuses a different request under the same key. */
  async findReplay(keyHash: string, requestSha256?: string): Promise<TipReceipt | undefined> {
    const [row] = await this.dataSource.query<{ request_sha256: string; response_encrypted: string }[]>(
      `SELECT request_sha256, response_encrypted FROM tip_idempotency_keys
       WHERE key_hash = $1 AND created_at > now() - interval '${REPLAY_WINDOW}'`,
      [keyHash],
    );
    if (!row) return undefined;
    if (requestSha256 && row.request_sha256 !== requestSha256) {
      throw new DomainError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different tip. Use a new key for a new tip.',
      );
    }
    return JSON.parse(this.cipher.decrypt(row.response_encrypted)) as TipReceipt;
  }

  async remember(manager: EntityManager, keyHash: string, requestSha256: string, tipId: string, receipt: TipReceipt): Promise<void> {
    const inserted = await manager.query(
      `INSERT INTO tip_idempotency_keys (key_hash, request_sha256, tip_id, response_encrypted)
       VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING RETURNING key_hash`,
      [keyHash, requestSha256, tipId, this.cipher.encrypt(JSON.stringify(receipt))],
    );
    if (inserted.length === 0) throw new IdempotencyRaceLost();
  }

  async sweep(): Promise<number> {
    const result = await this.dataSource.query(`DELETE FROM tip_idempotency_keys WHERE created_at < now() - interval '${REPLAY_WINDOW}'`);
    return result[1] ?? 0;
  }
}
