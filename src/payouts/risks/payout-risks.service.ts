import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { FieldCipher } from '../../crypto/field-cipher.js';
import { LOGGER } from '../../logging/logger.js';
import type { PayeeAccount } from '../payee-details.js';
import { PAYEE_ACCOUNT_HASH_PURPOSE, payeeAccountKey } from './payee-account-key.js';
import { PayoutRisksRepository } from './payout-risks.repository.js';
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
    private readonly repository: PayoutRisksRepository,
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
    // tips belongs to the tips module: the repository's read-only join gives the references PAYEE_SHARED names.
    const rows = await this.repository.facts(manager, ids, SHARED_SHOWN);
    const clearings = await this.repository.clearings(manager, ids);
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
    const rows = await this.repository.awaitingApproval();
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
        const rows = await this.repository.unhashedPayees(BACKFILL_PAGE);
        if (rows.length === 0) return;
        const hashes = rows.map((row) => this.accountHash(JSON.parse(this.cipher.decrypt(row.details_encrypted)) as PayeeAccount));
        await this.repository.setPayeeHashes(
          rows.map((r) => r.id),
          hashes,
        );
      }
    } catch (error) {
      // Details under a key this process does not hold stay unhashed (and unmatched); the app still starts.
      this.logger.warn({ err: error }, 'could not fill in the keyed hashes of older payee details');
    }
  }
}
