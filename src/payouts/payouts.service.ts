import { HttpStatus, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from '../http/errors.js';
import { cursorTimestampSql, decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { PayoutRisksService, type PayoutRisk } from './risks/payout-risks.service.js';
import { RISK_RULE } from './risks/payout-risk-rules.js';
import type { PayoutRiskCode } from './risks/risk-codes.js';
import type { StaffPrincipal } from '../staff/access.js';
import type { StaffRole } from '../staff/staff.entities.js';
import { crockfordBase32 } from '../text/crockford.js';
import type { Licence } from '../tips/tips.entities.js';
import {
  PAYOUT_PAGE_SIZE_DEFAULT,
  type AcceptPayoutDto,
  type ApprovePayoutDto,
  type ClearRiskDto,
  type ConflictWaiverDto,
  type ContributorPayoutDto,
  type ListPayoutsQueryDto,
  type MarkPaidDto,
  type OfferPayoutDto,
  type PayeeDetailsDto,
  type PayoutDetailDto,
  type PayoutDto,
  type PayoutEventDto,
  type PayoutPageDto,
  type PayoutReasonDto,
  type PayoutTotalDto,
  type PayoutVersionDto,
  type TipPayoutEventDto,
} from './dto/payouts.dto.js';
import { maskAccount, maskName, validatePayee, type PayeeAccount } from './payee-details.js';
import { nextPayoutStates, transitionProblem } from './payout-states.js';
import { formatMoneyOf } from './risks/money-words.js';
import type { BatchState, Currency, PayeeMethod, PayoutActorType, PayoutState } from './payouts.entities.js';

export class PayoutNotFoundError extends NotFoundError {
  constructor() {
    super('PAYOUT_NOT_FOUND', 'There is no payout with that id.');
  }
}

/** 409 carrying the payout as it is now, so the caller can see what changed and try again. */
export class StalePayoutVersionError extends ConflictError {
  override readonly details: { current: PayoutDto };

  constructor(current: PayoutDto) {
    super(
      'PAYOUT_STALE_VERSION',
      `Someone changed this payout since you opened it (it is now at version ${current.version}, ${current.state}). Check it and try again.`,
    );
    this.details = { current };
  }
}

export class IllegalPayoutTransitionError extends ConflictError {
  override readonly details: { from: PayoutState; to: PayoutState; allowed: readonly PayoutState[] };

  constructor(from: PayoutState, to: PayoutState) {
    super('PAYOUT_ILLEGAL_TRANSITION', transitionProblem(from, to) ?? `This payout is ${from}: it cannot become ${to} this way.`);
    this.details = { from, to, allowed: nextPayoutStates(from) };
  }
}

export class OwnOfferApprovalError extends DomainError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'PAYOUT_OWN_OFFER', 'You made (or reissued) this offer: a different person in accounting must approve it.');
  }
}

/** 403: whoever logged a tip or saw its secret could be its "contributor": they never offer or approve on it. */
export class ConflictOfInterestError extends DomainError {
  constructor(why: string) {
    super(HttpStatus.FORBIDDEN, 'PAYOUT_CONFLICT_OF_INTEREST', why);
  }
}

/** 409: approving needs every open risk named in `acknowledgeRisks`; the body lists them. */
export class RisksNotAcknowledgedError extends ConflictError {
  override readonly details: { risks: { code: PayoutRiskCode; message: string }[] };

  constructor(missing: PayoutRisk[]) {
    super('PAYOUT_RISKS_NOT_ACKNOWLEDGED', `This payout has risks to read and acknowledge before approving it: ${missing.map((r) => r.code).join(', ')}.`);
    this.details = { risks: missing.map((r) => ({ code: r.code, message: r.message })) };
  }
}

/** A contributor request made in a browser that also held a staff session (whose, when still signed in). */
type StaffBrowser = { staffId: string | null } | null;

/** The audit actions that tie a staff member to a tip's secret: they took the call, or were shown it. */
export const SECRET_HOLDER_ACTIONS = ['tip.created', 'tip.secret_shown'] as const;

export class LegalSignOffRequiredError extends ConflictError {
  constructor() {
    super(
      'PAYOUT_LEGAL_SIGN_OFF_REQUIRED',
      'This payout is flagged under the Editors’ Code (clauses 15/16): an admin must record legal sign-off before it can be approved.',
    );
  }
}

/**
 * 409: the payout's batch is not marked sent (its file may or may not be at the bank), or no
 * longer exists as a live batch: settling now could pay twice, so nothing is changed.
 */
export class BatchNotSentError extends ConflictError {
  override readonly details: { batchState: string | null };

  constructor(batchState: string | null) {
    super(
      'BATCH_NOT_SENT',
      batchState === 'locked'
        ? 'This payout’s batch has not been marked sent to the bank: mark the batch sent first (or, if the bank never got the file, void it). Nothing was changed.'
        : `This payout’s batch is ${batchState ?? 'gone'}: only a payout in a batch marked sent can be settled. Nothing was changed.`,
    );
    this.details = { batchState };
  }
}

class PayoutRoleError extends DomainError {
  constructor(what: string, roles: readonly StaffRole[]) {
    super(HttpStatus.FORBIDDEN, 'PAYOUT_ROLE_REFUSED', `Only ${roles.join(' or ')} staff can ${what}.`);
  }
}

/** Who moved a payout: a staff member, the contributor of its tip, or the system (a batch). */
export type PayoutActor = { type: 'staff'; staff: StaffPrincipal } | { type: 'contributor'; tipId: string } | { type: 'system' };

/** The decrypted payee of one payout, for an exporter to write (and a batch to snapshot). */
export interface PayeeSnapshot {
  payoutId: string;
  payeeDetailsId: string;
  payeeVersion: number;
  method: PayeeMethod;
  accountName: string;
  account: PayeeAccount;
  masked: string;
}

const ACCOUNTS: readonly StaffRole[] = ['accounting', 'admin'];
/** The ledger export: a record for the accounts, never sent to a bank. */
export const LEDGER_FORMAT = 'csv';
const OFFERERS: readonly StaffRole[] = ['editor', 'admin'];
const PAYEE_LOCK = 0x70617965; // 'paye': serialises payee versions per contributor (with the contributor's hash)

interface PayoutRow {
  id: string;
  tip_id: string;
  contributor_id: string;
  amount_minor: string;
  currency: Currency;
  licence: Licence;
  state: PayoutState;
  bank_reference: string;
  offered_by: string;
  offered_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  legal_witness: boolean;
  legal_crime: boolean;
  legal_signed_off_by: string | null;
  legal_signed_off_at: Date | null;
  payee_details_id: string | null;
  batch_id: string | null;
  paid_reference: string | null;
  failure_reason: string | null;
  replaces_payout_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  cursor_at?: string;
  payee_from_staff_browser: boolean;
  payee_staff_browser_staff_id: string | null;
  first_approved_by: string | null;
  first_approved_at: Date | null;
  payee_version: number | null;
  payee_method: PayeeMethod | null;
  payee_masked: string | null;
  payee_name_masked: string | null;
  batch_state: BatchState | null;
  batch_format: string | null;
}

