import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type AuditRecord } from '../audit/audit.service.js';
import { ConflictError, DomainError } from '../http/errors.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { StaffPrincipal } from '../staff/access.js';
import { StaffService } from '../staff/staff.service.js';
import { normaliseReference, REFERENCE_PATTERN } from '../tips/reference-codes.js';
import { TipErasedError } from '../tips/tip.errors.js';
import { TipsRepository, type TipWorkflowChanges, type TipWorkflowState } from '../tips/tips.repository.js';
import { IllegalTransitionError, QueueEmptyError, StaleTipVersionError, TipNotFoundError, UnknownStatusError } from './desk.errors.js';
import type { MessageDirection } from './desk.entities.js';
import { DeskRepository, toMessage, toNote } from './desk.repository.js';
import type { CreateMessageDto, CreateNoteDto, MessageDto, NoteDto } from './dto/conversation.dto.js';
import type { TipDetailDto } from './dto/tip-detail.dto.js';
import type { TipPageDto } from './dto/tip-list.dto.js';
import type { ListTipsQueryDto } from './dto/tip-query.dto.js';
import type { UpdateTipDto } from './dto/update-tip.dto.js';
import { TipDetailReadModel } from './tip-detail.read-model.js';
import { TipNewsRepository } from './tip-news.repository.js';
import type { NewsCounts } from './tip-news.js';
import { isTipStatus, transitionProblem } from './tip-states.js';

// Kept for the pages and channels that took the errors from here; new code imports desk.errors.ts.

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/**
 * The editors' desk: the queue, one tip in full, claiming, and the changes an editor makes.
 * Every change is a compare-and-set on the tip's version with its audit events in the same
 * transaction. Methods take the signed-in staff member first, for the API and the web pages alike.
 * The queue's SQL is planned in tip-list.query.ts, the tip in full is tip-detail.read-model.ts.
 */
/** Messages on one page of the desk's tip page; older ones are a link away ("Older messages"). */
export const TIP_PAGE_MESSAGES = 50;

