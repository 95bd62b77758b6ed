import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../../database/generate-sql.js';
import type { StatementImportDto, StatementLineDto } from './bank-statements.dto.js';
import type { StatementLine } from './camt053-parser.js';
import { returnReasonText } from './return-reasons.js';

const UNAPPLIED_SHOWN = 1000;
/** The reference tipdesk writes into every bank file (generateBankReference), spaces optional. */
const TIPDESK_REFERENCE = /TIPDESK ?([0-9A-HJKMNP-TV-Z]{8})/i;

/** The reference of a payout named by a line: in the end-to-end id first, else in the remittance text. */
export function payoutReferenceOf(line: Pick<StatementLine, 'endToEndId' | 'remittance'>): string | null {
  const found = TIPDESK_REFERENCE.exec(line.endToEndId ?? '') ?? TIPDESK_REFERENCE.exec(line.remittance ?? '');
  return found ? `TIPDESK ${found[1].toUpperCase()}` : null;
}

/** `250.00` → 25000; null when it is not pence or cents (a third decimal, a sign, garbage). */
export function minorUnitsOf(amount: string): number | null {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(amount.trim());
  return match ? Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) : null;
}

export interface LineRow {
  position: number;
  statement_id: string;
  payout_reference: string | null;
  payout_id: string | null;
  end_to_end_id: string | null;
  entry_reference: string | null;
  direction: string;
  amount_text: string;
  currency: string;
  return_code: string | null;
  outcome: string;
  detail: string | null;
}

export function toLineDto(row: LineRow): StatementLineDto {
  return {
    position: row.position,
    statementId: row.statement_id,
    payoutReference: row.payout_reference,
    payoutId: row.payout_id,
    endToEndId: row.end_to_end_id,
    entryReference: row.entry_reference,
    direction: row.direction,
    amount: row.amount_text,
    currency: row.currency,
    returnCode: row.return_code,
    outcome: row.outcome,
    detail: row.detail,
  };
}

/** A summary of one import, for the accounts page. */
export interface StatementImportSummary {
  id: string;
  msgId: string;
  importedAt: string;
  lineCount: number;
  counts: Record<string, number>;
}

