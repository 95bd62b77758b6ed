import type { FieldCipher } from './field-cipher.js';

/** One encrypted value and the row it is in (its primary key, as text). */
export interface CiphertextRow {
  ref: string;
  value: string;
}

/**
 * An encrypted column, as the module that owns its table offers it to `keys:rotate`: the values
 * not yet under the current key, a batch at a time in primary-key order, and a compare-and-set
 * replacement (a value that changed meanwhile is left for the next run).
 */
export interface CiphertextColumn {
  /** `table.column`, for the report. */
  name: string;
  notUnder(prefix: string, after: string | null, limit: number): Promise<CiphertextRow[]>;
  replace(rows: { ref: string; from: string; to: string }[]): Promise<number>;
}

export interface ColumnRotation {
  column: string;
  rewritten: number;
  /** Changed by someone else between the read and the write: still readable, rewritten by the next run. */
  changedMeanwhile: number;
}

export interface RotationOptions {
  batchSize: number;
  /** Stop after this many batches in all (a test's interruption; a resumed run carries on). */
  stopAfterBatches?: number;
  onBatch?: (column: string, rewritten: number) => void;
}

/**
 * Re-encrypts every value of `columns` under the cipher's current key, batch by batch. Resumable
 * by construction: it only ever picks values not already under the current key, each batch is
 * one statement, and a value is decrypted before it is encrypted again, so an interrupted run
 * leaves each value either as it was (readable through ENCRYPTION_KEY_PREVIOUS) or re-encrypted
 * once, never twice. A value under a key the cipher does not hold stops the run, naming its row.
 */
export async function rotateColumns(
  columns: CiphertextColumn[],
  cipher: FieldCipher,
  options: RotationOptions,
): Promise<{ done: boolean; columns: ColumnRotation[] }> {
  const report: ColumnRotation[] = [];
  let batches = 0;
  for (const column of columns) {
    const result: ColumnRotation = { column: column.name, rewritten: 0, changedMeanwhile: 0 };
    report.push(result);
    let after: string | null = null;
    for (;;) {
      if (options.stopAfterBatches !== undefined && batches >= options.stopAfterBatches) return { done: false, columns: report };
      const rows = await column.notUnder(cipher.currentPrefix, after, options.batchSize);
      if (rows.length === 0) break;
      const rewrites = rows.map((row) => {
        try {
          return { ref: row.ref, from: row.value, to: cipher.reencrypt(row.value) };
        } catch {
          const keyId = row.value.split(':')[1] ?? '?';
          throw new Error(
            `${column.name} of row ${row.ref} is under key ${keyId}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS (or it is damaged): add the key and run again`,
          );
        }
      });
      const replaced = await column.replace(rewrites);
      result.rewritten += replaced;
      result.changedMeanwhile += rows.length - replaced;
      after = rows[rows.length - 1].ref;
      batches += 1;
      options.onBatch?.(column.name, replaced);
    }
  }
  return { done: true, columns: report };
}