@Injectable()
export class DeskService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly staff: StaffService,
    private readonly notifications: NotificationsService,
    private readonly news: TipNewsRepository,
    private readonly desk: DeskRepository,
    private readonly tips: TipsRepository,
    private readonly tipDetail: TipDetailReadModel,
  ) {}

  async list(staff: StaffPrincipal, filters: ListTipsQueryDto): Promise<TipPageDto> {
    const page = await this.desk.listPage(filters, staff.id);
    const news = await this.news.forTips(
      staff.id,
      page.items.map((item) => item.id),
    );
    return { items: page.items.map((item) => ({ ...item, news: news.get(item.id) ?? [] })), nextCursor: page.nextCursor };
  }

  async detail(_staff: StaffPrincipal, id: string, manager: EntityManager = this.dataSource.manager): Promise<TipDetailDto> {
    return this.tipDetail.detail(id, manager);
  }

  /**
   * The detail as the desk's tip page shows it: the newest TIP_PAGE_MESSAGES messages before
   * `messagesBefore` and history events before `historyBefore` (cursors the page gave out).
   */
  async pageDetail(_staff: StaffPrincipal, id: string, cursors: { messagesBefore?: string; historyBefore?: string } = {}): Promise<TipDetailDto> {
    return this.tipDetail.detail(id, this.dataSource.manager, {
      pageSize: TIP_PAGE_MESSAGES,
      before: cursors.messagesBefore,
      historyBefore: cursors.historyBefore,
    });
  }

  /** How many tips have each kind of news for this editor since they last opened them (the nav's counts). */
  async newsCounts(staff: StaffPrincipal): Promise<NewsCounts> {
    return this.news.counts(staff.id);
  }

  /** The editor has the tip open: what happened on it so far is no longer news to them. */
  async markSeen(staff: StaffPrincipal, tipId: string): Promise<void> {
    await this.news.markSeen(staff.id, tipId);
  }

  /** Each tip's reference and contributor's name, in one query (accounting's payout rows). */
  async tipSummaries(ids: readonly string[]): Promise<Map<string, { reference: string; contributorName: string | null }>> {
    return this.tips.summaries(ids);
  }

  /** The id of the tip with the reference an editor typed (any case, spaces), or undefined. */
  async tipIdByReference(typed: string): Promise<string | undefined> {
    const reference = normaliseReference(typed.slice(0, 30));
    if (!REFERENCE_PATTERN.test(reference)) return undefined;
    return this.tips.idByReference(reference);
  }

  /** Gives the caller the oldest unclaimed new tip; concurrent callers each get a different one (SKIP LOCKED). */
  async claimNext(staff: StaffPrincipal): Promise<TipDetailDto> {
    const tipId = await this.dataSource.transaction(async (manager) => {
      const claimed = await this.tips.claimOldestNew(manager, staff.id);
      if (!claimed) throw new QueueEmptyError();
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.claimed',
        entityType: 'tip',
        entityId: claimed,
        before: { status: 'new', assigneeId: null },
        after: { status: 'in_review', assigneeId: staff.id },
      });
      return claimed;
    });
    return this.detail(staff, tipId);
  }

  /**
   * Applies what the editor changed, if `version` is still the tip's version. Each changed
   * aspect (status, assignee, tags, priority, duplicate) is its own audit event.
   */
  async update(staff: StaffPrincipal, id: string, changes: UpdateTipDto): Promise<TipDetailDto> {
    await this.dataSource.transaction(async (manager) => {
      const current = await this.tips.workflowState(manager, id);
      if (!current) throw new TipNotFoundError();
      if (current.version !== changes.version) throw new StaleTipVersionError(await this.detail(staff, id, manager));

      const set: TipWorkflowChanges = {};
      const events: AuditRecord[] = [];
      const change = <K extends keyof TipWorkflowChanges>(key: K, value: TipWorkflowState[K], action: string) => {
        set[key] = value;
        events.push({
          actorType: 'staff',
          actorId: staff.id,
          action,
          entityType: 'tip',
          entityId: id,
          before: { [key]: current[key] },
          after: { [key]: value },
        });
      };

      if (changes.status !== undefined && !isTipStatus(changes.status)) throw new UnknownStatusError(current.status, changes.status);
      if (changes.status !== undefined && changes.status !== current.status) {
        if (transitionProblem(current.status, changes.status)) throw new IllegalTransitionError(current.status, changes.status);
        change('status', changes.status, 'tip.status_changed');
      }
      if (changes.assigneeId !== undefined && changes.assigneeId !== current.assigneeId) {
        if (changes.assigneeId !== null) await this.checkAssignable(changes.assigneeId);
        change('assigneeId', changes.assigneeId, 'tip.assigned');
      }
      if (changes.tags !== undefined && !sameSet(changes.tags, current.tags)) {
        change('tags', changes.tags, 'tip.tags_changed');
      }
      if (changes.priority !== undefined && changes.priority !== current.priority) {
        change('priority', changes.priority, 'tip.priority_changed');
      }
      if (changes.duplicateOfId !== undefined && changes.duplicateOfId !== current.duplicateOfId) {
        if (changes.duplicateOfId !== null) await this.checkDuplicateLink(manager, id, changes.duplicateOfId);
        change('duplicateOfId', changes.duplicateOfId, 'tip.marked_duplicate');
      }
      if (events.length === 0) return;

      // False: someone else's change committed between our read and this write.
      if (!(await this.tips.updateWorkflow(manager, id, changes.version, set))) throw new StaleTipVersionError(await this.detail(staff, id, manager));
      for (const event of events) await this.audit.record(manager, event);
    });
    return this.detail(staff, id);
  }

  async addNote(staff: StaffPrincipal, tipId: string, input: CreateNoteDto): Promise<NoteDto> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.desk.insertNote(manager, tipId, staff.id, input.body);
      if (!row) throw await this.notWritable(manager, tipId);
      // The note's text stays out of the audit trail (and so out of every log).
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.note_added',
        entityType: 'tip',
        entityId: tipId,
        after: { noteId: row.id },
      });
      return toNote({ ...row, author_name: staff.name });
    });
  }

  /** A message to the contributor, on the tip's own channel; they read it on the status page. */
  async sendMessage(staff: StaffPrincipal, tipId: string, input: CreateMessageDto): Promise<MessageDto> {
    const message = await this.dataSource.transaction(async (manager) => {
      const row = await this.desk.insertMessage(manager, tipId, 'to_contributor', staff.id, input.body);
      if (!row) throw await this.notWritable(manager, tipId);
      await this.audit.record(manager, {
        actorType: 'staff',
        actorId: staff.id,
        action: 'tip.message_sent',
        entityType: 'tip',
        entityId: tipId,
        after: { messageId: row.id, channel: row.channel },
      });
      return toMessage({ ...row, author_name: staff.name });
    });
    // After the commit, in the background: a delivery that fails never undoes or delays the message.
    // NotificationsService picks the way out by the tip's channel (a link by mail, or the text itself by email/WhatsApp).
    void this.notifications.messageSent(tipId, { id: message.id });
    return message;
  }

  /**
   * A message from the contributor (their status page), on the tip's own channel. The caller
   * passes its transaction and writes its own audit event in it.
   */
  async recordContributorMessage(tipId: string, body: string, manager: EntityManager = this.dataSource.manager): Promise<MessageDto> {
    const row = await this.desk.insertMessage(manager, tipId, 'from_contributor', null, body);
    if (!row) throw await this.notWritable(manager, tipId);
    return toMessage({ ...row, author_name: null });
  }

  /** Why a note or message was not written: the tip is gone (404), or erased, a tombstone (409 TIP_ERASED). */
  private async notWritable(manager: EntityManager, tipId: string): Promise<Error> {
    return (await this.tips.exists(manager, tipId)) ? new TipErasedError() : new TipNotFoundError();
  }

  /** The tip's messages as its contributor reads them on the status page. */
  async conversationForContributor(tipId: string): Promise<{ direction: MessageDirection; body: string; createdAt: string }[]> {
    return this.desk.conversationForContributor(tipId);
  }

  /**
   * A note tipdesk itself writes (author null; the desk shows it as "tipdesk"): what a channel
   * could not take, say. In the caller's transaction; never in the audit trail's text.
   */
  async addSystemNote(manager: EntityManager, tipId: string, body: string): Promise<NoteDto> {
    return toNote(await this.desk.insertSystemNote(manager, tipId, body));
  }

  /** Erasure (privacy/): the tip's messages and the text of its notes, in the caller's transaction. */
  async eraseConversation(manager: EntityManager, tipId: string): Promise<{ messages: number; notes: number }> {
    return this.desk.eraseConversation(manager, tipId);
  }

  /** Tips go to active editors and admins only. */
  private async checkAssignable(staffId: string): Promise<void> {
    const person = await this.staff.findById(staffId);
    const problem =
      person.disabledAt !== null
        ? 'This staff account is disabled'
        : person.role !== 'editor' && person.role !== 'admin'
          ? 'Only editors and admins can be given tips'
          : undefined;
    if (problem) throw new DomainError(HttpStatus.BAD_REQUEST, 'ASSIGNEE_NOT_ASSIGNABLE', `${problem}.`, { assigneeId: [problem] });
  }

  /** `tipId` may repeat another existing tip, as long as following the links never leads back to it. */
  private async checkDuplicateLink(manager: EntityManager, tipId: string, duplicateOfId: string): Promise<void> {
    if (duplicateOfId === tipId) {
      throw new DomainError(HttpStatus.BAD_REQUEST, 'DUPLICATE_OF_ITSELF', 'A tip cannot be a duplicate of itself.', {
        duplicateOfId: ['A tip cannot be a duplicate of itself'],
      });
    }
    await this.tips.lockDuplicateLinks(manager);
    if (!(await this.tips.exists(manager, duplicateOfId))) {
      throw new DomainError(HttpStatus.BAD_REQUEST, 'DUPLICATE_OF_UNKNOWN_TIP', 'There is no tip with that id to mark this one a duplicate of.', {
        duplicateOfId: ['There is no tip with this id'],
      });
    }
    if (await this.tips.duplicateChainReaches(manager, duplicateOfId, tipId)) {
      throw new ConflictError('TIP_DUPLICATE_CYCLE', 'That tip is already (through others) a duplicate of this one: the links would go round in a circle.');
    }
  }
}
