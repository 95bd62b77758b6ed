import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { Licence, TipChannel, TipStatus } from './tips.entities.js';

/** The tip and its contributor as stored (contact details still encrypted). */
export interface TipAccessRow {
  reference: string;
  channel: TipChannel;
  status: TipStatus;
  story: string;
  location: string | null;
  occurredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  contributorName: string | null;
  emailEncrypted: string | null;
  phoneEncrypted: string | null;
}

export interface ConsentAccessRow {
  termsVersion: string;
  termsSha256: string;
  licence: Licence;
  ownWork: boolean;
  over18: boolean;
  creditName: string | null;
  anonymous: boolean;
  channel: TipChannel;
  acceptedAt: Date;
  userAgent: string | null;
}

/**
 * The tips, contributors and consents tables as privacy/ needs them: locking a tip for erasure,
 * erasing its parts, the tips retention looks at, and everything the access export shows.
 * Its own file because it is its own job (the rights of the person a tip is about); intake and
 * the desk's workflow are in tips.repository.ts.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class TipPrivacyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The tip an erasure is about to change, locked until the transaction ends; undefined when there is no such tip. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async lockForErasure(
    manager: EntityManager,
    id: string,
  ): Promise<{ reference: string; status: TipStatus; channel: TipChannel; contributorId: string; createdAt: Date } | undefined> {
    const [row] = await manager.query<{ reference: string; status: TipStatus; channel: TipChannel; contributor_id: string; created_at: Date }[]>(
      `SELECT reference, status, channel, contributor_id, created_at FROM tips WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row && { reference: row.reference, status: row.status, channel: row.channel, contributorId: row.contributor_id, createdAt: row.created_at };
  }

  /**
   * Erasure's part in tips/: the story, location, date and tags go, the tip becomes an `erased`
   * tombstone (reference, dates, secret hash so its contributor can still sign in for the
   * certificate); the contributor's name and contact details, the consent's credit name and user
   * agent, and the idempotency receipts go too. Which fields held something is returned.
   */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async erase(manager: EntityManager, id: string): Promise<{ contactFields: string[]; consents: number; idempotencyKeys: number }> {
    const [contributor] = await manager.query<{ name: boolean; email: boolean; phone: boolean }[]>(
      `SELECT c.name IS NOT NULL AS name, c.email_encrypted IS NOT NULL AS email, c.phone_encrypted IS NOT NULL AS phone
         FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1`,
      [id],
    );
    await manager.query(
      `UPDATE contributors SET name = NULL, email_encrypted = NULL, phone_encrypted = NULL WHERE id = (SELECT contributor_id FROM tips WHERE id = $1)`,
      [id],
    );
    await manager.query(
      `UPDATE tips SET story = '', location = NULL, occurred_at = NULL, tags = '{}', duplicate_of_id = NULL, status = 'erased', version = version + 1, updated_at = now() WHERE id = $1`,
      [id],
    );
    const [, consents] = await manager.query<[unknown[], number]>(`UPDATE consents SET credit_name = NULL, user_agent = NULL WHERE tip_id = $1`, [id]);
    const [, idempotencyKeys] = await manager.query<[unknown[], number]>(`DELETE FROM tip_idempotency_keys WHERE tip_id = $1`, [id]);
    const contactFields = contributor ? (['name', 'email', 'phone'] as const).filter((field) => contributor[field]) : [];
    return { contactFields, consents, idempotencyKeys };
  }
  /** Retention's view of the tips in the statuses a rule is about (privacy/retention-rules.ts). */
  @GenerateSql({ params: [['spam', 'rejected', 'archived', 'used'], 1000] })
  async retentionCandidates(
    statuses: readonly TipStatus[],
    limit: number,
  ): Promise<{ tipId: string; reference: string; status: TipStatus; updatedAt: Date; contributorId: string; holdsContactDetails: boolean }[]> {
    const rows = await this.dataSource.query<
      { id: string; reference: string; status: TipStatus; updated_at: Date; contributor_id: string; holds_contact_details: boolean }[]
    >(
      `SELECT t.id, t.reference, t.status, t.updated_at, t.contributor_id,
              (c.name IS NOT NULL OR c.email_encrypted IS NOT NULL OR c.phone_encrypted IS NOT NULL) AS holds_contact_details
         FROM tips t JOIN contributors c ON c.id = t.contributor_id
        WHERE t.status = ANY($1::text[]) ORDER BY t.updated_at, t.id LIMIT $2`,
      [[...statuses], limit],
    );
    return rows.map((r) => ({
      tipId: r.id,
      reference: r.reference,
      status: r.status,
      updatedAt: r.updated_at,
      contributorId: r.contributor_id,
      holdsContactDetails: r.holds_contact_details,
    }));
  }

  /** Retention of a used tip: the contributor's name and contact details and the consent's credit name go; the story stays. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async eraseContactDetails(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE contributors SET name = NULL, email_encrypted = NULL, phone_encrypted = NULL WHERE id = (SELECT contributor_id FROM tips WHERE id = $1)`,
      [id],
    );
    await manager.query(`UPDATE consents SET credit_name = NULL, user_agent = NULL WHERE tip_id = $1`, [id]);
  }

  // The contributor's right of access (privacy/'s export, through TipAccessService): the tip, its
  // contributor and its consents as stored.

  @GenerateSql({ params: [SQL_ID] })
  async accessRecord(tipId: string): Promise<TipAccessRow | undefined> {
    const [row] = await this.dataSource.query<
      {
        reference: string;
        channel: TipChannel;
        status: TipStatus;
        story: string;
        location: string | null;
        occurred_at: Date | null;
        created_at: Date;
        updated_at: Date;
        name: string | null;
        email_encrypted: string | null;
        phone_encrypted: string | null;
      }[]
    >(
      `SELECT t.reference, t.channel, t.status, t.story, t.location, t.occurred_at, t.created_at, t.updated_at,
              c.name, c.email_encrypted, c.phone_encrypted
         FROM tips t JOIN contributors c ON c.id = t.contributor_id
        WHERE t.id = $1`,
      [tipId],
    );
    return (
      row && {
        reference: row.reference,
        channel: row.channel,
        status: row.status,
        story: row.story,
        location: row.location,
        occurredAt: row.occurred_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        contributorName: row.name,
        emailEncrypted: row.email_encrypted,
        phoneEncrypted: row.phone_encrypted,
      }
    );
  }

  /** Every consent of the tip, oldest first (a change is a new row). No address-derived value. */
  @GenerateSql({ params: [SQL_ID] })
  async consentsForAccess(tipId: string): Promise<ConsentAccessRow[]> {
    const rows = await this.dataSource.query<
      {
        terms_version: string;
        terms_sha256: string;
        licence: Licence;
        own_work: boolean;
        over18: boolean;
        credit_name: string | null;
        anonymous: boolean;
        channel: TipChannel;
        accepted_at: Date;
        user_agent: string | null;
      }[]
    >(
      `SELECT terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at, user_agent
         FROM consents WHERE tip_id = $1 ORDER BY accepted_at, id`,
      [tipId],
    );
    return rows.map((r) => ({
      termsVersion: r.terms_version,
      termsSha256: r.terms_sha256,
      licence: r.licence,
      ownWork: r.own_work,
      over18: r.over18,
      creditName: r.credit_name,
      anonymous: r.anonymous,
      channel: r.channel,
      acceptedAt: r.accepted_at,
      userAgent: r.user_agent,
    }));
  }
}
