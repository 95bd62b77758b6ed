import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { NotFoundError } from '../http/errors.js';
import { maskAccount, maskName, type PayeeAccount } from './payee-details.js';
import { PayeeDetailsRepository, type PayeeDetailsRow } from './payee-details.repository.js';
import type { PayeeMethod } from './payouts.entities.js';
import { PayoutRisksService } from './risks/payout-risks.service.js';

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

/**
 * Payee details: encrypted as they are stored, versioned per contributor (a change is a new
 * version), decrypted only for an exporter. Staff see the masked forms alone.
 */
@Injectable()
export class PayeeVersions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly payees: PayeeDetailsRepository,
    private readonly cipher: FieldCipher,
    private readonly risks: PayoutRisksService,
  ) {}

  /**
   * A new, encrypted payee version for the contributor (versions are serialised per contributor),
   * or the latest one when the contributor typed the same details again: only a change is a change.
   */
  async add(manager: EntityManager, contributorId: string, accountName: string, account: PayeeAccount): Promise<string> {
    await this.payees.lockContributor(manager, contributorId);
    const latest = await this.payees.latest(manager, contributorId);
    if (
      latest &&
      this.cipher.decrypt(latest.account_holder_name_encrypted) === accountName &&
      this.cipher.decrypt(latest.details_encrypted) === JSON.stringify(account)
    ) {
      return latest.id;
    }
    return this.payees.insertVersion(manager, {
      contributorId,
      method: account.method,
      accountNameEncrypted: this.cipher.encrypt(accountName),
      accountNameMasked: maskName(accountName),
      detailsEncrypted: this.cipher.encrypt(JSON.stringify(account)),
      masked: maskAccount(account),
      accountHash: this.risks.accountHash(account),
    });
  }

  /** The contributor's latest payee version, if any. */
  async latestId(manager: EntityManager, contributorId: string): Promise<string | null> {
    return (await this.payees.latest(manager, contributorId))?.id ?? null;
  }

  /** The decrypted payee a payout will be paid to, for an exporter; never logged, never sent to a browser. */
  async snapshot(payoutId: string, manager: EntityManager = this.dataSource.manager): Promise<PayeeSnapshot> {
    const snapshot = (await this.snapshots([payoutId], manager)).get(payoutId);
    if (!snapshot) throw new NotFoundError('PAYOUT_PAYEE_NOT_FOUND', 'This payout has no payee details yet.');
    return snapshot;
  }

  /**
   * snapshot for many payouts in one query (decrypted here), keyed by payout id. A payout
   * without payee details is missing from the map.
   */
  async snapshots(payoutIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, PayeeSnapshot>> {
    const rows = await this.payees.forPayouts(manager, payoutIds);
    return new Map(rows.map((row) => [row.payout_id, this.decrypt(row.payout_id, row)]));
  }

  private decrypt(payoutId: string, row: PayeeDetailsRow): PayeeSnapshot {
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
}
