import { HttpStatus, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppConfig } from '../../config/app-config.js';
import { ConflictError, DomainError, NotFoundError } from '../../http/errors.js';
import type { StaffPrincipal } from '../../staff/access.js';
import { PayoutsService } from '../payouts.service.js';
import type { StatementImportDto } from './bank-statements.dto.js';
import { BankStatementsRepository, type StatementImportSummary } from './bank-statements.repository.js';
import { parseCamt053, type StatementLine } from './camt053-parser.js';

/** Lines inserted per statement while the file streams in. */
const LINE_CHUNK = 1000;

export class StatementAlreadyImportedError extends ConflictError {
  constructor(what: string) {
    super('STATEMENT_ALREADY_IMPORTED', `${what} was imported already: nothing was changed.`);
  }
}

/**
 * The bank's own camt.053 statement closes the loop: each transfer out of the paper's account is
 * matched to a payout by the reference tipdesk wrote into the bank file, its amount and currency;
 * a match is paid, a return (RtrInf) failed with the reason in words; everything else is listed,
 * never applied. One transaction per statement, imported once (by MsgId and statement id).
 */
@Injectable()
export class BankStatementsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: BankStatementsRepository,
    private readonly payouts: PayoutsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async import(staff: StaffPrincipal, input: AsyncIterable<Buffer | string> | Readable): Promise<StatementImportDto> {
    if (staff.role !== 'accounting' && staff.role !== 'admin')
      throw new DomainError(HttpStatus.FORBIDDEN, 'PAYOUT_ROLE_REFUSED', 'Only accounting or admin staff can import bank statements.');
    const id = await this.dataSource.transaction(async (manager) => {
      let importId: string | null = null;
      let msgId = '';
      let position = 0;
      let pending: StatementLine[] = [];
      const flush = async () => {
        if (!importId || pending.length === 0) return;
        await this.statements.insertLines(manager, importId, position, pending);
        position += pending.length;
        pending = [];
      };
      for await (const event of parseCamt053(input, this.config.BANK_STATEMENT_MAX_BYTES)) {
        if (event.type === 'message') {
          msgId = event.msgId.slice(0, 35);
          importId = await this.uniquely(`The message ${msgId}`, async () => {
            return this.statements.insertImport(manager, msgId, event.version, staff.id);
          });
        } else if (event.type === 'statement') {
          if (!importId)
            throw new DomainError(
              HttpStatus.BAD_REQUEST,
              'STATEMENT_INVALID',
              'The statement has no message id before its first statement. Nothing was applied.',
            );
          const statementsImportId = importId;
          await this.uniquely(`Statement ${event.id}`, () =>
            this.statements.insertStatement(manager, statementsImportId, event.id.slice(0, 35), event.account.slice(0, 34)),
          );
        } else {
          pending.push(event.line);
          if (pending.length >= LINE_CHUNK) await flush();
        }
      }
      await flush();
      if (!importId) throw new DomainError(HttpStatus.BAD_REQUEST, 'STATEMENT_INVALID', 'The statement has no message id. Nothing was applied.');
      await this.statements.decide(manager, importId);
      const settled = await this.payouts.settleFromStatement(manager, staff, importId, msgId);
      await this.closeSettledBatches(manager, staff, settled.batchIds);
      const counts = await this.statements.finish(manager, importId, position);
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'bank_statement.imported',
        entityType: 'bank_statement_import',
        entityId: importId,
        after: { msgId, lines: position, counts },
      });
      return importId;
    });
    return this.get(id);
  }

  async get(id: string): Promise<StatementImportDto> {
    const found = await this.statements.find(id);
    if (!found) throw new NotFoundError('STATEMENT_NOT_FOUND', 'There is no imported bank statement with that id.');
    return found;
  }

  /** Newest first, the last 50 imports (the accounts page). */
  async recent(): Promise<StatementImportSummary[]> {
    return this.statements.recent();
  }

  // ---- the machinery -------------------------------------------------------------------------

  /** A second import of one message or statement (even one at the same moment: the unique index waits for it) is a 409. */
  private async uniquely<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const constraint = (error as QueryFailedError & { driverError?: { code?: string; constraint?: string } }).driverError;
      if (error instanceof QueryFailedError && constraint?.code === '23505') throw new StatementAlreadyImportedError(what);
      throw error;
    }
  }

  /** A sent batch none of whose payouts is still batched is closed, as reconciling one closes it. */
  private async closeSettledBatches(manager: EntityManager, staff: StaffPrincipal, batchIds: readonly string[]): Promise<void> {
    if (batchIds.length === 0) return;
    const closed = await this.statements.closeSettledBatches(manager, batchIds);
    for (const batchId of closed) {
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'payout_batch.closed',
        entityType: 'payout_batch',
        entityId: batchId,
        before: { state: 'sent' },
        after: { state: 'closed', by: 'bank statement' },
      });
    }
  }
}
