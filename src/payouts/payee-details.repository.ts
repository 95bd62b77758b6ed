import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { PayoutState } from './payout-values.js';
import type { PayeeMethod } from './payouts.entities.js';

/** One payee version as stored: the name and account encrypted, their masked forms in clear. */
export interface PayeeDetailsRow {
  id: string;
  version: number;
  method: PayeeMethod;
  account_holder_name_encrypted: string;
  details_encrypted: string;
  masked: string;
}

/** A payout of a tip being erased, as its payment record keeps it. */
export interface ErasurePayoutRow {
  id: string;
  state: PayoutState;
  amount_minor: string;
  currency: string;
  bank_reference: string;
  masked: string | null;
  account_holder_name_masked: string | null;
}

/** A new payee version, already encrypted and masked by the caller. */
export interface NewPayeeVersion {
  contributorId: string;
  method: PayeeMethod;
  accountNameEncrypted: string;
  accountNameMasked: string;
  detailsEncrypted: string;
  masked: string;
  accountHash: string;
}

const PAYEE_LOCK = 0x70617965; // 'paye': serialises payee versions per contributor (with the contributor's hash)

/** The payee_details table: versions of where a contributor is paid, never updated in place. */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: { tips: "retention: each tip's contributor, to find the payee details and last payout of many tips in one statement" },
})
export class PayeeDetailsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Serialises new versions of one contributor's payee details until the transaction ends. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async lockContributor(manager: EntityManager, contributorId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [PAYEE_LOCK, contributorId]);
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async latest(manager: EntityManager, contributorId: string): Promise<PayeeDetailsRow | undefined> {
    const [latest] = await manager.query<PayeeDetailsRow[]>(
      `SELECT id, version, method, account_holder_name_encrypted, details_encrypted, masked FROM payee_details WHERE contributor_id = $1 ORDER BY version DESC LIMIT 1`,
      [contributorId],
    );
    return latest;
  }

  /** The next version of the contributor's payee details. */
  @GenerateSql({
    params: [
      SQL_MANAGER,
      {
        contributorId: SQL_ID,
        method: 'uk_bank',
        accountNameEncrypted: 'x',
        accountNameMasked: 'J*',
        detailsEncrypted: 'x',
        masked: '••1234',
        accountHash: 'h',
      },
    ],
  })
  async insertVersion(manager: EntityManager, payee: NewPayeeVersion): Promise<string> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO payee_details (contributor_id, version, method, account_holder_name_encrypted, account_holder_name_masked, details_encrypted, masked, account_hash)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM payee_details WHERE contributor_id = $1
       RETURNING id`,
      [payee.contributorId, payee.method, payee.accountNameEncrypted, payee.accountNameMasked, payee.detailsEncrypted, payee.masked, payee.accountHash],
    );
    return row.id;
  }

  /** The payee version each payout will be paid to (payouts without one are left out). */
  @GenerateSql({ params: [SQL_MANAGER, [SQL_ID]] })
  async forPayouts(manager: EntityManager, payoutIds: readonly string[]): Promise<(PayeeDetailsRow & { payout_id: string })[]> {
    return manager.query<(PayeeDetailsRow & { payout_id: string })[]>(
      `SELECT p.id AS payout_id, d.id, d.version, d.method, d.account_holder_name_encrypted, d.details_encrypted, d.masked
         FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id WHERE p.id = ANY($1::uuid[])`,
      [[...payoutIds]],
    );
  }
  /** Erasure: the tip's payouts with the payee each was made to (masked form only). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async payoutsOfTip(manager: EntityManager, tipId: string): Promise<ErasurePayoutRow[]> {
    return manager.query<ErasurePayoutRow[]>(
      `SELECT p.id, p.state, p.amount_minor::text AS amount_minor, p.currency, p.bank_reference, d.masked, d.account_holder_name_masked
         FROM payouts p LEFT JOIN payee_details d ON d.id = p.payee_details_id WHERE p.tip_id = $1 ORDER BY p.created_at, p.id`,
      [tipId],
    );
  }

  /**
   * Erasure: payee versions no payout names are deleted; the ones a kept payout names lose their
   * encrypted name and account and their account hash, keeping the masked forms.
   */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async eraseForContributor(manager: EntityManager, contributorId: string): Promise<{ deleted: number; masked: number }> {
    const [, deleted] = await manager.query<[unknown[], number]>(
      `DELETE FROM payee_details d WHERE d.contributor_id = $1 AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.payee_details_id = d.id)`,
      [contributorId],
    );
    const [, masked] = await manager.query<[unknown[], number]>(
      `UPDATE payee_details SET account_holder_name_encrypted = '', details_encrypted = '', account_hash = NULL WHERE contributor_id = $1`,
      [contributorId],
    );
    return { deleted, masked };
  }
  /** Retention: each tip's last payout move and whether its contributor still has readable payee details. */
  @GenerateSql({ params: [[SQL_ID]] })
  async retentionFacts(tipIds: readonly string[]): Promise<Map<string, { lastPayoutAt: Date | null; holdsPayeeDetails: boolean }>> {
    if (tipIds.length === 0) return new Map();
    const rows = await this.dataSource.query<{ tip_id: string; last_payout_at: Date | null; holds_payee_details: boolean }[]>(
      `SELECT t.id AS tip_id,
              (SELECT max(p.updated_at) FROM payouts p WHERE p.tip_id = t.id) AS last_payout_at,
              EXISTS (SELECT 1 FROM payee_details d WHERE d.contributor_id = t.contributor_id AND d.details_encrypted <> '') AS holds_payee_details
         FROM tips t WHERE t.id = ANY($1::uuid[])`,
      [[...tipIds]],
    );
    return new Map(rows.map((r) => [r.tip_id, { lastPayoutAt: r.last_payout_at, holdsPayeeDetails: r.holds_payee_details }]));
  }
}
