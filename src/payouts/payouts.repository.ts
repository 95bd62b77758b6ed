import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import { afterCursor, cursorColumn, keysetPage } from '../http/keyset-page.js';
import type { Licence } from '../tips/tips.entities.js';
import type { PayoutDto, PayoutEventDto, PayoutPageDto, TipPayoutEventDto } from './dto/payouts.dto.js';
import { nextPayoutStates } from './payout-states.js';
import type { BatchState, Currency, PayeeMethod, PayoutActorType, PayoutState } from './payouts.entities.js';

/** A payout as stored, with its payee version's masked view and its batch's state and format. */
export interface PayoutRow {
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

/** One payout_events row, as the repository appends it. */
export interface PayoutEventInput {
  payoutId: string;
  actorType: PayoutActorType;
  actorId: string | null;
  role: string;
  from: PayoutState | null;
  to: PayoutState;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

const PAYOUT_SELECT = `
  SELECT p.*, ${cursorColumn('p.created_at')},
         d.version AS payee_version, d.method AS payee_method, d.masked AS payee_masked, d.account_holder_name_masked AS payee_name_masked,
         b.state AS batch_state, b.format AS batch_format
    FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id LEFT JOIN payout_batches b ON b.id = p.batch_id`;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function toPayoutDto(row: PayoutRow): PayoutDto {
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

interface EventRow {
  at: Date;
  actor_type: string;
  actor_id: string | null;
  role: string;
  from_state: PayoutState | null;
  to_state: PayoutState;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

function toEventDto(e: EventRow): PayoutEventDto {
  return {
    at: e.at.toISOString(),
    actorType: e.actor_type,
    actorId: e.actor_id,
    role: e.role,
    fromState: e.from_state,
    toState: e.to_state,
    reason: e.reason,
    detail: e.detail,
  };
}

/** The payouts and payout_events tables: every statement on them but the set-based batch moves (payout-batching.repository.ts). */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: {
    tips: "an offer's tip: its status, contributor and who logged it",
    media: 'whether the tip has a video (the licence wording of an offer)',
  },
  writes: { event_chain_head: 'each payout event is chained as it is appended, in one statement' },
})
export class PayoutsRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async find(manager: EntityManager, id: string): Promise<PayoutRow | undefined> {
    const [row] = await manager.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.id = $1`, [id]);
    return row;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SQL_ID_2] })
  async findOfTip(manager: EntityManager, tipId: string, id: string): Promise<PayoutRow | undefined> {
    const [row] = await manager.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.id = $1 AND p.tip_id = $2`, [id, tipId]);
    return row;
  }

