import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ciphertextsNotUnder, replaceCiphertexts, type CiphertextColumnSpec } from '../database/ciphertext-columns.js';
import { GenerateSql, SQL_ID, SqlRepository } from '../database/generate-sql.js';
import type { CiphertextColumn, CiphertextRow } from '../crypto/key-rotation.js';

const COLUMNS = {
  'contributors.email_encrypted': { table: 'contributors', column: 'email_encrypted', key: 'id', keyType: 'uuid' },
  'contributors.phone_encrypted': { table: 'contributors', column: 'phone_encrypted', key: 'id', keyType: 'uuid' },
  'tip_idempotency_keys.response_encrypted': { table: 'tip_idempotency_keys', column: 'response_encrypted', key: 'key_hash', keyType: 'text' },
} satisfies Record<string, CiphertextColumnSpec>;
type TipCiphertext = keyof typeof COLUMNS;

const NO_KEY = 'v1:00000000:';
const cases = (method: 'notUnder' | 'replace') =>
  (Object.keys(COLUMNS) as TipCiphertext[]).map((name) => ({
    name: `${method} (${name})`,
    params:
      method === 'notUnder'
        ? [name, NO_KEY, null, 100]
        : [name, [{ ref: COLUMNS[name].keyType === 'uuid' ? SQL_ID : '0'.repeat(64), from: `${NO_KEY}a`, to: `${NO_KEY}b` }]],
  }));

/** tips/'s encrypted columns (contact details, idempotent answers), for `keys:rotate`. */
@Injectable()
@SqlRepository(import.meta.url)
export class TipCiphertextsRepository {
  constructor(private readonly dataSource: DataSource) {}

  columns(): CiphertextColumn[] {
    return (Object.keys(COLUMNS) as TipCiphertext[]).map((name) => ({
      name,
      notUnder: (prefix, after, limit) => this.notUnder(name, prefix, after, limit),
      replace: (rows) => this.replace(name, rows),
    }));
  }

  @GenerateSql(...cases('notUnder'))
  async notUnder(name: TipCiphertext, prefix: string, after: string | null, limit: number): Promise<CiphertextRow[]> {
    return ciphertextsNotUnder(this.dataSource.manager, COLUMNS[name], prefix, after, limit);
  }

  @GenerateSql(...cases('replace'))
  async replace(name: TipCiphertext, rows: { ref: string; from: string; to: string }[]): Promise<number> {
    return replaceCiphertexts(this.dataSource.manager, COLUMNS[name], rows);
  }
}
