import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { GenerateSql, SQL_ID, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { MediaKind, MediaScanState, MediaState } from '../media/media.entities.js';
import type { Licence, TipChannel, TipStatus } from '../tips/tips.entities.js';
import { DeskRepository } from './desk.repository.js';
import { TipNotFoundError } from './desk.errors.js';
import type { DuplicateHintDto, TipConsentDto, TipDetailDto, TipMediaDto, TipPendingMediaDto } from './dto/tip-detail.dto.js';
import { nextStatuses } from './tip-states.js';

/*
 * One tip in full, as the desk shows it: the tip, its contributor, consents, media, possible
 * duplicates, notes, messages, files a channel could not take yet, and its history. A read
 * model across modules: it reads tables other modules own (each statement says which), and
 * writes nothing.
 */

interface TipRow {
  id: string;
  reference: string;
  status: TipStatus;
  channel: TipChannel;
  story: string;
  location: string | null;
  occurred_at: Date | null;
  priority: number;
  tags: string[];
  version: number;
  created_at: Date;
  updated_at: Date;
  contributor_id: string;
  contributor_name: string | null;
  email_encrypted: string | null;
  phone_encrypted: string | null;
  assignee_id: string | null;
  assignee_name: string;
  duplicate_of_id: string | null;
  duplicate_of_reference: string;
  duplicate_of_status: TipStatus;
}
interface ConsentRow {
  id: string;
  terms_version: string;
  terms_sha256: string;
  licence: Licence;
  own_work: boolean;
  over18: boolean;
  credit_name: string | null;
  anonymous: boolean;
  channel: TipChannel;
  accepted_at: Date;
}
interface MediaRow {
  id: string;
  display_filename: string;
  sniffed_type: string;
  kind: MediaKind;
  size_bytes: string;
  sha256: string;
  state: MediaState;
  probe: Record<string, unknown> | null;
  has_thumbnail: boolean;
  scan_state: MediaScanState | null;
  scan_signature: string | null;
  scan_note: string | null;
  scanned_at: Date | null;
  created_at: Date;
}
interface DuplicateHintRow {
  id: string;
  reference: string;
  status: TipStatus;
  shared_files: number;
}
interface PendingMediaRow {
  id: string;
  channel: TipChannel;
  filename: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  last_error_code: string | null;
  created_at: Date;
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** Everything of a tip's detail but the tip itself and its history. */
export type TipDetailParts = Pick<TipDetailDto, 'consents' | 'media' | 'duplicateHints' | 'notes' | 'messages' | 'olderMessagesCursor' | 'pendingMedia'>;

/** Which page of the conversation and of the history the detail shows: the newest `pageSize` of each before its cursor. */
export interface ConversationPage {
  pageSize: number;
  before?: string;
  historyBefore?: string;
}

@Injectable()
@SqlRepository(import.meta.url, {
  reads: {
    tips: "the tip page's duplicate hints compare the tip with others",
    contributors: "the contributor's name on the tip page",
    consents: 'the consent record shown on the tip page',
    media: "the tip's files, with their scan and probe state",
    channel_pending_media: 'files a channel is still fetching for the tip',
    staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)',
  },
})
export class TipDetailReadModel {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly cipher: FieldCipher,
    private readonly desk: DeskRepository,
  ) {}

  /** The tip in full; in `manager`'s transaction when given (a stale-version answer shows the tip as that transaction sees it). */
  @GenerateSql({ params: [SQL_ID, SQL_MANAGER] })
  async detail(id: string, manager: EntityManager = this.dataSource.manager, conversation?: ConversationPage): Promise<TipDetailDto> {
    // reads contributors (owner is tips/) and staff_users (owner is staff/) for the names and contact details
    const [tip] = await manager.query<TipRow[]>(
      `SELECT t.id, t.reference, t.status, t.channel, t.story, t.location, t.occurred_at, t.priority, t.tags, t.version,
              t.created_at, t.updated_at, t.contributor_id, c.name AS contributor_name, c.email_encrypted, c.phone_encrypted,
              t.assignee_id, s.name AS assignee_name, t.duplicate_of_id, d.reference AS duplicate_of_reference, d.status AS duplicate_of_status
         FROM tips t
         JOIN contributors c ON c.id = t.contributor_id
         LEFT JOIN staff_users s ON s.id = t.assignee_id
         LEFT JOIN tips d ON d.id = t.duplicate_of_id
        WHERE t.id = $1`,
      [id],
    );
    if (!tip) throw new TipNotFoundError();
    const parts = await this.parts(id, manager, conversation);
    // The desk's page shows a page of the history too; the API all of it.
    const historyPage = conversation ? await this.audit.forEntityPage('tip', id, conversation.pageSize, conversation.historyBefore) : undefined;
    const history = historyPage ? [...historyPage.items].reverse() : await this.audit.forEntity('tip', id);
    return {
      id: tip.id,
      reference: tip.reference,
      status: tip.status,
      allowedStatuses: [...nextStatuses(tip.status)],
      channel: tip.channel,
      story: tip.story,
      location: tip.location,
      occurredAt: tip.occurred_at ? iso(tip.occurred_at) : null,
      contributor: {
        id: tip.contributor_id,
        name: tip.contributor_name,
        email: tip.email_encrypted ? this.cipher.decrypt(tip.email_encrypted) : null,
        phone: tip.phone_encrypted ? this.cipher.decrypt(tip.phone_encrypted) : null,
      },
      assignee: tip.assignee_id ? { id: tip.assignee_id, name: tip.assignee_name } : null,
      priority: tip.priority,
      tags: tip.tags,
      duplicateOfId: tip.duplicate_of_id,
      duplicateOf: tip.duplicate_of_id ? { id: tip.duplicate_of_id, reference: tip.duplicate_of_reference, status: tip.duplicate_of_status } : null,
      duplicateHints: parts.duplicateHints,
      consents: parts.consents,
      media: parts.media,
      pendingMedia: parts.pendingMedia,
      notes: parts.notes,
      messages: parts.messages,
      ...(parts.olderMessagesCursor !== undefined ? { olderMessagesCursor: parts.olderMessagesCursor } : {}),
      history,
      ...(historyPage ? { olderHistoryCursor: historyPage.nextCursor } : {}),
      version: tip.version,
      createdAt: iso(tip.created_at),
      updatedAt: iso(tip.updated_at),
    };
  }

  /** The lists of a tip's detail, in the order the detail has always read them. */
  @GenerateSql(
    { name: 'parts', params: [SQL_ID, SQL_MANAGER] },
    { name: 'parts (a page of the conversation)', params: [SQL_ID, SQL_MANAGER, { pageSize: 50 }] },
  )
  async parts(id: string, manager: EntityManager = this.dataSource.manager, conversation?: ConversationPage): Promise<TipDetailParts> {
    const consents = await manager.query<ConsentRow[]>(
      `SELECT id, terms_version, terms_sha256, licence, own_work, over18, credit_name, anonymous, channel, accepted_at
         FROM consents WHERE tip_id = $1 ORDER BY accepted_at, id`,
      [id],
    );
    // reads media: owner is media/
    const media = await manager.query<MediaRow[]>(
      `SELECT id, display_filename, sniffed_type, kind, size_bytes, sha256, state, probe,
              thumbnail_key IS NOT NULL AND scan_state IS DISTINCT FROM 'infected' AS has_thumbnail,
              scan_state, scan_signature, scan_note, scanned_at, created_at
         FROM media WHERE tip_id = $1 ORDER BY created_at, id`,
      [id],
    );
    // reads media: owner is media/ (other tips holding the same files)
    const duplicateHints = await manager.query<DuplicateHintRow[]>(
      `SELECT o.id, o.reference, o.status, count(DISTINCT mine.sha256)::int AS shared_files
         FROM media mine
         JOIN media theirs ON theirs.sha256 = mine.sha256 AND theirs.tip_id <> mine.tip_id
         JOIN tips o ON o.id = theirs.tip_id
        WHERE mine.tip_id = $1
        GROUP BY o.id, o.reference, o.status, o.created_at
        ORDER BY o.created_at, o.id`,
      [id],
    );
    const notes = await this.desk.notes(manager, id);
    // A page of a long conversation (the desk's tip page), or all of it (the API).
    const page = conversation ? await this.desk.messagePage(manager, id, conversation.pageSize, conversation.before) : undefined;
    const messages = page ? page.items : await this.desk.messages(manager, id);
    // reads channel_pending_media: owner is channels/ (read-only, because channels build on the desk, not the other way round)
    const pendingMedia = await manager.query<PendingMediaRow[]>(
      `SELECT id, channel, filename, attempts, next_attempt_at, last_error_code, created_at
         FROM channel_pending_media WHERE tip_id = $1 ORDER BY created_at, id`,
      [id],
    );
    return {
      consents: consents.map(toConsent),
      media: media.map(toMedia),
      duplicateHints: duplicateHints.map((h): DuplicateHintDto => ({ id: h.id, reference: h.reference, status: h.status, sharedFiles: h.shared_files })),
      notes,
      messages,
      ...(page ? { olderMessagesCursor: page.nextCursor } : {}),
      pendingMedia: pendingMedia.map(toPendingMedia),
    };
  }
}

