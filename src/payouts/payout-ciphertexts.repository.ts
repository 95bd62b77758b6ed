import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ciphertextsNotUnder, replaceCiphertexts, type CiphertextColumnSpec } from '../database/ciphertext-columns.js';
import { GenerateSql, SQL_ID, SqlRepository } from '../database/generate-sql.js';
import type { CiphertextColumn, CiphertextRow } from '../crypto/key-rotation.js';

const COLUMNS = {
  'payee_details.account_holder_name_encrypted': { table: 'payee_details', column: 'account_holder_name_encrypted', key: 'id', keyType: 'uuid' },
  'payee_details.details_encrypted': { table: 'payee_details', column: 'details_encrypted', key: 'id', keyType: 'uuid' },
  'payout_batch_items.snapshot_encrypted': { table: 'payout_batch_items', column: 'snapshot_encrypted', key: 'id', keyType: 'uuid' },
} satisfies Record<string, CiphertextColumnSpec>;
type PayoutCiphertext = keyof typeof COLUMNS;

const NO_KEY = 'v1:00000000:';
const names = Object.keys(COLUMNS) as PayoutCiphertext[];

/**
 * payouts/' encrypted columns (payee details, batch snapshots), for `keys:rotate`. payee_details
 * is append-only: its trigger lets a transaction that says it is rotating keys change the
 * ciphertext columns and nothing else (migration KeyRotationPayeeDetails).
 */
@Injectable()
@SqlRepository(import.meta.url)
export class PayoutCiphertextsRepository {
  constructor(private readonly dataSource: DataSource) {}

  columns(): CiphertextColumn[] {
    return names.map((name) => ({
      name,
      notUnder: (prefix, after, limit) => this.notUnder(name, prefix, after, limit),
      replace: (rows) => this.replace(name, rows),
    }));
  }

  @GenerateSql(...names.map((name) => ({ name: `notUnder (${name})`, params: [name, NO_KEY, null, 100] })))
  async notUnder(name: PayoutCiphertext, prefix: string, after: string | null, limit: number): Promise<CiphertextRow[]> {
    return ciphertextsNotUnder(this.dataSource.manager, COLUMNS[name], prefix, after, limit);
  }

  @GenerateSql(...names.map((name) => ({ name: `replace (${name})`, params: [name, [{ ref: SQL_ID, from: `${NO_KEY}a`, to: `${NO_KEY}b` }]] })))
  async replace(name: PayoutCiphertext, rows: { ref: string; from: string; to: string }[]): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('tipdesk.rotating_keys', 'on', true)`);
      return replaceCiphertexts(manager, COLUMNS[name], rows);
    });
  }
}
