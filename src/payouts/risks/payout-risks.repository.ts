import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../../database/generate-sql.js';
import type { Currency, PayeeMethod, PayoutState } from '../payouts.entities.js';
import type { PayoutRiskCode } from './risk-codes.js';

/** What the risk rules need to know of one payout. */
export interface FactsRow {
  id: string;
  currency: Currency;
  state: PayoutState;
  amount_minor: string;
  payee_details_id: string | null;
  payee_method: PayeeMethod | null;
  payee_masked: string | null;
  payee_version: number | null;
  payee_given_at: Date | null;
  accepted_at: Date | null;
  shared_with: string[];
  payee_from_staff_browser: boolean;
  offerer_waived: boolean;
}

/** An admin's clearing of risks, from the payout's events. */
export interface ClearingRow {
  payout_id: string;
  actor_id: string;
  at: Date;
  detail: { clearedRisks: PayoutRiskCode[]; payeeDetailsId: string | null };
}

/** The facts the risk rules read, from the payouts, payee_details, payout_events and payout_conflict_waivers tables. */
@Injectable()
@SqlRepository(import.meta.url, { reads: { tips: 'who logged the tip and who saw its secret, for the conflict-of-interest rule' } })
export class PayoutRisksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Each payout's facts; `sharedShown + 1` tip references at most per shared account. */
  @GenerateSql({ params: [SQL_MANAGER, [SQL_ID], 5] })
  async facts(manager: EntityManager, ids: readonly string[], sharedShown: number): Promise<FactsRow[]> {
    // tips belongs to the tips module: a read-only join for the references PAYEE_SHARED names.
    return manager.query<FactsRow[]>(
      `SELECT p.id, p.currency, p.state, p.amount_minor, p.payee_details_id, p.payee_from_staff_browser,
              d.method AS payee_method, d.masked AS payee_masked, d.version AS payee_version, d.created_at AS payee_given_at,
              (SELECT max(e.at) FROM payout_events e WHERE e.payout_id = p.id AND e.from_state = 'offered' AND e.to_state = 'accepted') AS accepted_at,
              CASE WHEN d.account_hash IS NULL THEN '{}'::text[] ELSE ARRAY(
                SELECT DISTINCT t.reference FROM payee_details d2 JOIN payouts p2 ON p2.payee_details_id = d2.id JOIN tips t ON t.id = p2.tip_id
                 WHERE d2.account_hash = d.account_hash AND d2.contributor_id <> p.contributor_id ORDER BY t.reference LIMIT ${Number(sharedShown) + 1}) END AS shared_with,
              EXISTS (SELECT 1 FROM payout_conflict_waivers w WHERE w.tip_id = p.tip_id AND w.staff_id = p.offered_by) AS offerer_waived
         FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id
        WHERE p.id = ANY($1::uuid[])`,
      [[...ids]],
    );
  }

  /** The risk clearings recorded on these payouts, oldest first. */
  @GenerateSql({ params: [SQL_MANAGER, [SQL_ID]] })
  async clearings(manager: EntityManager, ids: readonly string[]): Promise<ClearingRow[]> {
    return manager.query<ClearingRow[]>(
      `SELECT payout_id, actor_id, at, detail FROM payout_events WHERE payout_id = ANY($1::uuid[]) AND detail ? 'clearedRisks' ORDER BY at`,
      [[...ids]],
    );
  }

  /** The payouts still to approve (accepted, held). */
  @GenerateSql()
  async awaitingApproval(): Promise<{ id: string; currency: Currency; state: PayoutState }[]> {
    return this.dataSource.query<{ id: string; currency: Currency; state: PayoutState }[]>(
      `SELECT id, currency, state FROM payouts WHERE state IN ('accepted', 'held')`,
    );
  }

  /** Payee versions written before the keyed hash existed, `limit` at a time. */
  @GenerateSql({ params: [500] })
  async unhashedPayees(limit: number): Promise<{ id: string; details_encrypted: string }[]> {
    return this.dataSource.query<{ id: string; details_encrypted: string }[]>(
      `SELECT id, details_encrypted FROM payee_details WHERE account_hash IS NULL ORDER BY id LIMIT ${Number(limit)}`,
    );
  }

  /** Fills in the keyed hash of those versions (the database lets exactly that one column be filled in). */
  @GenerateSql({ params: [[SQL_ID], ['h']] })
  async setPayeeHashes(ids: readonly string[], hashes: readonly string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE payee_details d SET account_hash = u.hash FROM unnest($1::uuid[], $2::text[]) AS u(id, hash) WHERE d.id = u.id AND d.account_hash IS NULL`,
      [[...ids], [...hashes]],
    );
  }
}
