import { HttpStatus } from '@nestjs/common';
import { parse } from 'csv-parse';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, ValidationFailedError, type FieldErrors } from '../http/errors.js';

/** A reconciliation CSV is at most this many bytes. */
export const RECONCILE_MAX_BYTES = 1024 * 1024;

/** One well-formed row of the bank's results: which payout, paid or failed, and the bank's reference or reason. */
export interface ReconcileLine {
  row: number;
  reference: string;
  result: 'paid' | 'failed';
  detail: string;
}

export class ReconcileTooLargeError extends DomainError {
  constructor() {
    super(HttpStatus.PAYLOAD_TOO_LARGE, 'BATCH_RECONCILE_TOO_LARGE', `A reconciliation file may be at most ${RECONCILE_MAX_BYTES} bytes.`);
  }
}

const DETAIL_MAX = { paid: 100, failed: 500 } as const;

/**
 * `payout reference, paid|failed, bank reference or reason` per row (an optional header row
 * whose second cell is "result" is skipped), at most RECONCILE_MAX_BYTES. Every problem is
 * named by its row; none means every row is well formed.
 */
export async function parseReconcileCsv(csv: Readable): Promise<ReconcileLine[]> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > RECONCILE_MAX_BYTES ? new ReconcileTooLargeError() : null, chunk);
    },
  });
  const records: { row: number; cells: string[] }[] = [];
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 4096, info: true });
  const collect = new Transform({
    objectMode: true,
    transform(record: { record: string[]; info: { lines: number } }, _encoding, done) {
      records.push({ row: record.info.lines, cells: record.record });
      done();
    },
  });
  try {
    await pipeline(csv, limit, parser, collect);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new ValidationFailedError({ file: [(error as Error).message] }, 'The reconciliation file is not readable CSV');
  }
  if (records[0] && records[0].cells[1]?.toLowerCase() === 'result') records.shift();
  if (records.length === 0) throw new ValidationFailedError({ file: ['No rows'] }, 'The reconciliation file has no rows');

  const fields: FieldErrors = {};
  const lines: ReconcileLine[] = [];
  for (const { row, cells } of records) {
    const problems: string[] = [];
    const [reference = '', result = '', detail = ''] = cells;
    const normalised = reference.toUpperCase().replace(/\s+/g, ' ');
    const outcome = result.toLowerCase();
    if (cells.length !== 3) problems.push(`expected 3 cells (payout reference, result, bank reference or reason), found ${cells.length}`);
    if (!normalised) problems.push('payout reference is empty');
    if (outcome !== 'paid' && outcome !== 'failed') problems.push(`result must be paid or failed, not ${JSON.stringify(result.slice(0, 20))}`);
    else if (!detail) problems.push(outcome === 'paid' ? 'the bank reference is empty' : 'the reason is empty');
    else if (detail.length > DETAIL_MAX[outcome])
      problems.push(`the ${outcome === 'paid' ? 'bank reference' : 'reason'} is longer than ${DETAIL_MAX[outcome]} characters`);
    else if (/\p{Cc}/u.test(detail)) problems.push(`the ${outcome === 'paid' ? 'bank reference' : 'reason'} contains control characters`);
    if (problems.length > 0) fields[`row ${row}`] = problems;
    else lines.push({ row, reference: normalised, result: outcome as 'paid' | 'failed', detail });
  }
  refuseRowProblems(fields);
  return lines;
}

/** 400 naming every row's problems when there are any: a reconciliation applies all its rows or none. */
export function refuseRowProblems(fields: FieldErrors): void {
  if (Object.keys(fields).length === 0) return;
  throw new ValidationFailedError(
    fields,
    `Nothing was applied: ${Object.entries(fields)
      .map(([row, texts]) => `${row}: ${texts.join('; ')}`)
      .join('; ')}`,
  );
}
