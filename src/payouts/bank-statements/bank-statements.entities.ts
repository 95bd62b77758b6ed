import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { StaffUser } from '../../staff/staff.entities.js';
import { Payout } from '../payouts.entities.js';

/** One camt.053 message imported: by whom, when, and what came of its lines. Imported once (by MsgId). */
@Entity('bank_statement_imports')
@Index('uq_bank_statement_imports_msg_id', ['msgId'], { unique: true })
export class BankStatementImport {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_bank_statement_imports' })
  id: string;

  @Column({ type: 'varchar', length: 35 })
  msgId: string;

  /** camt.053.001.02 or camt.053.001.08. */
  @Column({ type: 'varchar', length: 16 })
  messageVersion: string;

  @Column({ type: 'uuid' })
  importedBy: string;

  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'imported_by', foreignKeyConstraintName: 'fk_bank_statement_imports_imported_by' })
  importer?: Relation<StaffUser>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  importedAt: Date;

  @Column({ type: 'integer', default: 0 })
  lineCount: number;

  /** Lines per outcome (paid, failed, unmatched, mismatched, conflict, already_settled, …). */
  @Column({ type: 'jsonb' })
  counts: Record<string, number>;
}

/** Each statement of an import, by the bank's statement id on one account: a statement is imported once. */
@Entity('bank_statements')
@Index('uq_bank_statements_account_statement_id', ['account', 'statementId'], { unique: true })
export class BankStatement {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_bank_statements' })
  id: string;

  @Column({ type: 'uuid' })
  importId: string;

  @ManyToOne(() => BankStatementImport, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'import_id', foreignKeyConstraintName: 'fk_bank_statements_import_id' })
  import?: Relation<BankStatementImport>;

  @Column({ type: 'varchar', length: 35 })
  statementId: string;

  /** The paper's account the statement is for (IBAN or the bank's own id). */
  @Column({ type: 'varchar', length: 34 })
  account: string;
}

/** One transfer or return from a statement, and what tipdesk made of it. */
@Entity('bank_statement_lines')
@Index('uq_bank_statement_lines_import_id_position', ['importId', 'position'], { unique: true })
@Index('ix_bank_statement_lines_payout_id', ['payoutId'])
export class BankStatementLine {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_bank_statement_lines' })
  id: string;

  @Column({ type: 'uuid' })
  importId: string;

  @ManyToOne(() => BankStatementImport, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'import_id', foreignKeyConstraintName: 'fk_bank_statement_lines_import_id' })
  import?: Relation<BankStatementImport>;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: 35 })
  statementId: string;

  /** The bank's reference for the entry (AcctSvcrRef): kept as the paid payout's bank reference. */
  @Column({ type: 'varchar', length: 35, nullable: true })
  entryReference: string | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  endToEndId: string | null;

  @Column({ type: 'varchar', length: 140, nullable: true })
  remittance: string | null;

  /** DBIT: money out of the paper's account; CRDT: money back (a return). */
  @Column({ type: 'varchar', length: 4 })
  direction: string;

  @Column({ type: 'boolean', default: false })
  reversal: boolean;

  /** BOOK, PDNG, INFO… */
  @Column({ type: 'varchar', length: 8 })
  status: string;

  /** As the bank wrote it; null when it is not an amount in pence or cents. */
  @Column({ type: 'bigint', nullable: true })
  amountMinor: string | null;

  @Column({ type: 'varchar', length: 32 })
  amountText: string;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 8, nullable: true })
  returnCode: string | null;

  @Column({ type: 'varchar', length: 140, nullable: true })
  returnInfo: string | null;

  @Column({ type: 'date', nullable: true })
  bookingDate: string | null;

  /** The tipdesk reference found in the end-to-end id or the remittance information. */
  @Column({ type: 'varchar', length: 18, nullable: true })
  payoutReference: string | null;

  @Column({ type: 'uuid', nullable: true })
  payoutId: string | null;

  @ManyToOne(() => Payout, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'payout_id', foreignKeyConstraintName: 'fk_bank_statement_lines_payout_id' })
  payout?: Relation<Payout>;

  /** paid, failed (applied) or unmatched, mismatched, conflict, already_settled, duplicate, not_booked, ignored (listed only). */
  @Column({ type: 'varchar', length: 24, default: 'unmatched' })
  outcome: string;

  @Column({ type: 'varchar', length: 300, nullable: true })
  detail: string | null;
}
