import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL_ID, SqlRepository } from '../database/generate-sql.js';
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
 * The contributor's right of access: everything tips/ holds about one tip (the tip, its
 * contributor, its consents), read for the access export in privacy/.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class TipAccessRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL_ID] })
  async tip(tipId: string): Promise<TipAccessRow | undefined> {
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
  async consents(tipId: string): Promise<ConsentAccessRow[]> {
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
