import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { Licence, TipChannel, TipStatus } from './tips.entities.js';

/** A contributor and their tip, as intake writes them (contact details already encrypted). */
export interface NewTipRow {
  name: string | null;
  emailEncrypted: string | null;
  phoneEncrypted: string | null;
  reference: string;
  secretHash: string;
  channel: TipChannel;
  story: string;
  location: string | null;
  occurredAt: string | Date | null;
}

/** What the contributor agreed to on our form, stored beside the tip. */
export interface NewConsentRow {
  termsVersion: string;
  termsSha256: string;
  licence: Licence;
  ownWork: boolean;
  over18: boolean;
  creditName: string | null;
  anonymous: boolean;
  userAgent: string | null;
}

/** A tip as the modules that add to it (channels, the phone line) need it: which tip, and how it came. */
export interface TipRef {
  id: string;
  reference: string;
  channel: TipChannel;
}

/** Where a notice about a tip goes: its public reference, channel and the contributor's (encrypted) addresses. */
export interface TipContact {
  reference: string;
  channel: TipChannel;
  emailEncrypted: string | null;
  phoneEncrypted: string | null;
}

export interface InsertedTip {
  tipId: string;
  contributorId: string;
}

/** The desk's part of a tip: what an editor changes, and the version that guards it. */
export interface TipWorkflowState {
  status: TipStatus;
  assigneeId: string | null;
  tags: string[];
  priority: number;
  duplicateOfId: string | null;
  version: number;
}

export type TipWorkflowChanges = Partial<Omit<TipWorkflowState, 'version'>>;

// The columns of a workflow change, in the order they are set.
const WORKFLOW_COLUMNS: [keyof TipWorkflowChanges, string][] = [
  ['status', 'status'],
  ['assigneeId', 'assignee_id'],
  ['tags', 'tags'],
  ['priority', 'priority'],
  ['duplicateOfId', 'duplicate_of_id'],
];

// Serialises "mark as duplicate" so two editors cannot close a cycle between them.
const DUPLICATE_LINKS_LOCK = 0x74697064;

const newTipParams = (tip: NewTipRow) => [
  tip.name,
  tip.emailEncrypted,
  tip.phoneEncrypted,
  tip.reference,
  tip.secretHash,
  tip.channel,
  tip.story,
  tip.location,
  tip.occurredAt,
];

// Snapshot cases write nothing: 'snapshot' is no channel, so the insert is refused by ck_tips_channel.
const SNAPSHOT_TIP: NewTipRow = {
  name: 'Ann',
  emailEncrypted: null,
  phoneEncrypted: null,
  reference: 'TD-SNAP-SHOT',
  secretHash: 'x',
  channel: 'snapshot' as TipChannel,
  story: 'A story',
  location: null,
  occurredAt: null,
};
const SNAPSHOT_CONSENT: NewConsentRow = {
  termsVersion: '1',
  termsSha256: 'x',
  licence: 'non_exclusive',
  ownWork: true,
  over18: true,
  creditName: null,
  anonymous: false,
  userAgent: null,
};

/** TypeORM answers an UPDATE with `[rows, rowCount]` instead of the rows. */
async function updateReturning<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = await manager.query<[T[], number]>(sql, params);
  return rows;
}