const PAYOUT_SELECT = `
  SELECT p.*, ${cursorTimestampSql('p.created_at')} AS cursor_at,
         d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
         b.state AS batch_state, b.format AS batch_format
    FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id`;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function toDto(row: PayoutRow): PayoutDto {
  return {
    id: row.id,
    tipId: row.tip_id,
    contributorId: row.contributor_id,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    licence: row.licence,
    state: row.state,
    allowedStates: [...nextPayoutStates(row.state)],
    bankReference: row.bank_reference,
    offeredBy: row.offered_by,
    offeredAt: row.offered_at.toISOString(),
    approvedBy: row.approved_by,
    approvedAt: iso(row.approved_at),
    firstApprovedBy: row.first_approved_by,
    firstApprovedAt: iso(row.first_approved_at),
    legalFlags: { witness: row.legal_witness, crime: row.legal_crime },
    legalSignedOffBy: row.legal_signed_off_by,
    legalSignedOffAt: iso(row.legal_signed_off_at),
    payee: row.payee_details_id
      ? {
          id: row.payee_details_id,
          version: row.payee_version!,
          method: row.payee_method!,
          masked: row.payee_masked!,
          accountNameMasked: row.payee_name_masked!,
        }
      : null,
    batchId: row.batch_id,
    batchState: row.batch_state,
    batchFormat: row.batch_format,
    paidReference: row.paid_reference,
    failureReason: row.failure_reason,
    replacesPayoutId: row.replaces_payout_id,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** `TIPDESK 7K3Q9XRM`: 16 characters of the banks' safe set, 40 random bits. */
export function generateBankReference(): string {
  return `TIPDESK ${crockfordBase32(randomBytes(5), 8)}`;
}

/** `£250`, `£12.50`, `€1,000`. */
export const formatMoney = formatMoneyOf;

const LICENCE_WORDS: Record<Licence, string> = { exclusive: 'exclusive use', non_exclusive: 'non-exclusive use' };

/** Where a payout stands, in the contributor's words. */
export function contributorStateText(p: { state: PayoutState; amountMinor: number; currency: Currency; licence: Licence }, material = 'video'): string {
  switch (p.state) {
    case 'offered':
      return `We’d like to pay you ${formatMoney(p.amountMinor, p.currency)} for ${LICENCE_WORDS[p.licence]} of your ${material}`;
    case 'accepted':
      return 'Offer accepted: the payment is waiting for approval';
    case 'held':
      return 'Payment on hold: we will be in touch';
    case 'approved':
      return 'Payment approved';
    case 'batched':
      return 'Payment scheduled';
    case 'paid':
      return 'Paid';
    case 'failed':
      return 'Payment failed – please update your details';
    case 'declined':
      return 'You declined this offer';
    case 'cancelled':
      return 'This offer was withdrawn';
  }
}

/**
 * Payment offers through to paid: the payout state machine (payout-states.ts) in one service.
 * Every move is a compare-and-set on the payout's version, with a payout_events row and an
 * audit event in the same transaction. Payee details are validated, stored as a new encrypted
 * version each time, and shown to staff only masked.
 */
@Injectable()
export class PayoutsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cipher: FieldCipher,
    private readonly notifications: NotificationsService,
    private readonly risks: PayoutRisksService,
  ) {}

  // ---- reads ---------------------------------------------------------------------------------

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<PayoutDetailDto> {
    const [row] = await manager.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.id = $1`, [id]);
    if (!row) throw new PayoutNotFoundError();
    const events = await manager.query<
      {
        at: Date;
        actor_type: string;
        actor_id: string | null;
        role: string;
        from_state: PayoutState | null;
        to_state: PayoutState;
        reason: string | null;
        detail: Record<string, unknown> | null;
      }[]
    >(`SELECT at, actor_type, actor_id, role, from_state, to_state, reason, detail FROM payout_events WHERE payout_id = $1 ORDER BY at, seq`, [id]);
    return {
      ...toDto(row),
      risks: await this.risks.forPayout(id, manager),
      events: events.map((e): PayoutEventDto => ({
        at: e.at.toISOString(),
        actorType: e.actor_type,
        actorId: e.actor_id,
        role: e.role,
        fromState: e.from_state,
        toState: e.to_state,
        reason: e.reason,
        detail: e.detail,
      })),
    };
  }

  /** The payouts of one tip, oldest first (the tip page). */
  async forTip(tipId: string): Promise<PayoutDto[]> {
    await this.tipOrThrow(tipId);
    const rows = await this.dataSource.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.tip_id = $1 ORDER BY p.created_at, p.id`, [tipId]);
    return rows.map(toDto);
  }

  /** Accounting's list: newest first, optionally one state, a keyset page at a time. */
  async list(query: ListPayoutsQueryDto): Promise<PayoutPageDto> {
    const limit = query.limit ?? PAYOUT_PAGE_SIZE_DEFAULT;
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    if (query.state) where.push(`p.state = ${param(query.state)}`);
    if (query.cursor) {
      const cursor = decodeKeysetCursor(query.cursor);
      where.push(`(p.created_at, p.id) < (${param(cursor.at)}::timestamptz, ${param(cursor.id)}::uuid)`);
    }
    const rows = await this.dataSource.query<PayoutRow[]>(
      `${PAYOUT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.created_at DESC, p.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return { items: page.map(toDto), nextCursor: more && last ? encodeKeysetCursor({ at: last.cursor_at!, id: last.id }) : null };
  }

  /** Count and sum per currency and state. */
  async totals(): Promise<PayoutTotalDto[]> {
    const rows = await this.dataSource.query<{ currency: Currency; state: PayoutState; count: number; total_minor: string }[]>(
      `SELECT currency, state, count(*)::int AS count, sum(amount_minor)::text AS total_minor FROM payouts GROUP BY currency, state ORDER BY currency, state`,
    );
    const risks = await this.risks.openCounts();
    return rows.map((r) => ({
      currency: r.currency,
      state: r.state,
      count: r.count,
      totalMinor: Number(r.total_minor),
      risks: risks.get(`${r.currency}:${r.state}`) ?? {},
    }));
  }

  /** Every move of every payout of a tip, oldest first (the tip page's history and Payments panel). */
  async eventsForTip(tipId: string): Promise<TipPayoutEventDto[]> {
    const rows = await this.dataSource.query<
      {
        payout_id: string;
        bank_reference: string;
        at: Date;
        actor_type: string;
        actor_id: string | null;
        role: string;
        from_state: PayoutState | null;
        to_state: PayoutState;
        reason: string | null;
        detail: Record<string, unknown> | null;
        batch_format: string | null;
      }[]
    >(
      `SELECT e.payout_id, p.bank_reference, e.at, e.actor_type, e.actor_id, e.role, e.from_state, e.to_state, e.reason, e.detail,
              CASE WHEN e.to_state = 'batched' AND e.from_state = 'approved' THEN b.format END AS batch_format
         FROM payout_events e JOIN payouts p ON p.id = e.payout_id LEFT JOIN payout_batches b ON b.id = p.batch_id
        WHERE p.tip_id = $1 ORDER BY e.at, e.seq`,
      [tipId],
    );
    return rows.map((e) => ({
      payoutId: e.payout_id,
      bankReference: e.bank_reference,
      at: e.at.toISOString(),
      actorType: e.actor_type,
      actorId: e.actor_id,
      role: e.role,
      fromState: e.from_state,
      toState: e.to_state,
      reason: e.reason,
      detail: e.detail,
      batchFormat: e.batch_format,
    }));
  }

  /**
   * What the contributor's status page shows of the tip's payouts. A payout in a ledger export
   * (`csv`, a masked spreadsheet for the accounts, not a bank file) is still "approved" to the
   * contributor: nothing has gone to a bank, so nothing they are told changes.
   */
  async forContributor(tipId: string): Promise<ContributorPayoutDto[]> {
    const rows = await this.dataSource.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.tip_id = $1 ORDER BY p.created_at, p.id`, [tipId]);
    if (rows.length === 0) return [];
    const [{ has_video }] = await this.dataSource.query<{ has_video: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM media WHERE tip_id = $1 AND kind = 'video') AS has_video`,
      [tipId],
    );
    return rows.map((row) => {
      const dto = toDto(row);
      const state: PayoutState = dto.state === 'batched' && row.batch_format === LEDGER_FORMAT ? 'approved' : dto.state;
      return {
        id: dto.id,
        amountMinor: dto.amountMinor,
        currency: dto.currency,
        licence: dto.licence,
        state,
        stateText: contributorStateText({ ...dto, state }, has_video ? 'video' : 'story'),
        payeeMasked: row.payee_masked,
        payeeMethod: row.payee_method,
        bankReference: dto.bankReference,
        changedAt: dto.updatedAt,
      };
    });
  }

  /**
   * Who logged this tip or was shown its secret (and so may not offer or approve on it), and
   * whether an admin has let them offer all the same: for the tip page's admin section.
   */
  async secretHoldersOf(tipId: string): Promise<{ staffId: string; waived: boolean }[]> {
    const holders = await this.secretHolders(this.dataSource.manager, tipId);
    const waivers = await this.dataSource.query<{ staff_id: string }[]>(`SELECT staff_id FROM payout_conflict_waivers WHERE tip_id = $1`, [tipId]);
    return [...holders.keys()].map((staffId) => ({ staffId, waived: waivers.some((w) => w.staff_id === staffId) }));
  }

  // ---- staff moves ---------------------------------------------------------------------------

  /** An editor offers payment for a tip: a new payout in `offered`. */
  async offer(staff: StaffPrincipal, tipId: string, input: OfferPayoutDto): Promise<PayoutDetailDto> {
    requireRole(staff, OFFERERS, 'offer payment');
    const id = await this.dataSource.transaction(async (manager) => {
      const tip = await this.tipOrThrow(tipId, manager);
      const holders = await this.secretHolders(manager, tipId);
      const waived = holders.has(staff.id) && (await this.waiverFor(manager, tipId, staff.id));
      if (holders.has(staff.id) && !waived) {
        throw new ConflictOfInterestError(
          'You logged this tip or were shown its secret, so you could sign in as its contributor: another editor must make the offer.',
        );
      }
      const witness = input.legalFlags?.witness ?? false;
      const crime = input.legalFlags?.crime ?? false;
      const [row] = await manager.query<{ id: string }[]>(
        `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, legal_witness, legal_crime)
         VALUES ($1, $2, $3, $4, $5, 'offered', $6, $7, now(), $8, $9) RETURNING id`,
        [tipId, tip.contributor_id, input.amountMinor, input.currency, input.licence, generateBankReference(), staff.id, witness, crime],
      );
      await this.recordMove(
        manager,
        { type: 'staff', staff },
        row.id,
        null,
        'offered',
        null,
        'payout.offered',
        {
          amountMinor: input.amountMinor,
          currency: input.currency,
          licence: input.licence,
          legalFlags: { witness, crime },
        },
        {
          // Who knows the tip's secret is part of the payout's story: they may never approve it.
          tipLoggedBy: [...holders].filter(([, actions]) => actions.includes('tip.created')).map(([id]) => id),
          secretSeenBy: [...holders.keys()],
          ...(waived ? { offeredUnderWaiver: true } : {}),
        },
      );
      return row.id;
    });
    // After the commit, in the background: a mail that fails never undoes or delays the offer.
    void this.notifications.offerMade(tipId, id);
    return this.get(id);
  }

  /**
   * Accounting approves an accepted payout: never the person who offered (or reissued) it, nor
   * anyone who logged its tip, saw its secret or typed its payee details in their own browser;
   * never while a legal flag lacks sign-off; and only with every open risk acknowledged by name
   * (PAYEE_FROM_STAFF_BROWSER by an admin). At or over PAYOUT_SECOND_APPROVAL_MINOR it takes two
   * different approvers: the first leaves it accepted with one approval, the second approves.
   */
  async approve(staff: StaffPrincipal, id: string, input: ApprovePayoutDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS, 'approve payouts');
    await this.dataSource.transaction(async (manager) => {
      const row = await this.current(manager, id, input.version);
      if (row.state !== 'accepted') throw new IllegalPayoutTransitionError(row.state, 'approved');
      await this.refuseParties(manager, staff, row, 'approve');
      if ((row.legal_witness || row.legal_crime) && !row.legal_signed_off_at) throw new LegalSignOffRequiredError();
      const acknowledged = await this.acknowledge(manager, staff, row, input.acknowledgeRisks ?? []);
      const detail = {
        acknowledgedRisks: acknowledged.map((r) => r.code),
        ...(staff.role === 'admin' && acknowledged.some((r) => r.adminOnly)
          ? { clearedRisks: acknowledged.filter((r) => r.adminOnly).map((r) => r.code), payeeDetailsId: row.payee_details_id }
          : {}),
      };
      const twoApprovers =
        acknowledged.some((r) => r.code === 'AMOUNT_OVER_LIMIT') || (await this.risks.forPayout(id, manager)).some((r) => r.code === 'AMOUNT_OVER_LIMIT');
      if (twoApprovers && !row.first_approved_by) {
        await this.compareAndSet(manager, row, 'accepted', { first_approved_by: staff.id, first_approved_at: 'now()' });
        await this.recordMove(
          manager,
          { type: 'staff', staff },
          id,
          'accepted',
          'accepted',
          input.reason ?? 'first of two approvals',
          'payout.first_approval',
          {},
          { ...detail, firstApproval: true },
        );
        return;
      }
      if (twoApprovers && row.first_approved_by === staff.id) {
        throw new ConflictError(
          'PAYOUT_ALREADY_APPROVED_BY_YOU',
          'You gave this payout its first approval: a second, different person in accounting must approve it.',
        );
      }
      await this.compareAndSet(manager, row, 'approved', { approved_by: staff.id, approved_at: 'now()' });
      await this.recordMove(
        manager,
        { type: 'staff', staff },
        id,
        'accepted',
        'approved',
        input.reason ?? null,
        'payout.approved',
        {},
        {
          ...detail,
          ...(twoApprovers ? { secondApproval: true, firstApprovedBy: row.first_approved_by } : {}),
        },
      );
    });
    return this.get(id);
  }

  /**
   * An admin clears one risk ahead of approval, with a reason, for the payout's current payee
   * details (new details are a new question). Never someone who took part (offered it, logged
   * the tip or saw its secret, typed the details in their browser).
   */
  async clearRisk(staff: StaffPrincipal, id: string, input: ClearRiskDto): Promise<PayoutDetailDto> {
    requireRole(staff, ['admin'], 'clear payout risks');
    await this.dataSource.transaction(async (manager) => {
      const row = await this.current(manager, id, input.version);
      if (row.state !== 'accepted' && row.state !== 'held')
        throw new ConflictError('PAYOUT_NOT_AWAITING_APPROVAL', `Risks are cleared before approval; this payout is ${row.state}.`);
      await this.refuseParties(manager, staff, row, 'clear a risk on');
      const risk = (await this.risks.forPayout(id, manager)).find((r) => r.code === input.code);
      if (!risk) throw new ConflictError('PAYOUT_RISK_NOT_PRESENT', `This payout does not carry ${input.code}.`);
      if (!RISK_RULE[input.code].clearable)
        throw new ConflictError('PAYOUT_RISK_NOT_CLEARABLE', `${input.code} cannot be cleared: it is met by a second approver.`);
      if (risk.cleared) throw new ConflictError('PAYOUT_RISK_ALREADY_CLEARED', `${input.code} is already cleared for these payment details.`);
      await this.compareAndSet(manager, row, row.state, {});
      await this.recordMove(
        manager,
        { type: 'staff', staff },
        id,
        row.state,
        row.state,
        input.reason,
        'payout.risk_cleared',
        {},
        { clearedRisks: [input.code], payeeDetailsId: row.payee_details_id },
      );
    });
    return this.get(id);
  }

  /**
   * An admin lets one staff member who logged a tip or saw its secret offer on it all the same
   * (the only editor on shift took the call): each payout they then offer carries
   * LOGGED_BY_OFFERER. The admin must not hold the secret themselves.
   */
  async waiveConflict(staff: StaffPrincipal, tipId: string, input: ConflictWaiverDto): Promise<{ tipId: string; staffId: string; reason: string }> {
    requireRole(staff, ['admin'], 'waive the secret-holder rule');
    await this.dataSource.transaction(async (manager) => {
      await this.tipOrThrow(tipId, manager);
      const holders = await this.secretHolders(manager, tipId);
      if (holders.has(staff.id) || input.staffId === staff.id) {
        throw new ConflictOfInterestError('You logged this tip or saw its secret (or the waiver would be for yourself): another admin must decide.');
      }
      if (!holders.has(input.staffId))
        throw new ConflictError('PAYOUT_WAIVER_NOT_NEEDED', 'That person neither logged this tip nor saw its secret: they can offer on it already.');
      const [inserted] = await manager.query<{ id: string }[]>(
        `INSERT INTO payout_conflict_waivers (tip_id, staff_id, granted_by, reason) VALUES ($1, $2, $3, $4) ON CONFLICT (tip_id, staff_id) DO NOTHING RETURNING id`,
        [tipId, input.staffId, staff.id, input.reason],
      );
      if (!inserted) throw new ConflictError('PAYOUT_WAIVER_EXISTS', 'That person may already offer on this tip.');
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'payout.conflict_waived',
        entityType: 'tip',
        entityId: tipId,
        after: { staffId: input.staffId, reason: input.reason },
      });
    });
    return { tipId, ...input };
  }

  async hold(staff: StaffPrincipal, id: string, input: PayoutReasonDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS, 'hold payouts');
    return this.move({ type: 'staff', staff }, id, 'held', { version: input.version, reason: input.reason, action: 'payout.held' });
  }

  /** A held payout goes back to accepted and needs approving again. */
  async release(staff: StaffPrincipal, id: string, input: PayoutVersionDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS, 'release payouts');
    return this.move({ type: 'staff', staff }, id, 'accepted', {
      version: input.version,
      reason: input.reason,
      action: 'payout.released',
      from: ['held'],
      set: { approved_by: null, approved_at: null, first_approved_by: null, first_approved_at: null },
    });
  }

  /** The editor who offered it, or accounting, may cancel a payout until it is in a batch. */
  async cancel(staff: StaffPrincipal, id: string, input: PayoutReasonDto): Promise<PayoutDetailDto> {
    requireRole(staff, ['editor', ...ACCOUNTS], 'cancel payouts');
    return this.move({ type: 'staff', staff }, id, 'cancelled', {
      version: input.version,
      reason: input.reason,
      action: 'payout.cancelled',
      check: async (row) => {
        if (staff.role === 'editor' && row.offered_by !== staff.id) {
          throw new DomainError(HttpStatus.FORBIDDEN, 'PAYOUT_NOT_YOUR_OFFER', 'Editors can cancel only the offers they made; ask accounting.');
        }
      },
    });
  }

  /** An admin records that the legal question (Editors' Code cl. 15/16) has been answered. */
  async legalSignOff(staff: StaffPrincipal, id: string, input: PayoutVersionDto): Promise<PayoutDetailDto> {
    requireRole(staff, ['admin'], 'record legal sign-off');
    await this.dataSource.transaction(async (manager) => {
      const row = await this.current(manager, id, input.version);
      if (!row.legal_witness && !row.legal_crime) throw new ConflictError('PAYOUT_NOT_LEGALLY_FLAGGED', 'This payout has no legal flag to sign off.');
      if (row.legal_signed_off_at) throw new ConflictError('PAYOUT_ALREADY_SIGNED_OFF', 'Legal sign-off for this payout is already recorded.');
      if (nextPayoutStates(row.state).length === 0) throw new IllegalPayoutTransitionError(row.state, row.state);
      await this.compareAndSet(manager, row, row.state, { legal_signed_off_by: staff.id, legal_signed_off_at: 'now()' });
      await this.recordMove(manager, { type: 'staff', staff }, id, row.state, row.state, input.reason ?? 'legal sign-off', 'payout.legal_signed_off');
    });
    return this.get(id);
  }

  /** batched → paid. Pass `manager` to run inside a caller's transaction (a batch's reconciliation). */
  async markPaid(staff: StaffPrincipal, id: string, input: MarkPaidDto, manager?: EntityManager): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS, 'mark payouts paid');
    return this.move({ type: 'staff', staff }, id, 'paid', {
      version: input.version,
      reason: `bank reference ${input.reference}`,
      action: 'payout.paid',
      set: { paid_reference: input.reference },
      manager,
      settles: true,
    });
  }

  /** batched → failed. Pass `manager` to run inside a caller's transaction (a batch's reconciliation). */
  async markFailed(staff: StaffPrincipal, id: string, input: PayoutReasonDto, manager?: EntityManager): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS, 'mark payouts failed');
    return this.move({ type: 'staff', staff }, id, 'failed', {
      version: input.version,
      reason: input.reason,
      action: 'payout.failed',
      set: { failure_reason: input.reason },
      manager,
      settles: true,
    });
  }

  /**
   * A failed payout is never retried in place: it is reissued as a new payout (same tip, amount,
   * licence and legal flags and sign-off, the contributor's latest payee details) in `accepted`,
   * pointing to the failed one, so it needs approval again — by neither its offerer nor its reissuer.
   */
  async reissue(staff: StaffPrincipal, id: string, input: PayoutVersionDto): Promise<PayoutDetailDto> {
    requireRole(staff, ACCOUNTS, 'reissue payouts');
    const newId = await this.dataSource.transaction(async (manager) => {
      const row = await this.current(manager, id, input.version);
      if (row.state !== 'failed') {
        throw new ConflictError('PAYOUT_NOT_FAILED', `Only a failed payout can be reissued; this one is ${row.state}.`);
      }
      // A payout "failed" while its file may still reach the bank is no failure to reissue.
      const [batch] = await manager.query<{ state: string }[]>(`SELECT state FROM payout_batches WHERE id = $1 FOR SHARE`, [row.batch_id]);
      if (batch?.state !== 'sent' && batch?.state !== 'closed') throw new BatchNotSentError(batch?.state ?? null);
      const [already] = await manager.query<{ id: string }[]>(`SELECT id FROM payouts WHERE replaces_payout_id = $1`, [id]);
      if (already) throw new ConflictError('PAYOUT_ALREADY_REISSUED', 'This failed payout has already been reissued.');
      const [payee] = await manager.query<{ id: string }[]>(`SELECT id FROM payee_details WHERE contributor_id = $1 ORDER BY version DESC LIMIT 1`, [
        row.contributor_id,
      ]);
      const [created] = await manager.query<{ id: string }[]>(
        `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at,
                              legal_witness, legal_crime, legal_signed_off_by, legal_signed_off_at, payee_details_id, replaces_payout_id)
         SELECT tip_id, contributor_id, amount_minor, currency, licence, 'accepted', $2, offered_by, offered_at,
                legal_witness, legal_crime, legal_signed_off_by, legal_signed_off_at, $3, id
           FROM payouts WHERE id = $1
         RETURNING id`,
        [id, generateBankReference(), payee?.id ?? row.payee_details_id],
      );
      await this.recordMove(
        manager,
        { type: 'staff', staff },
        created.id,
        null,
        'accepted',
        input.reason ?? `reissue of ${row.bank_reference}`,
        'payout.reissued',
        {
          replacesPayoutId: id,
        },
      );
      return created.id;
    });
    return this.get(newId);
  }

  // ---- the contributor's moves ---------------------------------------------------------------

  /**
   * The contributor accepts an offer of their own tip and says where to pay. The payee details
   * become a new version; approved payouts of the contributor on older details go on hold.
   */
  async accept(tipId: string, id: string, input: AcceptPayoutDto, staffBrowser: StaffBrowser = null): Promise<ContributorPayoutDto> {
    const checked = validatePayee(input);
    if (checked.fields) throw new ValidationFailedError(checked.fields, 'Some payment details are not valid');
    const { payee } = checked;
    await this.dataSource.transaction(async (manager) => {
      const row = await this.ofTip(manager, tipId, id);
      if (row.state !== 'offered') throw new IllegalPayoutTransitionError(row.state, 'accepted');
      const payeeId = await this.addPayeeVersion(manager, row.contributor_id, payee.accountName, payee.account);
      await this.compareAndSet(manager, row, 'accepted', { payee_details_id: payeeId, ...staffBrowserColumns(staffBrowser) });
      await this.recordMove(
        manager,
        { type: 'contributor', tipId },
        id,
        'offered',
        'accepted',
        'licence terms confirmed',
        'payout.accepted',
        {
          payeeDetailsId: payeeId,
          method: payee.account.method,
        },
        staffBrowser ? { payeeFromStaffBrowser: true, staffId: staffBrowser.staffId } : null,
      );
      await this.holdForPayeeChange(manager, tipId, row.contributor_id, payeeId, staffBrowser);
    });
    return this.contributorView(tipId, id);
  }

  async decline(tipId: string, id: string): Promise<ContributorPayoutDto> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.ofTip(manager, tipId, id);
      if (row.state !== 'offered') throw new IllegalPayoutTransitionError(row.state, 'declined');
      await this.compareAndSet(manager, row, 'declined', {});
      await this.recordMove(manager, { type: 'contributor', tipId }, id, 'offered', 'declined', null, 'payout.declined');
    });
    return this.contributorView(tipId, id);
  }

  /**
   * The contributor changes where to pay (say after "payment failed – please update your
   * details"): a new payee version for every payout not yet in a batch; approved ones go on hold.
   * A reissue of a failed payout then uses it.
   */
  async changePayee(tipId: string, input: PayeeDetailsDto, staffBrowser: StaffBrowser = null): Promise<ContributorPayoutDto[]> {
    const checked = validatePayee(input);
    if (checked.fields) throw new ValidationFailedError(checked.fields, 'Some payment details are not valid');
    const { payee } = checked;
    await this.dataSource.transaction(async (manager) => {
      const [given] = await manager.query<{ contributor_id: string }[]>(
        `SELECT contributor_id FROM payouts WHERE tip_id = $1 AND payee_details_id IS NOT NULL LIMIT 1`,
        [tipId],
      );
      if (!given) throw new ConflictError('PAYOUT_NO_PAYEE_YET', 'Accept an offer first: your payment details are given with it.');
      const payeeId = await this.addPayeeVersion(manager, given.contributor_id, payee.accountName, payee.account);
      await this.audit.record(manager, {
        actorType: 'contributor',
        actorId: null,
        action: 'payee.changed',
        entityType: 'tip',
        entityId: tipId,
        after: { payeeDetailsId: payeeId, method: payee.account.method },
      });
      await this.holdForPayeeChange(manager, tipId, given.contributor_id, payeeId, staffBrowser);
    });
    return this.forContributor(tipId);
  }

  // ---- for batches (another module's service runs these inside its own transaction) ----------

  /**
   * approved → batched, set-based, in the caller's transaction: up to `limit` approved payouts
   * in `fits.currency` whose payee method is one of `fits.methods` (and, if given, only those of
   * `fits.payoutIds`), oldest approval first, skipping rows another transaction holds (two
   * accountants batching at once each get different payouts). One statement locks, moves and
   * writes every payout_events row and audit event, so a batch of 100,000 never passes through
   * this process. A payout that is not approved is never taken.
   */
  async batchApproved(
    manager: EntityManager,
    staff: StaffPrincipal,
    batchId: string,
    fits: { currency: Currency; methods: readonly PayeeMethod[]; payoutIds?: readonly string[] },
    limit: number,
  ): Promise<{ count: number; totalMinor: number }> {
    requireRole(staff, ACCOUNTS, 'batch payouts');
    // Both chains' head is held from here to the end of the batch's transaction; the statement
    // below then reads it and chains every event in SQL (a window over the moved payouts).
    await this.audit.lockChainHead(manager);
    const [row] = await manager.query<{ count: number; total_minor: string }[]>(
      `WITH head AS (
         SELECT audit_seq, audit_hash, payout_seq, payout_hash FROM event_chain_head WHERE id = 1
       ), taken AS (
         SELECT p.id FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id
          WHERE p.state = 'approved' AND p.currency = $2 AND d.method = ANY($3::text[])
            AND ($5::uuid[] IS NULL OR p.id = ANY($5::uuid[]))
          ORDER BY p.approved_at, p.id
          LIMIT $4
            FOR UPDATE OF p SKIP LOCKED
       ), moved AS (
         UPDATE payouts p SET state = 'batched', batch_id = $1, version = p.version + 1, updated_at = now()
           FROM taken WHERE p.id = taken.id
         RETURNING p.id, p.amount_minor
       ), numbered AS (
         SELECT id, gen_random_uuid() AS event_id, gen_random_uuid() AS audit_id, row_number() OVER (ORDER BY id) AS n FROM moved
       ), chained AS (
         SELECT m.id, m.event_id, m.audit_id, m.n, h.payout_seq + m.n AS event_seq, h.audit_seq + m.n AS audit_seq,
                tipdesk_chain(h.payout_hash, payout_event_canonical(h.payout_seq + m.n, m.event_id, now(), m.id, 'staff', $6::uuid, $7::text, 'approved', 'batched', NULL, NULL)) OVER (ORDER BY m.n) AS event_hash,
                -- The same event recordMove writes for one payout, for all of them at once.
                tipdesk_chain(h.audit_hash, audit_event_canonical(h.audit_seq + m.n, m.audit_id, now(), 'staff', $6::uuid, 'payout.batched', 'payout', m.id, $8::jsonb, $9::jsonb)) OVER (ORDER BY m.n) AS audit_hash
           FROM numbered m CROSS JOIN head h
       ), linked AS (
         SELECT c.*, coalesce(lag(event_hash) OVER (ORDER BY n), (SELECT payout_hash FROM head)) AS event_prev,
                coalesce(lag(audit_hash) OVER (ORDER BY n), (SELECT audit_hash FROM head)) AS audit_prev
           FROM chained c
       ), events AS (
         INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, seq, prev_hash, hash)
         SELECT event_id, now(), id, 'staff', $6, $7, 'approved', 'batched', NULL, event_seq, event_prev, event_hash FROM linked
       ), audited AS (
         INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
         SELECT audit_id, now(), 'staff', $6, 'payout.batched', 'payout', id, $8::jsonb, $9::jsonb, audit_seq, audit_prev, audit_hash FROM linked
       ), last AS (
         SELECT * FROM linked ORDER BY n DESC LIMIT 1
       ), heads AS (
         UPDATE event_chain_head h SET payout_seq = last.event_seq, payout_hash = last.event_hash, payout_prev_hash = last.event_prev,
                audit_seq = last.audit_seq, audit_hash = last.audit_hash, audit_prev_hash = last.audit_prev
           FROM last WHERE h.id = 1
       )
       SELECT count(*)::int AS count, coalesce(sum(amount_minor), 0)::text AS total_minor FROM moved`,
      [
        batchId,
        fits.currency,
        [...fits.methods],
        limit,
        fits.payoutIds ? [...fits.payoutIds] : null,
        staff.id,
        staff.role,
        JSON.stringify({ state: 'approved' }),
        JSON.stringify({ state: 'batched', batchId }),
      ],
    );
    return { count: row.count, totalMinor: Number(row.total_minor) };
  }

  /**
   * batched → paid | failed for every line of a bank statement import decided `paid` or `failed`
   * (BankStatementsService matched them, with the payouts and their batches locked), set-based in
   * the caller's transaction: one statement moves them and chains their payout events and audit
   * events (as batchApproved does), so 50,000 lines never pass through this process one by one.
   * The database's own trigger still refuses any whose batch is not marked sent.
   */
  async settleFromStatement(
    manager: EntityManager,
    staff: StaffPrincipal,
    importId: string,
    msgId: string,
  ): Promise<{ paid: number; failed: number; batchIds: string[] }> {
    requireRole(staff, ACCOUNTS, 'settle payouts from a bank statement');
    await this.audit.lockChainHead(manager);
    const rows = await manager.query<{ state: PayoutState; batch_id: string }[]>(
      `WITH head AS (
         SELECT audit_seq, audit_hash, payout_seq, payout_hash FROM event_chain_head WHERE id = 1
       ), moved AS (
         UPDATE payouts p SET state = l.outcome,
                paid_reference = CASE WHEN l.outcome = 'paid' THEN coalesce(l.entry_reference, l.end_to_end_id, $3::text) END,
                failure_reason = CASE WHEN l.outcome = 'failed' THEN l.detail END,
                version = p.version + 1, updated_at = now()
           FROM bank_statement_lines l
          WHERE l.import_id = $1 AND l.outcome IN ('paid', 'failed') AND p.id = l.payout_id AND p.state = 'batched'
         RETURNING p.id, p.state, p.batch_id, p.paid_reference, p.failure_reason
       ), numbered AS (
         SELECT m.*, CASE WHEN m.state = 'paid' THEN 'bank reference ' || m.paid_reference ELSE m.failure_reason END AS reason,
                gen_random_uuid() AS event_id, gen_random_uuid() AS audit_id, row_number() OVER (ORDER BY m.id) AS n
           FROM moved m
       ), chained AS (
         SELECT m.*, h.payout_seq + m.n AS event_seq, h.audit_seq + m.n AS audit_seq,
                tipdesk_chain(h.payout_hash, payout_event_canonical(h.payout_seq + m.n, m.event_id, now(), m.id, 'staff', $2::uuid, $4::text, 'batched', m.state, m.reason, NULL)) OVER (ORDER BY m.n) AS event_hash,
                tipdesk_chain(h.audit_hash, audit_event_canonical(h.audit_seq + m.n, m.audit_id, now(), 'staff', $2::uuid, 'payout.' || m.state, 'payout', m.id,
                              '{"state": "batched"}'::jsonb, jsonb_build_object('state', m.state, 'reason', m.reason, 'bankStatementImportId', $1::text, 'msgId', $3::text))) OVER (ORDER BY m.n) AS audit_hash
           FROM numbered m CROSS JOIN head h
       ), linked AS (
         SELECT c.*, coalesce(lag(event_hash) OVER (ORDER BY n), (SELECT payout_hash FROM head)) AS event_prev,
                coalesce(lag(audit_hash) OVER (ORDER BY n), (SELECT audit_hash FROM head)) AS audit_prev
           FROM chained c
       ), events AS (
         INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, seq, prev_hash, hash)
         SELECT event_id, now(), id, 'staff', $2, $4, 'batched', state, reason, event_seq, event_prev, event_hash FROM linked
       ), audited AS (
         INSERT INTO audit_events (id, at, actor_type, actor_id, action, entity_type, entity_id, before, after, seq, prev_hash, hash)
         SELECT audit_id, now(), 'staff', $2, 'payout.' || state, 'payout', id, '{"state": "batched"}'::jsonb,
                jsonb_build_object('state', state, 'reason', reason, 'bankStatementImportId', $1::text, 'msgId', $3::text), audit_seq, audit_prev, audit_hash FROM linked
       ), last AS (
         SELECT * FROM linked ORDER BY n DESC LIMIT 1
       ), heads AS (
         UPDATE event_chain_head h SET payout_seq = last.event_seq, payout_hash = last.event_hash, payout_prev_hash = last.event_prev,
                audit_seq = last.audit_seq, audit_hash = last.audit_hash, audit_prev_hash = last.audit_prev
           FROM last WHERE h.id = 1
       )
       SELECT state, batch_id FROM moved`,
      [importId, staff.id, msgId, staff.role],
    );
    return {
      paid: rows.filter((r) => r.state === 'paid').length,
      failed: rows.filter((r) => r.state === 'failed').length,
      batchIds: [...new Set(rows.map((r) => r.batch_id))],
    };
  }

  /** A voided batch returns its still-batched payouts to approved (same transaction as the void). */
  async returnFromVoidedBatch(manager: EntityManager, staff: StaffPrincipal, batchId: string): Promise<string[]> {
    const rows = await manager.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.batch_id = $1 AND p.state = 'batched' ORDER BY p.id FOR UPDATE OF p`, [batchId]);
    for (const row of rows) {
      await this.compareAndSet(manager, row, 'approved', { batch_id: null });
      await this.recordMove(manager, { type: 'staff', staff }, row.id, 'batched', 'approved', 'batch voided', 'payout.unbatched', { batchId });
    }
    return rows.map((r) => r.id);
  }

  /** The decrypted payee a payout will be paid to, for an exporter; never logged, never sent to a browser. */
  async payeeSnapshot(payoutId: string, manager: EntityManager = this.dataSource.manager): Promise<PayeeSnapshot> {
    const [row] = await manager.query<
      { id: string; version: number; method: PayeeMethod; account_holder_name_encrypted: string; details_encrypted: string; masked: string }[]
    >(
      `SELECT d.id, d.version, d.method, d.account_holder_name_encrypted, d.details_encrypted, d.masked
         FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id WHERE p.id = $1`,
      [payoutId],
    );
    if (!row) throw new NotFoundError('PAYOUT_PAYEE_NOT_FOUND', 'This payout has no payee details yet.');
    return {
      payoutId,
      payeeDetailsId: row.id,
      payeeVersion: row.version,
      method: row.method,
      accountName: this.cipher.decrypt(row.account_holder_name_encrypted),
      account: JSON.parse(this.cipher.decrypt(row.details_encrypted)) as PayeeAccount,
      masked: row.masked,
    };
  }

  /**
   * payeeSnapshot for many payouts in one query (decrypted here), keyed by payout id. A payout
   * without payee details is missing from the map.
   */
  async payeeSnapshots(payoutIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, PayeeSnapshot>> {
    const rows = await manager.query<
      {
        payout_id: string;
        id: string;
        version: number;
        method: PayeeMethod;
        account_holder_name_encrypted: string;
        details_encrypted: string;
        masked: string;
      }[]
    >(
      `SELECT p.id AS payout_id, d.id, d.version, d.method, d.account_holder_name_encrypted, d.details_encrypted, d.masked
         FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id WHERE p.id = ANY($1::uuid[])`,
      [[...payoutIds]],
    );
    const snapshots = new Map<string, PayeeSnapshot>();
    for (const row of rows) {
      snapshots.set(row.payout_id, {
        payoutId: row.payout_id,
        payeeDetailsId: row.id,
        payeeVersion: row.version,
        method: row.method,
        accountName: this.cipher.decrypt(row.account_holder_name_encrypted),
        account: JSON.parse(this.cipher.decrypt(row.details_encrypted)) as PayeeAccount,
        masked: row.masked,
      });
    }
    return snapshots;
  }

  // ---- the machinery -------------------------------------------------------------------------

  /** One state change: read, check version and table and rule, compare-and-set, event + audit. */
  private async move(
    actor: PayoutActor,
    id: string,
    to: PayoutState,
    options: {
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
    },
  ): Promise<PayoutDetailDto> {
    const inTransaction = <T>(work: (manager: EntityManager) => Promise<T>) => (options.manager ? work(options.manager) : this.dataSource.transaction(work));
    await inTransaction(async (manager) => {
      const row = await this.current(manager, id, options.version);
      if (transitionProblem(row.state, to) || (options.from && !options.from.includes(row.state))) throw new IllegalPayoutTransitionError(row.state, to);
      await options.check?.(row, manager);
      await this.compareAndSet(manager, row, to, options.set ?? {}, options.settles ?? false);
      await this.recordMove(manager, actor, id, row.state, to, options.reason ?? null, options.action);
    });
    return this.get(id, options.manager);
  }

  /** The payout, if `version` is still its version (409 with the current payout otherwise). */
  private async current(manager: EntityManager, id: string, version: number): Promise<PayoutRow> {
    const [row] = await manager.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.id = $1`, [id]);
    if (!row) throw new PayoutNotFoundError();
    if (row.version !== version) throw new StalePayoutVersionError(toDto(row));
    return row;
  }

  /** A payout of this tip; any other payout is, to a contributor, not there at all. */
  private async ofTip(manager: EntityManager, tipId: string, id: string): Promise<PayoutRow> {
    const [row] = await manager.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.id = $1 AND p.tip_id = $2`, [id, tipId]);
    if (!row) throw new PayoutNotFoundError();
    return row;
  }

  /**
   * `UPDATE … WHERE id = $1 AND version = $2`: zero rows means someone else's change won. `'now()'`
   * sets the time. A settling move also joins its batch, share-locked, in the same statement, so
   * it happens only while the batch is marked sent: a void or a second look at the batch waits
   * for it, and it waits for them.
   */
  private async compareAndSet(manager: EntityManager, row: PayoutRow, to: PayoutState, set: Record<string, unknown>, settles = false): Promise<void> {
    const params: unknown[] = [row.id, row.version, to];
    const assignments = Object.entries(set).map(([column, value]) => (value === 'now()' ? `${column} = now()` : `${column} = $${params.push(value)}`));
    const sentBatch = settles
      ? {
          from: `FROM (SELECT b.id FROM payout_batches b WHERE b.id = $${params.push(row.batch_id)} AND b.state = 'sent' FOR SHARE) AS sent_batch`,
          where: 'AND payouts.batch_id = sent_batch.id',
        }
      : { from: '', where: '' };
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE payouts SET state = $3, ${[...assignments, 'version = version + 1', 'updated_at = now()'].join(', ')}
        ${sentBatch.from}
        WHERE payouts.id = $1 AND payouts.version = $2 ${sentBatch.where} RETURNING payouts.id`,
      params,
    );
    if (rows.length > 0) return;
    const current = (await this.get(row.id, manager)) as PayoutDto;
    if (settles && current.version === row.version) {
      const [batch] = await manager.query<{ state: string }[]>(`SELECT state FROM payout_batches WHERE id = $1`, [row.batch_id]);
      throw new BatchNotSentError(batch?.state ?? null);
    }
    throw new StalePayoutVersionError(current);
  }

  private async recordMove(
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
    // The payout events' own hash chain, moved in the statement that appends (see AuditService.record).
    const rows = await manager.query<{ seq: string }[]>(
      `WITH head AS (
         UPDATE event_chain_head SET payout_seq = payout_seq + 1, payout_prev_hash = payout_hash,
                payout_hash = tipdesk_chain_hash(payout_hash, payout_event_canonical(payout_seq + 1, $1::uuid, now(), $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text, $9::jsonb))
          WHERE id = 1
         RETURNING payout_seq, payout_prev_hash, payout_hash)
       INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, detail, seq, prev_hash, hash)
       SELECT $1::uuid, now(), $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text, $9::jsonb, payout_seq, payout_prev_hash, payout_hash FROM head
       RETURNING seq`,
      [randomUUID(), payoutId, actorType, actorId, role, from, to, reason, detail === null ? null : JSON.stringify(detail)],
    );
    if (rows.length !== 1) throw new Error('The payout events chain has no head row (event_chain_head): the event was not written');
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

  /**
   * A new, encrypted payee version for the contributor (versions are serialised per contributor),
   * or the latest one when the contributor typed the same details again: only a change is a change.
   */
  private async addPayeeVersion(manager: EntityManager, contributorId: string, accountName: string, account: PayeeAccount): Promise<string> {
    await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [PAYEE_LOCK, contributorId]);
    const [latest] = await manager.query<{ id: string; account_holder_name_encrypted: string; details_encrypted: string }[]>(
      `SELECT id, account_holder_name_encrypted, details_encrypted FROM payee_details WHERE contributor_id = $1 ORDER BY version DESC LIMIT 1`,
      [contributorId],
    );
    if (
      latest &&
      this.cipher.decrypt(latest.account_holder_name_encrypted) === accountName &&
      this.cipher.decrypt(latest.details_encrypted) === JSON.stringify(account)
    ) {
      return latest.id;
    }
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO payee_details (contributor_id, version, method, account_holder_name_encrypted, account_holder_name_masked, details_encrypted, masked, account_hash)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM payee_details WHERE contributor_id = $1
       RETURNING id`,
      [
        contributorId,
        account.method,
        this.cipher.encrypt(accountName),
        maskName(accountName),
        this.cipher.encrypt(JSON.stringify(account)),
        maskAccount(account),
        this.risks.accountHash(account),
      ],
    );
    return row.id;
  }

  /**
   * New payee details replace the old for every payout not yet in a batch (a batch keeps its
   * snapshot). An approved payout was approved for the old details, so it goes on hold and needs
   * releasing and approving again.
   */
  private async holdForPayeeChange(manager: EntityManager, tipId: string, contributorId: string, payeeId: string, staffBrowser: StaffBrowser): Promise<void> {
    const rows = await manager.query<PayoutRow[]>(
      `${PAYOUT_SELECT} WHERE p.contributor_id = $1 AND p.state IN ('accepted', 'held', 'approved') AND p.payee_details_id <> $2 ORDER BY p.id FOR UPDATE OF p`,
      [contributorId, payeeId],
    );
    for (const row of rows) {
      const to: PayoutState = row.state === 'approved' ? 'held' : row.state;
      // A first of two approvals was for the old details: it no longer counts.
      await this.compareAndSet(manager, row, to, {
        payee_details_id: payeeId,
        first_approved_by: null,
        first_approved_at: null,
        ...staffBrowserColumns(staffBrowser),
      });
      await this.recordMove(
        manager,
        { type: 'contributor', tipId },
        row.id,
        row.state,
        to,
        'payee details changed',
        row.state === 'approved' ? 'payout.held' : 'payout.payee_changed',
        {
          payeeDetailsId: payeeId,
        },
        staffBrowser ? { payeeFromStaffBrowser: true, staffId: staffBrowser.staffId } : null,
      );
    }
  }

  private async contributorView(tipId: string, id: string): Promise<ContributorPayoutDto> {
    const found = (await this.forContributor(tipId)).find((p) => p.id === id);
    if (!found) throw new PayoutNotFoundError();
    return found;
  }

  /**
   * 403 for anyone who took part in the payout trying to approve or clear it: who offered or
   * reissued it, who logged its tip or saw its secret, whose signed-in browser its payee was typed in.
   */
  private async refuseParties(manager: EntityManager, staff: StaffPrincipal, row: PayoutRow, what: string): Promise<void> {
    const [creator] = await manager.query<{ actor_id: string | null }[]>(`SELECT actor_id FROM payout_events WHERE payout_id = $1 AND from_state IS NULL`, [
      row.id,
    ]);
    if (row.offered_by === staff.id || creator?.actor_id === staff.id) {
      if (what === 'approve') throw new OwnOfferApprovalError();
      throw new ConflictOfInterestError(`You made (or reissued) this offer: another admin must ${what} it.`);
    }
    if ((await this.secretHolders(manager, row.tip_id)).has(staff.id)) {
      throw new ConflictOfInterestError(
        `You logged this tip or were shown its secret, so you could have given its payment details yourself: another person must ${what} this payout.`,
      );
    }
    if (row.payee_staff_browser_staff_id === staff.id) {
      throw new ConflictOfInterestError(`The payment details were typed in a browser signed in as you: another person must ${what} this payout.`);
    }
  }

  /**
   * The payout's open risks against what the approver acknowledged: 409 naming any left out,
   * 403 for a risk only an admin may acknowledge. Answers the risks acknowledged.
   */
  private async acknowledge(manager: EntityManager, staff: StaffPrincipal, row: PayoutRow, codes: readonly PayoutRiskCode[]): Promise<PayoutRisk[]> {
    const open = (await this.risks.forPayout(row.id, manager)).filter((risk) => !risk.cleared);
    const missing = open.filter((risk) => !codes.includes(risk.code));
    if (missing.length > 0) throw new RisksNotAcknowledgedError(missing);
    const adminOnly = open.filter((risk) => risk.adminOnly && staff.role !== 'admin');
    if (adminOnly.length > 0) {
      throw new DomainError(
        HttpStatus.FORBIDDEN,
        'PAYOUT_RISK_NEEDS_ADMIN',
        `Only an admin can acknowledge ${adminOnly.map((r) => r.code).join(', ')}: ask one to clear it first.`,
      );
    }
    return open;
  }

  private async waiverFor(manager: EntityManager, tipId: string, staffId: string): Promise<boolean> {
    const [row] = await manager.query<{ id: string }[]>(`SELECT id FROM payout_conflict_waivers WHERE tip_id = $1 AND staff_id = $2`, [tipId, staffId]);
    return Boolean(row);
  }

  /** Staff who logged the tip (took the call) or were shown its secret, from the tip's audit trail. */
  private async secretHolders(manager: EntityManager, tipId: string): Promise<Map<string, string[]>> {
    const actors = await this.audit.staffActors(manager, 'tip', tipId, SECRET_HOLDER_ACTIONS);
    return new Map(actors.map((a) => [a.staffId, a.actions]));
  }

  // Reads a row of the tips module's table: a payout must name an existing tip and its contributor.
  private async tipOrThrow(tipId: string, manager: EntityManager = this.dataSource.manager): Promise<{ contributor_id: string }> {
    const [tip] = await manager.query<{ contributor_id: string }[]>(`SELECT contributor_id FROM tips WHERE id = $1`, [tipId]);
    if (!tip) throw new NotFoundError('TIP_NOT_FOUND', 'There is no tip with that id.');
    return tip;
  }
}

/** The staff-browser mark for payouts whose payee details a request set. */
function staffBrowserColumns(staffBrowser: StaffBrowser): Record<string, unknown> {
  return { payee_from_staff_browser: staffBrowser !== null, payee_staff_browser_staff_id: staffBrowser?.staffId ?? null };
}

function requireRole(staff: StaffPrincipal, roles: readonly StaffRole[], what: string): void {
  if (!roles.includes(staff.role)) throw new PayoutRoleError(what, roles);
}