/**
 * The bank_statement_imports, bank_statements and bank_statement_lines tables, and the set-based
 * decision of every line's outcome against the payouts and batches it names.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class BankStatementsRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL_MANAGER, 'MSG-1', 'camt.053.001.08', SQL_ID] })
  async insertImport(manager: EntityManager, msgId: string, messageVersion: string, importedBy: string): Promise<string> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO bank_statement_imports (msg_id, message_version, imported_by, counts) VALUES ($1, $2, $3, '{}') RETURNING id`,
      [msgId, messageVersion, importedBy],
    );
    return row.id;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'STMT-1', 'GB00EXAMPLE'] })
  async insertStatement(manager: EntityManager, importId: string, statementId: string, account: string): Promise<void> {
    await manager.query(`INSERT INTO bank_statements (import_id, statement_id, account) VALUES ($1, $2, $3)`, [importId, statementId, account]);
  }

  /** Lines `from + 1`, `from + 2`, … of the import, in one statement. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 0, []] })
  async insertLines(manager: EntityManager, importId: string, from: number, lines: readonly StatementLine[]): Promise<void> {
    const column = <T>(pick: (line: StatementLine) => T) => lines.map(pick);
    await manager.query(
      `INSERT INTO bank_statement_lines (import_id, position, statement_id, entry_reference, end_to_end_id, remittance, direction, reversal, status,
                                         amount_minor, amount_text, currency, return_code, return_info, booking_date, payout_reference, detail)
       SELECT $1, u.* FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::text[],
                                  $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::date[], $16::text[], $17::text[]) AS u`,
      [
        importId,
        lines.map((_, i) => from + i + 1),
        column((l) => l.statementId.slice(0, 35)),
        column((l) => l.entryReference),
        column((l) => l.endToEndId),
        column((l) => l.remittance),
        column((l) => l.direction),
        column((l) => l.reversal),
        column((l) => l.status),
        column((l) => minorUnitsOf(l.amountText)),
        column((l) => l.amountText),
        column((l) => l.currency),
        column((l) => l.returnCode),
        column((l) => l.returnInfo),
        column((l) => (l.bookingDate && /^\d{4}-\d{2}-\d{2}$/.test(l.bookingDate) ? l.bookingDate : null)),
        column(payoutReferenceOf),
        // A return's reason in words, ready to be the payout's failure reason.
        column((l) => (l.direction === 'CRDT' || l.reversal ? returnReasonText(l.returnCode, l.returnInfo).slice(0, 300) : null)),
      ],
    );
  }

  /**
   * Every line's outcome in one statement, with the batches (shared) and payouts (exclusive) it
   * names locked first, in the order a void or a reconciliation locks them: a payout paid and a
   * batch voided at the same moment never both happen.
   */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async decide(manager: EntityManager, importId: string): Promise<void> {
    await manager.query(
      `SELECT b.id FROM payout_batches b WHERE b.id IN (SELECT p.batch_id FROM payouts p JOIN bank_statement_lines l ON l.payout_reference = p.bank_reference WHERE l.import_id = $1)
        ORDER BY b.id FOR SHARE`,
      [importId],
    );
    await manager.query(
      `SELECT p.id FROM payouts p WHERE p.bank_reference IN (SELECT payout_reference FROM bank_statement_lines WHERE import_id = $1 AND payout_reference IS NOT NULL)
        ORDER BY p.id FOR UPDATE`,
      [importId],
    );
    await manager.query(
      `WITH facts AS (
         SELECT l.id, l.position, l.status, l.amount_minor, l.amount_text, l.currency, l.payout_reference, l.detail AS return_reason,
                (l.direction = 'CRDT' OR l.reversal) AS is_return, (l.direction = 'CRDT' AND NOT l.reversal AND l.return_code IS NULL AND l.payout_reference IS NULL) AS incoming,
                p.id AS payout_id, p.state, p.amount_minor AS payout_amount, p.currency AS payout_currency, b.state AS batch_state
           FROM bank_statement_lines l
           LEFT JOIN payouts p ON p.bank_reference = l.payout_reference
           LEFT JOIN payout_batches b ON b.id = p.batch_id
          WHERE l.import_id = $1
       ), ranked AS (
         SELECT f.*,
                row_number() OVER (PARTITION BY f.payout_id, f.is_return ORDER BY f.position) AS nth,
                bool_or(NOT f.is_return AND f.status = 'BOOK' AND f.state = 'batched' AND f.batch_state = 'sent'
                        AND f.currency = f.payout_currency AND f.amount_minor = f.payout_amount) OVER (PARTITION BY f.payout_id) AS paid_here
           FROM facts f
       ), decided AS (
         SELECT id, payout_id, CASE
           WHEN incoming THEN 'ignored'
           WHEN status <> 'BOOK' THEN 'not_booked'
           WHEN payout_reference IS NULL OR payout_id IS NULL THEN 'unmatched'
           WHEN currency <> payout_currency OR amount_minor IS NULL OR amount_minor <> payout_amount THEN 'mismatched'
           WHEN payout_id IS NOT NULL AND nth > 1 THEN 'duplicate'
           WHEN NOT is_return AND state = 'batched' AND batch_state = 'sent' THEN 'paid'
           WHEN NOT is_return AND state = 'paid' THEN 'already_settled'
           WHEN is_return AND (state = 'paid' OR paid_here) THEN 'conflict'
           WHEN is_return AND state = 'batched' AND batch_state = 'sent' THEN 'failed'
           WHEN is_return AND state = 'failed' THEN 'already_settled'
           ELSE 'conflict' END AS outcome,
           CASE
           WHEN incoming THEN 'Money in, not a tipdesk payment'
           WHEN status <> 'BOOK' THEN format('Not booked yet (%s): import the statement that books it', status)
           WHEN payout_reference IS NULL THEN 'No tipdesk reference in the end-to-end id or the remittance information'
           WHEN payout_id IS NULL THEN format('No tipdesk payout has the reference %s', payout_reference)
           WHEN currency <> payout_currency THEN format('The bank moved %s %s; payout %s is in %s', amount_text, currency, payout_reference, payout_currency)
           WHEN amount_minor IS NULL OR amount_minor <> payout_amount THEN format('The bank moved %s %s; payout %s is %s %s', amount_text, currency, payout_reference, to_char(payout_amount / 100.0, 'FM999999999990.00'), payout_currency)
           WHEN nth > 1 THEN format('Payout %s is on an earlier line of this statement too', payout_reference)
           WHEN NOT is_return AND state = 'batched' AND batch_state = 'sent' THEN NULL
           WHEN NOT is_return AND state = 'paid' THEN format('Payout %s is already paid', payout_reference)
           WHEN is_return AND (state = 'paid' OR paid_here) THEN format('The bank returned payout %s after it was paid: a person must look into this (%s)', payout_reference, return_reason)
           WHEN is_return AND state = 'batched' AND batch_state = 'sent' THEN return_reason
           WHEN is_return AND state = 'failed' THEN format('Payout %s is already failed', payout_reference)
           WHEN state = 'batched' THEN format('Payout %s is in a batch that is not marked sent', payout_reference)
           ELSE format('Payout %s is %s: nothing to settle', payout_reference, state) END AS detail
           FROM ranked
       )
       UPDATE bank_statement_lines l SET outcome = d.outcome, detail = left(d.detail, 300), payout_id = d.payout_id FROM decided d WHERE l.id = d.id`,
      [importId],
    );
  }

  /** Sent batches among `batchIds` none of whose payouts is still batched become closed; answers their ids. */
  @GenerateSql({ params: [SQL_MANAGER, [SQL_ID]] })
  async closeSettledBatches(manager: EntityManager, batchIds: readonly string[]): Promise<string[]> {
    const [closed] = await manager.query<[{ id: string }[], number]>(
      `UPDATE payout_batches b SET state = 'closed', version = version + 1, updated_at = now()
        WHERE b.id = ANY($1::uuid[]) AND b.state = 'sent' AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.batch_id = b.id AND p.state = 'batched')
       RETURNING b.id`,
      [[...batchIds]],
    );
    return closed.map((b) => b.id);
  }

  /** The import's line count and its counts per outcome; answers the counts. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 0] })
  async finish(manager: EntityManager, importId: string, lineCount: number): Promise<Record<string, number>> {
    const [[row]] = await manager.query<[{ counts: Record<string, number> }[], number]>(
      `UPDATE bank_statement_imports i SET line_count = $2,
              counts = coalesce((SELECT jsonb_object_agg(outcome, n) FROM (SELECT outcome, count(*)::int AS n FROM bank_statement_lines WHERE import_id = $1 GROUP BY outcome) c), '{}'::jsonb)
        WHERE i.id = $1 RETURNING counts`,
      [importId, lineCount],
    );
    return row?.counts ?? {};
  }

  /** The import with its first UNAPPLIED_SHOWN lines that were not applied. */
  @GenerateSql({ params: [SQL_ID] })
  async find(id: string): Promise<StatementImportDto | undefined> {
    const [row] = await this.dataSource.query<
      {
        id: string;
        msg_id: string;
        message_version: string;
        imported_by: string;
        imported_at: Date;
        line_count: number;
        counts: Record<string, number>;
        statement_ids: string[];
      }[]
    >(
      `SELECT i.*, ARRAY(SELECT s.statement_id FROM bank_statements s WHERE s.import_id = i.id ORDER BY s.statement_id) AS statement_ids
         FROM bank_statement_imports i WHERE i.id = $1`,
      [id],
    );
    if (!row) return undefined;
    const lines = await this.dataSource.query<LineRow[]>(
      `SELECT * FROM bank_statement_lines WHERE import_id = $1 AND outcome NOT IN ('paid', 'failed') ORDER BY position LIMIT ${UNAPPLIED_SHOWN}`,
      [id],
    );
    return {
      id: row.id,
      msgId: row.msg_id,
      messageVersion: row.message_version,
      statementIds: row.statement_ids,
      importedBy: row.imported_by,
      importedAt: row.imported_at.toISOString(),
      lineCount: row.line_count,
      counts: row.counts,
      unapplied: lines.map(toLineDto),
    };
  }

  /** Newest first, the last 50 imports. */
  @GenerateSql()
  async recent(): Promise<StatementImportSummary[]> {
    const rows = await this.dataSource.query<{ id: string; msg_id: string; imported_at: Date; line_count: number; counts: Record<string, number> }[]>(
      `SELECT id, msg_id, imported_at, line_count, counts FROM bank_statement_imports ORDER BY imported_at DESC, id DESC LIMIT 50`,
    );
    return rows.map((r) => ({ id: r.id, msgId: r.msg_id, importedAt: r.imported_at.toISOString(), lineCount: r.line_count, counts: r.counts }));
  }
}