  /** The payouts of one tip, oldest first. */
  @GenerateSql({ params: [SQL_ID] })
  async forTip(tipId: string): Promise<PayoutRow[]> {
    return this.dataSource.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.tip_id = $1 ORDER BY p.created_at, p.id`, [tipId]);
  }

  /** Newest first, optionally one state, a keyset page at a time. */
  @GenerateSql(
    { name: 'page', params: [{}, 50] },
    {
      name: 'page of one state after a cursor',
      params: [{ state: 'approved', cursor: 'MjAyNi0wMS0wMVQwMDowMDowMC4wMDAwMDBaLzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMQ' }, 50],
    },
  )
  async page(filter: { state?: PayoutState; cursor?: string }, limit: number): Promise<PayoutPageDto> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    if (filter.state) where.push(`p.state = ${param(filter.state)}`);
    if (filter.cursor) where.push(afterCursor(filter.cursor, { at: 'p.created_at', id: 'p.id' }, param));
    const rows = await this.dataSource.query<PayoutRow[]>(
      `${PAYOUT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.created_at DESC, p.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return keysetPage(rows, limit, toPayoutDto);
  }

  /** Count and sum per currency and state. */
  @GenerateSql()
  async totals(): Promise<{ currency: Currency; state: PayoutState; count: number; totalMinor: number }[]> {
    const rows = await this.dataSource.query<{ currency: Currency; state: PayoutState; count: number; total_minor: string }[]>(
      `SELECT currency, state, count(*)::int AS count, sum(amount_minor)::text AS total_minor FROM payouts GROUP BY currency, state ORDER BY currency, state`,
    );
    return rows.map((r) => ({ currency: r.currency, state: r.state, count: r.count, totalMinor: Number(r.total_minor) }));
  }

  /** One payout's moves, oldest first. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async events(manager: EntityManager, payoutId: string): Promise<PayoutEventDto[]> {
    const rows = await manager.query<EventRow[]>(
      `SELECT at, actor_type, actor_id, role, from_state, to_state, reason, detail FROM payout_events WHERE payout_id = $1 ORDER BY at, seq`,
      [payoutId],
    );
    return rows.map(toEventDto);
  }

  /** Every move of every payout of a tip, oldest first. */
  @GenerateSql({ params: [SQL_ID] })
  async eventsForTip(tipId: string): Promise<TipPayoutEventDto[]> {
    const rows = await this.dataSource.query<(EventRow & { payout_id: string; bank_reference: string; batch_format: string | null })[]>(
      `SELECT e.payout_id, p.bank_reference, e.at, e.actor_type, e.actor_id, e.role, e.from_state, e.to_state, e.reason, e.detail,
              CASE WHEN e.to_state = 'batched' AND e.from_state = 'approved' THEN b.format END AS batch_format
         FROM payout_events e JOIN payouts p ON p.id = e.payout_id LEFT JOIN payout_batches b ON b.id = p.batch_id
        WHERE p.tip_id = $1 ORDER BY e.at, e.seq`,
      [tipId],
    );
    return rows.map((e) => ({ payoutId: e.payout_id, bankReference: e.bank_reference, ...toEventDto(e), batchFormat: e.batch_format }));
  }

  /** Who created the payout (offered or reissued it), from its first event. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async creatorId(manager: EntityManager, payoutId: string): Promise<string | null> {
    const [creator] = await manager.query<{ actor_id: string | null }[]>(`SELECT actor_id FROM payout_events WHERE payout_id = $1 AND from_state IS NULL`, [
      payoutId,
    ]);
    return creator?.actor_id ?? null;
  }

  @GenerateSql({
    params: [
      SQL_MANAGER,
      {
        tipId: SQL_ID,
        contributorId: SQL_ID_2,
        amountMinor: 100,
        currency: 'GBP',
        licence: 'exclusive',
        bankReference: 'TIPDESK 00000000',
        offeredBy: SQL_ID,
        witness: false,
        crime: false,
      },
    ],
  })
  async insertOffer(
    manager: EntityManager,
    offer: {
      tipId: string;
      contributorId: string;
      amountMinor: number;
      currency: Currency;
      licence: Licence;
      bankReference: string;
      offeredBy: string;
      witness: boolean;
      crime: boolean;
    },
  ): Promise<string> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at, legal_witness, legal_crime)
       VALUES ($1, $2, $3, $4, $5, 'offered', $6, $7, now(), $8, $9) RETURNING id`,
      [offer.tipId, offer.contributorId, offer.amountMinor, offer.currency, offer.licence, offer.bankReference, offer.offeredBy, offer.witness, offer.crime],
    );
    return row.id;
  }

  /** The failed payout's reissue, if there is one. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async reissueOf(manager: EntityManager, payoutId: string): Promise<string | null> {
    const [row] = await manager.query<{ id: string }[]>(`SELECT id FROM payouts WHERE replaces_payout_id = $1`, [payoutId]);
    return row?.id ?? null;
  }

  /** A copy of `payoutId` (amount, licence, legal flags and sign-off) in `accepted`, pointing to it. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'TIPDESK 00000000', SQL_ID_2] })
  async insertReissue(manager: EntityManager, payoutId: string, bankReference: string, payeeDetailsId: string | null): Promise<string> {
    const [created] = await manager.query<{ id: string }[]>(
      `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at,
                            legal_witness, legal_crime, legal_signed_off_by, legal_signed_off_at, payee_details_id, replaces_payout_id)
       SELECT tip_id, contributor_id, amount_minor, currency, licence, 'accepted', $2, offered_by, offered_at,
              legal_witness, legal_crime, legal_signed_off_by, legal_signed_off_at, $3, id
         FROM payouts WHERE id = $1
       RETURNING id`,
      [payoutId, bankReference, payeeDetailsId],
    );
    return created.id;
  }

  /**
   * `UPDATE … WHERE id = $1 AND version = $2`: false means someone else's change won. `'now()'`
   * sets the time. A settling move also joins its batch, share-locked, in the same statement, so
   * it happens only while the batch is marked sent: a void or a second look at the batch waits
   * for it, and it waits for them.
   */
  @GenerateSql(
    {
      name: 'compareAndSet',
      params: [SQL_MANAGER, { id: SQL_ID, version: 1, batch_id: null }, 'held', { approved_by: null, first_approved_at: 'now()' }, false],
    },
    { name: 'compareAndSet (settling)', params: [SQL_MANAGER, { id: SQL_ID, version: 1, batch_id: SQL_ID_2 }, 'paid', { paid_reference: 'FP-1' }, true] },
  )
  async compareAndSet(
    manager: EntityManager,
    row: Pick<PayoutRow, 'id' | 'version' | 'batch_id'>,
    to: PayoutState,
    set: Record<string, unknown>,
    settles: boolean,
  ): Promise<boolean> {
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
    return rows.length > 0;
  }

  /** Appends one payout event, moving the payout events' own hash chain in the same statement (see AuditRepository.append). */
  @GenerateSql({
    params: [SQL_MANAGER, { payoutId: SQL_ID, actorType: 'system', actorId: null, role: 'system', from: null, to: 'offered', reason: null, detail: null }],
  })
  async appendEvent(manager: EntityManager, event: PayoutEventInput): Promise<void> {
    const rows = await manager.query<{ seq: string }[]>(
      `WITH head AS (
         UPDATE event_chain_head SET payout_seq = payout_seq + 1, payout_prev_hash = payout_hash,
                payout_hash = tipdesk_chain_hash(payout_hash, payout_event_canonical(payout_seq + 1, $1::uuid, now(), $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text, $9::jsonb))
          WHERE id = 1
         RETURNING payout_seq, payout_prev_hash, payout_hash)
       INSERT INTO payout_events (id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, detail, seq, prev_hash, hash)
       SELECT $1::uuid, now(), $2::uuid, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text, $9::jsonb, payout_seq, payout_prev_hash, payout_hash FROM head
       RETURNING seq`,
      [
        randomUUID(),
        event.payoutId,
        event.actorType,
        event.actorId,
        event.role,
        event.from,
        event.to,
        event.reason,
        event.detail === null ? null : JSON.stringify(event.detail),
      ],
    );
    if (rows.length !== 1) throw new Error('The payout events chain has no head row (event_chain_head): the event was not written');
  }

  /** The contributor of the tip's payouts that carry payee details (none before an offer is accepted). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async payeeContributorOfTip(manager: EntityManager, tipId: string): Promise<string | null> {
    const [given] = await manager.query<{ contributor_id: string }[]>(
      `SELECT contributor_id FROM payouts WHERE tip_id = $1 AND payee_details_id IS NOT NULL LIMIT 1`,
      [tipId],
    );
    return given?.contributor_id ?? null;
  }

  /** The contributor's payouts not yet in a batch whose payee is not `payeeDetailsId`, locked. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SQL_ID_2] })
  async lockOnOtherPayee(manager: EntityManager, contributorId: string, payeeDetailsId: string): Promise<PayoutRow[]> {
    return manager.query<PayoutRow[]>(
      `${PAYOUT_SELECT} WHERE p.contributor_id = $1 AND p.state IN ('accepted', 'held', 'approved') AND p.payee_details_id <> $2 ORDER BY p.id FOR UPDATE OF p`,
      [contributorId, payeeDetailsId],
    );
  }

  /** A batch's still-batched payouts, locked. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async lockBatched(manager: EntityManager, batchId: string): Promise<PayoutRow[]> {
    return manager.query<PayoutRow[]>(`${PAYOUT_SELECT} WHERE p.batch_id = $1 AND p.state = 'batched' ORDER BY p.id FOR UPDATE OF p`, [batchId]);
  }

  /** A batch's state (share-locked when `lock`), or null when there is no such batch. */
  @GenerateSql({ name: 'batchState', params: [SQL_MANAGER, SQL_ID, false] }, { name: 'batchState (share-locked)', params: [SQL_MANAGER, SQL_ID, true] })
  async batchState(manager: EntityManager, batchId: string | null, lock: boolean): Promise<string | null> {
    const [batch] = await manager.query<{ state: string }[]>(`SELECT state FROM payout_batches WHERE id = $1${lock ? ' FOR SHARE' : ''}`, [batchId]);
    return batch?.state ?? null;
  }

  // ---- other modules' tables (read only) ---------------------------------------------------

  // reads tips: owner is tips/ (no exported read of a tip's contributor yet). A payout must name an existing tip and its contributor.
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async tipContributor(manager: EntityManager, tipId: string): Promise<string | null> {
    const [tip] = await manager.query<{ contributor_id: string }[]>(`SELECT contributor_id FROM tips WHERE id = $1`, [tipId]);
    return tip?.contributor_id ?? null;
  }

  // reads media: owner is media/ (no exported "has a video" read yet). Only the contributor's wording uses it.
  @GenerateSql({ params: [SQL_ID] })
  async tipHasVideo(tipId: string): Promise<boolean> {
    const [{ has_video }] = await this.dataSource.query<{ has_video: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM media WHERE tip_id = $1 AND kind = 'video') AS has_video`,
      [tipId],
    );
    return has_video;
  }
}
