import { HttpStatus, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DomainError, ValidationFailedError } from '../http/errors.js';
import { IdempotencyRepository } from './idempotency.repository.js';

export interface TipReceipt {
  reference: string;
  secret: string;
  statusUrl: string;
}

/** Raised inside the transaction when another request with the same key committed first. */
export class IdempotencyRaceLost extends Error {}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key`: a retried post (a phone that lost its connection before the answer came)
 * gets the first answer instead of making a second tip. The key is stored as a keyed hash; the
 * answer, which holds the secret, only encrypted, and both are swept after a day.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly keys: IdempotencyRepository,
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
    const row = await this.keys.find(keyHash);
    if (!row) return undefined;
    if (requestSha256 && row.requestSha256 !== requestSha256) {
      throw new DomainError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different tip. Use a new key for a new tip.',
      );
    }
    return JSON.parse(this.cipher.decrypt(row.responseEncrypted)) as TipReceipt;
  }

  async remember(manager: EntityManager, keyHash: string, requestSha256: string, tipId: string, receipt: TipReceipt): Promise<void> {
    const inserted = await this.keys.insert(manager, keyHash, requestSha256, tipId, this.cipher.encrypt(JSON.stringify(receipt)));
    if (!inserted) throw new IdempotencyRaceLost();
  }

  async sweep(): Promise<number> {
    return this.keys.sweep();
  }
}
