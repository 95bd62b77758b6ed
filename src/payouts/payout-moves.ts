import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { StaffPrincipal } from '../staff/access.js';
import type { PayoutDetailDto, PayoutDto } from './dto/payouts.dto.js';
import { BatchNotSentError, IllegalPayoutTransitionError, PayoutNotFoundError, StalePayoutVersionError } from './payout.errors.js';
import { transitionProblem } from './payout-states.js';
import type { PayoutActorType, PayoutState } from './payouts.entities.js';
import { PayoutsRepository, toPayoutDto, type PayoutRow } from './payouts.repository.js';
import { PayoutRisksService } from './risks/payout-risks.service.js';

/** Who moved a payout: a staff member, the contributor of its tip, or the system (a batch). */
export type PayoutActor = { type: 'staff'; staff: StaffPrincipal } | { type: 'contributor'; tipId: string } | { type: 'system' };

/** A contributor request made in a browser that also held a staff session (whose, when still signed in). */
export type StaffBrowser = { staffId: string | null } | null;

/** The audit actions that tie a staff member to a tip's secret: they took the call, or were shown it. */
export const SECRET_HOLDER_ACTIONS = ['tip.created', 'tip.secret_shown'] as const;

export interface MoveOptions {
  version: number;
  reason?: string | null;
  action: string;
  /** Where this action starts, when narrower than the table (approve: not a voided batch's return; release: only from held). */
  from?: readonly PayoutState[];
  set?: Record<string, unknown>;
  check?: (row: PayoutRow, manager: EntityManager) => Promise<void>;
  /** The caller's transaction; without it the move is its own transaction. */
  manager?: EntityManager;
  /** Paid or failed: only while the payout's batch is marked sent, checked in the statement that moves it. */
  settles?: boolean;
}

/**
 * The payout state machine's machinery (payout-states.ts holds its table): every move is a
 * compare-and-set on the payout's version, with a payout_events row and an audit event in the
 * same transaction.
 */
@Injectable()
export class PayoutMoves {
  constructor(
    private readonly dataSource: DataSource,
    private readonly payouts: PayoutsRepository,
    private readonly audit: AuditService,
    private readonly risks: PayoutRisksService,
  ) {}

  /** The payout with its risks and its moves. */
  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<PayoutDetailDto> {
    const row = await this.payouts.find(manager, id);
    if (!row) throw new PayoutNotFoundError();
    return { ...toPayoutDto(row), risks: await this.risks.forPayout(id, manager), events: await this.payouts.events(manager, id) };
  }

  /** One state change: read, check version and table and rule, compare-and-set, event + audit. */
  async move(actor: PayoutActor, id: string, to: PayoutState, options: MoveOptions): Promise<PayoutDetailDto> {
    const inTransaction = <T>(work: (manager: EntityManager) => Promise<T>) => (options.manager ? work(options.manager) : this.dataSource.transaction(work));
    await inTransaction(async (manager) => {
      const row = await this.current(manager, id, options.version);
      if (transitionProblem(row.state, to) || (options.from && !options.from.includes(row.state))) throw new IllegalPayoutTransitionError(row.state, to);
      await options.check?.(row, manager);
      await this.compareAndSet(manager, row, to, options.set ?? {}, options.settles ?? false);
      await this.record(manager, actor, id, row.state, to, options.reason ?? null, options.action);
    });
    return this.get(id, options.manager);
  }

  /** The payout, if `version` is still its version (409 with the current payout otherwise). */
  async current(manager: EntityManager, id: string, version: number): Promise<PayoutRow> {
    const row = await this.payouts.find(manager, id);
    if (!row) throw new PayoutNotFoundError();
    if (row.version !== version) throw new StalePayoutVersionError(toPayoutDto(row));
    return row;
  }

  /** A payout of this tip; any other payout is, to a contributor, not there at all. */
  async ofTip(manager: EntityManager, tipId: string, id: string): Promise<PayoutRow> {
    const row = await this.payouts.findOfTip(manager, tipId, id);
    if (!row) throw new PayoutNotFoundError();
    return row;
  }

  /** The repository's compare-and-set; when it loses, 409 with the current payout (or BATCH_NOT_SENT for a settling move). */
  async compareAndSet(manager: EntityManager, row: PayoutRow, to: PayoutState, set: Record<string, unknown>, settles = false): Promise<void> {
    if (await this.payouts.compareAndSet(manager, row, to, set, settles)) return;
    const current = (await this.get(row.id, manager)) as PayoutDto;
    if (settles && current.version === row.version) throw new BatchNotSentError(await this.payouts.batchState(manager, row.batch_id, false));
    throw new StalePayoutVersionError(current);
  }

  /** The payout event and its audit event. */
  async record(
    manager: EntityManager,
    actor: PayoutActor,
    payoutId: string,
    from: PayoutState | null,
    to: PayoutState,
    reason: string | null,
    action: string,
    extra: Record<string, unknown> = {},
    detail: Record<string, unknown> | null = null,
  ): Promise<void> {
    const actorType: PayoutActorType = actor.type;
    const actorId = actor.type === 'staff' ? actor.staff.id : null;
    const role = actor.type === 'staff' ? actor.staff.role : actor.type;
    await this.payouts.appendEvent(manager, { payoutId, actorType, actorId, role, from, to, reason, detail });
    await this.audit.record(manager, {
      actorType,
      actorId,
      action,
      entityType: 'payout',
      entityId: payoutId,
      before: from === null ? null : { state: from },
      after: { state: to, ...(reason ? { reason } : {}), ...extra, ...(detail ?? {}) },
    });
  }

  /** Staff who logged the tip (took the call) or were shown its secret, from the tip's audit trail. */
  async secretHolders(manager: EntityManager, tipId: string): Promise<Map<string, string[]>> {
    const actors = await this.audit.staffActors(manager, 'tip', tipId, SECRET_HOLDER_ACTIONS);
    return new Map(actors.map((a) => [a.staffId, a.actions]));
  }
}
