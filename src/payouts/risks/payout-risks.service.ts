import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { FieldCipher } from '../../crypto/field-cipher.js';
import { LOGGER } from '../../logging/logger.js';
import type { PayeeAccount } from '../payee-details.js';
import type { Currency, PayeeMethod, PayoutState } from '../payouts.entities.js';
import { PAYEE_ACCOUNT_HASH_PURPOSE, payeeAccountKey } from './payee-account-key.js';
import { evaluateRisks, RISK_RULE } from './payout-risk-rules.js';
import type { PayoutRiskCode } from './risk-codes.js';

/** One risk of one payout, as the API and the pages show it. */
export interface PayoutRisk {
  code: PayoutRiskCode;
  message: string;
  /** Only an admin may acknowledge (or clear) it. */
  adminOnly: boolean;
  /** An admin cleared it for the payout's current payee details: it needs no acknowledgement. */
  cleared: { by: string; at: string } | null;
}

interface FactsRow {
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

const SHARED_SHOWN = 5;
const BACKFILL_PAGE = 500;

/**
 * The payout-risks module's one door: gathers each payout's facts in one query and runs the
 * rules table (payout-risk-rules.ts). The approval, the pages, the API and the totals all ask
 * here, so a rule is written once.
 */
@Injectable()
export class PayoutRisksService implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cipher: FieldCipher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The keyed hash stored with a payee version: equal for one account however it was typed. */
  accountHash(account: PayeeAccount): string {
    return this.cipher.keyedHash(PAYEE_ACCOUNT_HASH_PURPOSE, payeeAccountKey(account));
  }

  /** The risks of one payout (open and cleared). */
  async forPayout(payoutId: string, manager: EntityManager = this.dataSource.manager): Promise<PayoutRisk[]> {
    return (await this.forPayouts([payoutId], manager)).get(payoutId) ?? [];
  }

  /** The risks of many payouts, in two queries; a payout without any maps to []. */
  async forPayouts(payoutIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, PayoutRisk[]>> {
    const result = new Map<string, PayoutRisk[]>();
    if (payoutIds.length === 0) return result;
    const ids = [...new Set(payoutIds)];
    // tips belongs to the tips module: a read-only join for the references PAYEE_SHARED names.
    const rows = await manager.query<FactsRow[]>(
      `SELECT p.id, p.currency, p.state, p.amount_minor, p.payee_details_id, p.payee_from_staff_browser,
              d.method AS payee_method, d.masked AS payee_masked, d.version AS payee_version, d.created_at AS payee_given_at,
              (SELECT max(e.at) FROM payout_events e WHERE e.payout_id = p.id AND e.from_state = 'offered' AND e.to_state = 'accepted') AS accepted_at,
              CASE WHEN d.account_hash IS NULL THEN '{}'::text[] ELSE ARRAY(
                SELECT DISTINCT t.reference FROM payee_details d2 JOIN payouts p2 ON p2.payee_details_id = d2.id JOIN tips t ON t.id = p2.tip_id
                 WHERE d2.account_hash = d.account_hash AND d2.contributor_id <> p.contributor_id ORDER BY t.reference LIMIT ${SHARED_SHOWN + 1}) END AS shared_with,
              EXISTS (SELECT 1 FROM payout_conflict_waivers w WHERE w.tip_id = p.tip_id AND w.staff_id = p.offered_by) AS offerer_waived
         FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id
        WHERE p.id = ANY($1::uuid[])`,
      [ids],
    );
    const clearings = await manager.query<
      { payout_id: string; actor_id: string; at: Date; detail: { clearedRisks: PayoutRiskCode[]; payeeDetailsId: string | null } }[]
    >(`SELECT payout_id, actor_id, at, detail FROM payout_events WHERE payout_id = ANY($1::uuid[]) AND detail ? 'clearedRisks' ORDER BY at`, [ids]);
    const now = new Date();
    for (const row of rows) {
      const risks = evaluateRisks({
        amountMinor: Number(row.amount_minor),
        currency: row.currency,
        secondApprovalMinor: this.config.secondApprovalMinor(row.currency),
        payeeMethod: row.payee_method,
        payeeMasked: row.payee_masked,
        payeeVersion: row.payee_version,
        payeeGivenAt: row.payee_given_at,
        acceptedAt: row.accepted_at,
        coolingHours: this.config.PAYEE_COOLING_HOURS,
        now,
        sharedWithTips: row.shared_with.length > SHARED_SHOWN ? [...row.shared_with.slice(0, SHARED_SHOWN), 'and others'] : row.shared_with,
        payeeFromStaffBrowser: row.payee_from_staff_browser,
        offererHoldsSecretUnderWaiver: row.offerer_waived,
      });
      result.set(
        row.id,
        risks.map((risk) => {
          // A clearing holds for the payee details it was made for: new details are a new question.
          const clearing = clearings.find(
            (c) => c.payout_id === row.id && c.detail.clearedRisks.includes(risk.code) && (c.detail.payeeDetailsId ?? null) === row.payee_details_id,
          );
          return {
            ...risk,
            adminOnly: !RISK_RULE[risk.code].acknowledgedBy.includes('accounting'),
            cleared: clearing ? { by: clearing.actor_id, at: clearing.at.toISOString() } : null,
          };
        }),
      );
    }
    return result;
  }

  /** Open (not cleared) risks per currency and state, for the payouts still to approve (accepted, held). */
  async openCounts(): Promise<Map<string, Partial<Record<PayoutRiskCode, number>>>> {
    const rows = await this.dataSource.query<{ id: string; currency: Currency; state: PayoutState }[]>(
      `SELECT id, currency, state FROM payouts WHERE state IN ('accepted', 'held')`,
    );
    const counts = new Map<string, Partial<Record<PayoutRiskCode, number>>>();
    for (let i = 0; i < rows.length; i += 1000) {
      const page = rows.slice(i, i + 1000);
      const risks = await this.forPayouts(page.map((r) => r.id));
      for (const row of page) {
        const key = `${row.currency}:${row.state}`;
        const entry = counts.get(key) ?? {};
        for (const risk of risks.get(row.id) ?? []) if (!risk.cleared) entry[risk.code] = (entry[risk.code] ?? 0) + 1;
        counts.set(key, entry);
      }
    }
    return counts;
  }

  /**
   * Payee versions written before the keyed hash existed get theirs once, at start-up (only the
   * app holds the key); the database lets exactly that one column be filled in.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.dataSource.query<{ id: string; details_encrypted: string }[]>(
          `SELECT id, details_encrypted FROM payee_details WHERE account_hash IS NULL ORDER BY id LIMIT ${BACKFILL_PAGE}`,
        );
        if (rows.length === 0) return;
        const hashes = rows.map((row) => this.accountHash(JSON.parse(this.cipher.decrypt(row.details_encrypted)) as PayeeAccount));
        await this.dataSource.query(
          `UPDATE payee_details d SET account_hash = u.hash FROM unnest($1::uuid[], $2::text[]) AS u(id, hash) WHERE d.id = u.id AND d.account_hash IS NULL`,
          [rows.map((r) => r.id), hashes],
        );
      }
    } catch (error) {
      // Details under a key this process does not hold stay unhashed (and unmatched); the app still starts.
      this.logger.warn({ err: error }, 'could not fill in the keyed hashes of older payee details');
    }
  }
}
