import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ciphertextsNotUnder, replaceCiphertexts, type CiphertextColumnSpec } from '../database/ciphertext-columns.js';
import { GenerateSql, SQL_ID, SqlRepository } from '../database/generate-sql.js';
import type { CiphertextColumn, CiphertextRow } from '../crypto/key-rotation.js';

const TOTP_SECRET: CiphertextColumnSpec = { table: 'staff_users', column: 'totp_secret_encrypted', key: 'id', keyType: 'uuid' };
const NO_KEY = 'v1:00000000:';

/** staff/'s encrypted column (TOTP secrets), for `keys:rotate`. */
@Injectable()
@SqlRepository(import.meta.url)
export class StaffCiphertextsRepository {
  constructor(private readonly dataSource: DataSource) {}

  columns(): CiphertextColumn[] {
    return [{ name: 'staff_users.totp_secret_encrypted', notUnder: (p, a, l) => this.notUnder(p, a, l), replace: (rows) => this.replace(rows) }];
  }

  @GenerateSql({ params: [NO_KEY, null, 100] })
  async notUnder(prefix: string, after: string | null, limit: number): Promise<CiphertextRow[]> {
    return ciphertextsNotUnder(this.dataSource.manager, TOTP_SECRET, prefix, after, limit);
  }

  @GenerateSql({ params: [[{ ref: SQL_ID, from: `${NO_KEY}a`, to: `${NO_KEY}b` }]] })
  async replace(rows: { ref: string; from: string; to: string }[]): Promise<number> {
    return replaceCiphertexts(this.dataSource.manager, TOTP_SECRET, rows);
  }
}
