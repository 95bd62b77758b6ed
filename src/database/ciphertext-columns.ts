import type { EntityManager } from 'typeorm';
import type { CiphertextRow } from '../crypto/key-rotation.js';

/**
 * Where an encrypted column is: declared by the repository of the module that owns the table
 * (the names are that repository's constants, never input), and used only through the two
 * statements below, so every module's re-encryption for `keys:rotate` reads the same.
 */
export interface CiphertextColumnSpec {
  table: string;
  column: string;
  key: string;
  keyType: 'uuid' | 'text';
}

/** Up to `limit` values of the column not beginning with `prefix` (the current key's), after `after` in key order. */
export async function ciphertextsNotUnder(
  manager: EntityManager,
  spec: CiphertextColumnSpec,
  prefix: string,
  after: string | null,
  limit: number,
): Promise<CiphertextRow[]> {
  const { table, column, key, keyType } = spec;
  return manager.query<CiphertextRow[]>(
    `SELECT ${key}::text AS ref, ${column} AS value FROM ${table}
      WHERE ${column} IS NOT NULL AND left(${column}, length($1)) <> $1 AND ($2::${keyType} IS NULL OR ${key} > $2::${keyType})
      ORDER BY ${key} LIMIT $3`,
    [prefix, after, limit],
  );
}

/** Compare-and-set: each row's value becomes `to` only while it is still `from`. Answers how many changed. */
export async function replaceCiphertexts(
  manager: EntityManager,
  spec: CiphertextColumnSpec,
  rows: { ref: string; from: string; to: string }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const { table, column, key, keyType } = spec;
  const [, count] = await manager.query<[unknown[], number]>(
    `UPDATE ${table} AS t SET ${column} = r.to_value
       FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ref, from_value, to_value)
      WHERE t.${key} = r.ref::${keyType} AND t.${column} = r.from_value`,
    [rows.map((r) => r.ref), rows.map((r) => r.from), rows.map((r) => r.to)],
  );
  return count;
}