/**
 * Tips, their contributors and consents: intake's inserts and the desk's compare-and-set
 * changes. The rules (who may change what, which moves are legal) stay in the services.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class TipsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Contributor, tip and consent in one statement: one round trip instead of three. */
  @GenerateSql({ params: [SQL_MANAGER, SNAPSHOT_TIP, SNAPSHOT_CONSENT] })
  async insertWithConsent(manager: EntityManager, tip: NewTipRow, consent: NewConsentRow): Promise<InsertedTip> {
    const [row] = await manager.query<{ tip_id: string; contributor_id: string }[]>(
      `WITH contributor AS (
         INSERT INTO contributors (name, email_encrypted, phone_encrypted) VALUES ($1, $2, $3) RETURNING id
       ), tip AS (
         INSERT INTO tips (reference, secret_hash, channel, story, location, occurred_at, contributor_id)
         SELECT $4, $5, $6, $7, $8, $9, id FROM contributor RETURNING id, contributor_id
       ), consent AS (
         INSERT INTO consents (tip_id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at, user_agent)
         SELECT id, $10, $11, $12, $13, $14, $15, $16, $6, now(), $17 FROM tip
       )
       SELECT id AS tip_id, contributor_id FROM tip`,
      [
        ...newTipParams(tip),
        consent.termsVersion,
        consent.termsSha256,
        consent.licence,
        consent.ownWork,
        consent.over18,
        consent.creditName,
        consent.anonymous,
        consent.userAgent,
      ],
    );
    return { tipId: row.tip_id, contributorId: row.contributor_id };
  }

  /** Contributor and tip without a consent: a channel's tip (they agreed to nothing on our page). */
  @GenerateSql({ params: [SQL_MANAGER, SNAPSHOT_TIP] })
  async insertWithoutConsent(manager: EntityManager, tip: NewTipRow): Promise<InsertedTip> {
    const [row] = await manager.query<{ tip_id: string; contributor_id: string }[]>(
      `WITH contributor AS (
         INSERT INTO contributors (name, email_encrypted, phone_encrypted) VALUES ($1, $2, $3) RETURNING id
       )
       INSERT INTO tips (reference, secret_hash, channel, story, location, occurred_at, contributor_id)
       SELECT $4, $5, $6, $7, $8, $9, id FROM contributor RETURNING id AS tip_id, contributor_id`,
      newTipParams(tip),
    );
    return { tipId: row.tip_id, contributorId: row.contributor_id };
  }

  /**
   * insertWithoutConsent under a savepoint of the caller's transaction: when the insert fails
   * (a reference collision, say) the caller's earlier work in the transaction stands.
   */
  @GenerateSql({ params: [SQL_MANAGER, SNAPSHOT_TIP] })
  async insertUnderSavepoint(manager: EntityManager, tip: NewTipRow): Promise<InsertedTip> {
    await manager.query('SAVEPOINT channel_tip');
    try {
      const inserted = await this.insertWithoutConsent(manager, tip);
      await manager.query('RELEASE SAVEPOINT channel_tip');
      return inserted;
    } catch (error) {
      await manager.query('ROLLBACK TO SAVEPOINT channel_tip');
      throw error;
    }
  }

  /** Each tip's reference and contributor's name, in one query. */
  @GenerateSql({ params: [[SQL_ID, SQL_ID_2]] })
  async summaries(ids: readonly string[]): Promise<Map<string, { reference: string; contributorName: string | null }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<{ id: string; reference: string; contributor_name: string | null }[]>(
      `SELECT t.id, t.reference, c.name AS contributor_name FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.id = ANY($1::uuid[])`,
      [[...ids]],
    );
    return new Map(rows.map((r) => [r.id, { reference: r.reference, contributorName: r.contributor_name }]));
  }

  @GenerateSql({ params: ['TD-7K3Q-9XRM'] })
  async idByReference(reference: string): Promise<string | undefined> {
    const [row] = await this.dataSource.query<{ id: string }[]>(`SELECT id FROM tips WHERE reference = $1`, [reference]);
    return row?.id;
  }

  /** The tip's id and secret hash, for the contributor's sign-in with reference and secret. */
  @GenerateSql({ params: ['TD-7K3Q-9XRM'] })
  async credentialsByReference(reference: string): Promise<{ id: string; secretHash: string } | undefined> {
    const [row] = await this.dataSource.query<{ id: string; secret_hash: string }[]>(`SELECT id, secret_hash FROM tips WHERE reference = $1`, [reference]);
    return row && { id: row.id, secretHash: row.secret_hash };
  }

  /** What the contributor's own status page shows of the tip itself. */
  @GenerateSql({ params: [SQL_ID] })
  async contributorView(id: string): Promise<{ reference: string; status: TipStatus; createdAt: Date } | undefined> {
    const [row] = await this.dataSource.query<{ reference: string; status: TipStatus; created_at: Date }[]>(
      `SELECT reference, status, created_at FROM tips WHERE id = $1`,
      [id],
    );
    return row && { reference: row.reference, status: row.status, createdAt: row.created_at };
  }

  /** Row lock on the tip until the transaction ends (two posts of files queue up); undefined when there is no such tip. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async lockForUpdate(manager: EntityManager, id: string): Promise<{ status: TipStatus; contributorId: string } | undefined> {
    const [row] = await manager.query<{ status: TipStatus; contributor_id: string }[]>(`SELECT status, contributor_id FROM tips WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return row && { status: row.status, contributorId: row.contributor_id };
  }

  /** The oldest unclaimed new tip, now in review with `staffId`; concurrent callers each get a different one (SKIP LOCKED). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async claimOldestNew(manager: EntityManager, staffId: string): Promise<string | undefined> {
    const [claimed] = await updateReturning<{ id: string }>(
      manager,
      `UPDATE tips SET assignee_id = $1, status = 'in_review', version = version + 1, updated_at = now()
        WHERE id = (SELECT id FROM tips WHERE status = 'new' AND assignee_id IS NULL
                     ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [staffId],
    );
    return claimed?.id;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async workflowState(manager: EntityManager, id: string): Promise<TipWorkflowState | undefined> {
    const [row] = await manager.query<
      { status: TipStatus; assignee_id: string | null; tags: string[]; priority: number; duplicate_of_id: string | null; version: number }[]
    >(`SELECT status, assignee_id, tags, priority, duplicate_of_id, version FROM tips WHERE id = $1`, [id]);
    return row
      ? { status: row.status, assigneeId: row.assignee_id, tags: row.tags, priority: row.priority, duplicateOfId: row.duplicate_of_id, version: row.version }
      : undefined;
  }

  /** Compare-and-set: false when the tip is no longer at `version` (someone else's change committed first). */
  @GenerateSql(
    { name: 'updateWorkflow (status)', params: [SQL_MANAGER, SQL_ID, 1, { status: 'in_review' }] },
    {
      name: 'updateWorkflow (every column)',
      params: [SQL_MANAGER, SQL_ID, 1, { status: 'verified', assigneeId: null, tags: ['flood'], priority: 2, duplicateOfId: null }],
    },
  )
  async updateWorkflow(manager: EntityManager, id: string, version: number, changes: TipWorkflowChanges): Promise<boolean> {
    const set: string[] = [];
    const params: unknown[] = [id, version];
    for (const [key, column] of WORKFLOW_COLUMNS) if (changes[key] !== undefined) set.push(`${column} = $${params.push(changes[key])}`);
    const updated = await updateReturning(
      manager,
      `UPDATE tips SET ${set.join(', ')}, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id`,
      params,
    );
    return updated.length > 0;
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async exists(manager: EntityManager, id: string): Promise<boolean> {
    const [row] = await manager.query<unknown[]>(`SELECT id FROM tips WHERE id = $1`, [id]);
    return row !== undefined;
  }

  /** Held to the end of the transaction: one duplicate link is checked and written at a time. */
  @GenerateSql({ params: [SQL_MANAGER] })
  async lockDuplicateLinks(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock($1)`, [DUPLICATE_LINKS_LOCK]);
  }

  /** Whether following duplicate links from `fromId` reaches `targetId`. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SQL_ID_2] })
  async duplicateChainReaches(manager: EntityManager, fromId: string, targetId: string): Promise<boolean> {
    const [{ cycle }] = await manager.query<{ cycle: boolean }[]>(
      `WITH RECURSIVE chain(id) AS (
         SELECT $2::uuid
         UNION
         SELECT t.duplicate_of_id FROM tips t JOIN chain ON t.id = chain.id WHERE t.duplicate_of_id IS NOT NULL
       )
       SELECT EXISTS (SELECT 1 FROM chain WHERE id = $1) AS cycle`,
      [targetId, fromId],
    );
    return cycle;
  }

  // Read by the modules that add to a tip (channels, the phone line) and by notifications: by id or
  // reference in the caller's transaction, optionally locking the row so that files counted
  // against MAX_FILES_PER_TIP are counted under the tip's lock.

  @GenerateSql({ name: 'refById', params: [SQL_MANAGER, SQL_ID] }, { name: 'refById (locking the row)', params: [SQL_MANAGER, SQL_ID, { lock: true }] })
  async refById(manager: EntityManager, id: string, options: { lock?: boolean } = {}): Promise<TipRef | undefined> {
    const [row] = await manager.query<TipRef[]>(`SELECT id, reference, channel FROM tips WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return row;
  }

  /** `reference` as stored (normalised by the caller). */
  @GenerateSql({ params: [SQL_MANAGER, 'TD-7K3Q-9XRM'] })
  async refByReference(manager: EntityManager, reference: string): Promise<TipRef | undefined> {
    const [row] = await manager.query<TipRef[]>(`SELECT id, reference, channel FROM tips WHERE reference = $1`, [reference]);
    return row;
  }

  /** Read-only, when a notice goes out (notifications): undefined once the tip is gone. */
  @GenerateSql({ params: [SQL_ID] })
  async contact(tipId: string, manager: EntityManager = this.dataSource.manager): Promise<TipContact | undefined> {
    const [row] = await manager.query<{ reference: string; channel: TipChannel; email_encrypted: string | null; phone_encrypted: string | null }[]>(
      `SELECT t.reference, t.channel, c.email_encrypted, c.phone_encrypted FROM tips t LEFT JOIN contributors c ON c.id = t.contributor_id WHERE t.id = $1`,
      [tipId],
    );
    return row ? { reference: row.reference, channel: row.channel, emailEncrypted: row.email_encrypted, phoneEncrypted: row.phone_encrypted } : undefined;
  }
}