function toConsent(c: ConsentRow): TipConsentDto {
  return {
    id: c.id,
    termsVersion: c.terms_version,
    termsSha256: c.terms_sha256,
    licence: c.licence,
    ownWork: c.own_work,
    over18: c.over18,
    creditName: c.credit_name,
    anonymous: c.anonymous,
    channel: c.channel,
    acceptedAt: iso(c.accepted_at),
  };
}

function toMedia(m: MediaRow): TipMediaDto {
  return {
    id: m.id,
    displayFilename: m.display_filename,
    sniffedType: m.sniffed_type,
    kind: m.kind,
    sizeBytes: Number(m.size_bytes),
    sha256: m.sha256,
    state: m.state,
    probe: m.probe,
    hasThumbnail: m.has_thumbnail,
    contentUrl: `/api/media/${m.id}/content`,
    scanState: m.scan_state,
    scanSignature: m.scan_signature,
    scanNote: m.scan_note,
    scannedAt: m.scanned_at ? iso(m.scanned_at) : null,
    createdAt: iso(m.created_at),
  };
}

function toPendingMedia(p: PendingMediaRow): TipPendingMediaDto {
  return {
    id: p.id,
    channel: p.channel,
    filename: p.filename,
    attempts: p.attempts,
    retrying: p.next_attempt_at !== null,
    nextAttemptAt: p.next_attempt_at ? iso(p.next_attempt_at) : null,
    lastErrorCode: p.last_error_code,
    createdAt: iso(p.created_at),
  };
}
