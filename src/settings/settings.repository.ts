import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { PaperField, PayerField, LogoFile } from './paper-settings.js';
import { PAPER_SETTINGS_ID, type PayerChangeState } from './settings.entities.js';

/** Paper settings as stored (nulls mean "not set here"), without the logo's bytes. */
export interface StoredSettings {
  paper: Record<PaperField, string | null>;
  payer: Record<PayerField, string | null>;
  logo: { type: string; sha256: string; bytes: number } | null;
  version: number;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface PayerChangeRow {
  id: string;
  proposed: Record<PayerField, string | null>;
  state: PayerChangeState;
  proposedBy: string;
  proposedByName: string | null;
  proposedAt: Date;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: Date | null;
}

const PAPER_COLUMNS: Record<PaperField, string> = {
  paperName: 'paper_name',
  contactEmail: 'contact_email',
  contactPhone: 'contact_phone',
  contactWhatsapp: 'contact_whatsapp',
  privacyNotice: 'privacy_notice',
  timeZone: 'time_zone',
  dateStyle: 'date_style',
};
const PAYER_COLUMNS: Record<PayerField, string> = {
  name: 'payer_name',
  sortCode: 'payer_sort_code',
  accountNumber: 'payer_account_number',
  serviceUserNumber: 'bacs_service_user_number',
  sepaDebtorName: 'sepa_debtor_name',
  sepaDebtorIban: 'sepa_debtor_iban',
  sepaDebtorBic: 'sepa_debtor_bic',
};

type SettingsRow = Record<string, unknown> & {
  version: number;
  updated_by: string | null;
  updated_at: Date;
  logo_type: string | null;
  logo_sha256: string | null;
  logo_bytes: number | null;
};

function toStored(row: SettingsRow): StoredSettings {
  const pick = <K extends string>(columns: Record<K, string>) =>
    Object.fromEntries(Object.entries<string>(columns).map(([field, column]) => [field, (row[column] as string | null) ?? null])) as Record<K, string | null>;
  return {
    paper: pick(PAPER_COLUMNS),
    payer: pick(PAYER_COLUMNS),
    logo: row.logo_type && row.logo_sha256 ? { type: row.logo_type, sha256: row.logo_sha256, bytes: row.logo_bytes ?? 0 } : null,
    version: row.version,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** A paying account for the SQL snapshots' cases. */
const SAMPLE_PAYER: Record<PayerField, string | null> = {
  name: 'DAILY BUGLE LTD',
  sortCode: '200000',
  accountNumber: '55779911',
  serviceUserNumber: '123456',
  sepaDebtorName: null,
  sepaDebtorIban: null,
  sepaDebtorBic: null,
};

const CHANGE_SELECT = `
  SELECT c.id, c.proposed, c.state, c.proposed_by, p.name AS proposed_by_name, c.proposed_at, c.decided_by, d.name AS decided_by_name, c.decided_at
    FROM payer_changes c
    LEFT JOIN staff_users p ON p.id = c.proposed_by
    LEFT JOIN staff_users d ON d.id = c.decided_by`;

function toChange(row: Record<string, unknown>): PayerChangeRow {
  return {
    id: row.id as string,
    proposed: row.proposed as Record<PayerField, string | null>,
    state: row.state as PayerChangeState,
    proposedBy: row.proposed_by as string,
    proposedByName: (row.proposed_by_name as string | null) ?? null,
    proposedAt: row.proposed_at as Date,
    decidedBy: (row.decided_by as string | null) ?? null,
    decidedByName: (row.decided_by_name as string | null) ?? null,
    decidedAt: (row.decided_at as Date | null) ?? null,
  };
}

/** Every SQL statement of the settings module: the one paper_settings row and the payer changes. */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: { staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)' },
})
export class SettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL_MANAGER] }, { name: 'read (locked)', params: [SQL_MANAGER, true] })
  async read(manager: EntityManager = this.dataSource.manager, lock = false): Promise<StoredSettings> {
    const select = () =>
      manager.query<SettingsRow[]>(
        `SELECT ${[...Object.values(PAPER_COLUMNS), ...Object.values(PAYER_COLUMNS)].join(', ')},
                logo_type, logo_sha256, octet_length(logo) AS logo_bytes, version, updated_by, updated_at
           FROM paper_settings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
        [PAPER_SETTINGS_ID],
      );
    let [row] = await select();
    if (!row) {
      // The migration makes the row; this only covers a database someone emptied by hand.
      await manager.query(`INSERT INTO paper_settings (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [PAPER_SETTINGS_ID]);
      [row] = await select();
    }
    return toStored(row);
  }

  @GenerateSql()
  async logo(): Promise<LogoFile | null> {
    const [row] = await this.dataSource.query<{ logo: Buffer | null; logo_type: string | null; logo_sha256: string | null }[]>(
      `SELECT logo, logo_type, logo_sha256 FROM paper_settings WHERE id = $1`,
      [PAPER_SETTINGS_ID],
    );
    return row?.logo && row.logo_type && row.logo_sha256 ? { bytes: row.logo, type: row.logo_type, sha256: row.logo_sha256 } : null;
  }

  /** Compare-and-set of the paper's fields: false when `version` is no longer the row's. */
  @GenerateSql({ params: [SQL_MANAGER, { paperName: 'The Daily Bugle', timeZone: 'Europe/London' }, 1, SQL_ID] })
  async updatePaper(manager: EntityManager, values: Partial<Record<PaperField, string | null>>, version: number, staffId: string): Promise<boolean> {
    const params: unknown[] = [PAPER_SETTINGS_ID, version, staffId];
    const set = Object.entries(values).map(([field, value]) => `${PAPER_COLUMNS[field as PaperField]} = $${params.push(value)}`);
    return this.compareAndSet(manager, set, params);
  }

  @GenerateSql({ params: [SQL_MANAGER, null, 1, SQL_ID] })
  async setLogo(manager: EntityManager, logo: LogoFile | null, version: number, staffId: string): Promise<boolean> {
    return this.compareAndSet(
      manager,
      ['logo = $4', 'logo_type = $5', 'logo_sha256 = $6'],
      [PAPER_SETTINGS_ID, version, staffId, logo?.bytes ?? null, logo?.type ?? null, logo?.sha256 ?? null],
    );
  }

  /** The approved paying account replaces the stored one (null: back to the environment's default). */
  @GenerateSql({
    params: [SQL_MANAGER, SAMPLE_PAYER, SQL_ID],
  })
  async applyPayer(manager: EntityManager, values: Record<PayerField, string | null>, staffId: string): Promise<void> {
    const params: unknown[] = [PAPER_SETTINGS_ID, staffId];
    const set = Object.entries(values).map(([field, value]) => `${PAYER_COLUMNS[field as PayerField]} = $${params.push(value)}`);
    await manager.query(`UPDATE paper_settings SET ${set.join(', ')}, version = version + 1, updated_by = $2, updated_at = now() WHERE id = $1`, params);
  }

  @GenerateSql({ params: [SQL_MANAGER] })
  async pendingChange(manager: EntityManager = this.dataSource.manager): Promise<PayerChangeRow | undefined> {
    const [row] = await manager.query<Record<string, unknown>[]>(`${CHANGE_SELECT} WHERE c.state = 'pending'`);
    return row ? toChange(row) : undefined;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async change(manager: EntityManager, id: string): Promise<PayerChangeRow | undefined> {
    const [row] = await manager.query<Record<string, unknown>[]>(`${CHANGE_SELECT} WHERE c.id = $1`, [id]);
    return row ? toChange(row) : undefined;
  }

  /** The latest decided changes, newest first (the settings page's record of who changed the account). */
  @GenerateSql({ params: [10] })
  async recentChanges(limit: number): Promise<PayerChangeRow[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `${CHANGE_SELECT} WHERE c.state <> 'pending' ORDER BY c.decided_at DESC, c.id LIMIT $1`,
      [limit],
    );
    return rows.map(toChange);
  }

  /** A new pending change, or undefined when one is already pending (uq_payer_changes_one_pending). */
  @GenerateSql({
    params: [SQL_MANAGER, SAMPLE_PAYER, SQL_ID],
  })
  async insertChange(manager: EntityManager, proposed: Record<PayerField, string | null>, staffId: string): Promise<string | undefined> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO payer_changes (proposed, state, proposed_by) VALUES ($1, 'pending', $2)
       ON CONFLICT (state) WHERE state = 'pending' DO NOTHING RETURNING id`,
      [JSON.stringify(proposed), staffId],
    );
    return row?.id;
  }

  /** pending → `to`, compare-and-set on the state: false when it was no longer pending. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'approved', SQL_ID] })
  async decideChange(manager: EntityManager, id: string, to: Exclude<PayerChangeState, 'pending'>, staffId: string): Promise<boolean> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE payer_changes SET state = $2, decided_by = $3, decided_at = now() WHERE id = $1 AND state = 'pending' RETURNING id`,
      [id, to, staffId],
    );
    return rows.length === 1;
  }

  private async compareAndSet(manager: EntityManager, set: string[], params: unknown[]): Promise<boolean> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE paper_settings SET ${[...set, 'version = version + 1', 'updated_by = $3', 'updated_at = now()'].join(', ')}
        WHERE id = $1 AND version = $2 RETURNING id`,
      params,
    );
    return rows.length === 1;
  }
}
