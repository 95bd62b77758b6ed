import { Injectable } from '@nestjs/common';
import { MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH } from '../../desk/desk.entities.js';
import type { TipDetailDto } from '../../desk/dto/tip-detail.dto.js';
import type { TipListItemDto } from '../../desk/dto/tip-list.dto.js';
import { PRIORITY_MAX } from '../../desk/dto/update-tip.dto.js';
import { NEWS_LABELS, type NewsKind } from '../../desk/tip-news.js';
import type { FieldErrors } from '../../http/errors.js';
import type { StaffCaller } from '../../staff/access.js';
import type { StaffUserDto, TotpEnrolmentDto } from '../../staff/dto/staff.dto.js';
import { STORY_MAX_LENGTH } from '../../tips/dto/create-tip.dto.js';
import { formatBytes } from '../../text/format-bytes.js';
import { fieldMessages, formValues, PASSWORD_HINT, type FormState } from '../shared/form-errors.js';
import { compileView } from '../shared/handlebars.js';
import { historyLine } from '../shared/event-words.js';
import { CHANNEL_LABELS, formatDuration, LICENCE_LABELS, PRIORITY_LABELS, STATUS_LABELS, statusAction } from '../shared/labels.js';
import { StaffFrame } from '../shared/staff-frame.js';
import { landingPage } from '../shared/staff-paths.js';
import { FILTER_CHOICES, type QueueFilterForm } from './desk-addresses.js';
import { offerForm, paymentsPanel } from './desk-payments.js';
import { mediaFacts } from './media-facts.js';
import type { StaffRef, TipPageState } from './tip-page-state.js';

const templates = {
  setup: compileView(import.meta.url, 'setup'),
  setupInvalid: compileView(import.meta.url, 'setup-invalid'),
  login: compileView(import.meta.url, 'login'),
  account: compileView(import.meta.url, 'account'),
  queue: compileView(import.meta.url, 'queue'),
  tip: compileView(import.meta.url, 'tip'),
  phone: compileView(import.meta.url, 'phone'),
  mediaDownload: compileView(import.meta.url, 'media-download'),
};

/** A file the virus scan has not cleared (waiting, or its last try failed): no player, a download only after confirming. */
export const awaitingScan = (media: Pick<TipDetailDto['media'][number], 'scanState'>) => media.scanState === 'pending';

export interface LoginState extends FormState {
  next?: string;
  showTotp?: boolean;
  /** The next step (not a mistake), such as "enter the code". */
  formNote?: string;
}

export interface QueuePageState {
  items: TipListItemDto[];
  form: QueueFilterForm;
  assignable: StaffRef[];
  filterErrors: string[];
  nextHref?: string;
  previousHref?: string;
  notice?: string;
}

export interface AccountState {
  user: StaffUserDto;
  enrolmentRequired: boolean;
  enrolment?: TotpEnrolmentDto;
  recoveryCodes?: string[];
  codeErrors?: FieldErrors;
  totpError?: string;
  password?: FormState;
  notice?: string;
}

/** Why a tip has no consent: it never passed through the web form's terms. */
const NO_CONSENT_REASONS: Partial<Record<TipDetailDto['channel'], string>> = {
  email: 'this tip came by email.',
  whatsapp: 'this tip came by WhatsApp.',
  phone: 'this tip came by phone. Agree the terms with the caller before any offer.',
};

/** The desk's server-rendered pages: sign-in and setup, a person's account, the editors' queue, tip and phone pages. */
@Injectable()
export class DeskViews {
  constructor(private readonly frame: StaffFrame) {}

  setup(token: string, state: FormState = {}): string {
    const { fields, list } = fieldMessages(state.errors, ['name', 'email', 'password', 'passwordAgain']);
    const body = templates.setup({
      token,
      values: formValues(state.values, ['name', 'email']),
      errors: fields,
      errorList: list,
      formError: state.formError,
      passwordHint: PASSWORD_HINT,
    });
    return this.frame.page(undefined, { title: 'Create the first admin', page: 'setup' }, body);
  }

  setupInvalid(message: string): string {
    return this.frame.page(undefined, { title: 'Setup link not valid', page: 'setup' }, templates.setupInvalid({ message }));
  }

  login(state: LoginState = {}, notice?: string): string {
    const { fields, list } = fieldMessages(state.errors, ['email', 'password', 'totp']);
    const values = formValues(state.values, ['email']);
    const body = templates.login({
      next: state.next,
      values,
      errors: fields,
      errorList: list.length > 1 || (list.length === 1 && !state.formError) ? list : [],
      formError: state.formError,
      formNote: state.formNote,
      showTotp: state.showTotp,
      focusEmail: !values.email,
      focusPassword: Boolean(values.email),
      passwordHint: state.showTotp && !fields.password ? 'For your safety, type your password again with the code.' : undefined,
    });
    return this.frame.page(undefined, { title: 'Sign in', page: 'login', notice }, body);
  }

  account(caller: StaffCaller, state: AccountState): string {
    const code = fieldMessages(state.codeErrors, ['code']);
    const password = fieldMessages(state.password?.errors, ['currentPassword', 'newPassword', 'newPasswordAgain']);
    const body = templates.account({
      user: state.user,
      enrolmentRequired: state.enrolmentRequired && !state.recoveryCodes,
      enrolment: state.enrolment,
      recoveryCodes: state.recoveryCodes,
      continueHref: landingPage(state.user.role),
      errors: code.fields,
      errorList: code.list,
      totpError: state.totpError,
      passwordErrors: password.fields,
      passwordErrorList: password.list,
      passwordFormError: state.password?.formError,
      passwordHint: PASSWORD_HINT,
      csrfToken: caller.session.csrfToken,
    });
    return this.frame.page(caller, { title: 'Your account', page: 'account', section: 'account', notice: state.notice }, body);
  }

  queue(caller: StaffCaller, state: QueuePageState): string {
    const { form } = state;
    const select = (values: readonly string[], current: string, label: (value: string) => string) =>
      values.map((value) => ({ value, label: label(value), selected: value === current }));
    const knownAssignee = ['', 'me', 'none', ...state.assignable.map((person) => person.id)].includes(form.assignee);
    const newestFirst = form.sort !== 'oldest';
    const body = templates.queue({
      csrfToken: caller.session.csrfToken,
      filters: form,
      options: {
        status: select(FILTER_CHOICES.status, form.status, (v) =>
          v === 'open' ? 'Open tips' : v === 'all' ? 'Any status' : STATUS_LABELS[v as keyof typeof STATUS_LABELS],
        ),
        channel: select(FILTER_CHOICES.channel, form.channel, (v) => (v ? CHANNEL_LABELS[v as keyof typeof CHANNEL_LABELS] : 'Any channel')),
        assignee: [
          { value: '', label: 'Anyone', selected: !knownAssignee || form.assignee === '' },
          { value: 'me', label: 'Mine', selected: form.assignee === 'me' },
          { value: 'none', label: 'Unassigned', selected: form.assignee === 'none' },
          ...state.assignable.filter((p) => p.id !== caller.user.id).map((p) => ({ value: p.id, label: p.name, selected: p.id === form.assignee })),
        ],
        hasMedia: select(FILTER_CHOICES.hasMedia, form.hasMedia, (v) => (v === 'true' ? 'With media' : v === 'false' ? 'Without media' : 'With or without')),
        sort: select(FILTER_CHOICES.sort, form.sort, (v) => (v === 'newest' ? 'Newest first' : 'Oldest first')),
        news: select(FILTER_CHOICES.news, form.news, (v) => (v ? `${NEWS_LABELS[v as NewsKind]} since I last looked` : 'Any')),
      },
      filterErrors: state.filterErrors,
      filtersActive: Boolean(
        form.q ||
        form.channel ||
        form.assignee ||
        form.hasMedia ||
        form.tag ||
        form.from ||
        form.to ||
        form.news ||
        form.status !== 'open' ||
        form.sort !== 'newest',
      ),
      newsFilter: form.news ? NEWS_LABELS[form.news as NewsKind] : undefined,
      items: state.items.map((item) => ({
        ...item,
        href: `/desk/tips/${item.id}`,
        statusLabel: STATUS_LABELS[item.status],
        channelLabel: CHANNEL_LABELS[item.channel],
        priorityLabel: PRIORITY_LABELS[item.priority] ?? String(item.priority),
        oneFile: item.mediaCount === 1,
        poster: item.poster ? { ...item.poster, durationLabel: formatDuration(item.poster.duration) } : null,
        news: item.news.map((kind) => ({ kind, label: NEWS_LABELS[kind] })),
      })),
      nextHref: state.nextHref,
      previousHref: state.previousHref,
      olderHref: newestFirst ? state.nextHref : state.previousHref,
      newerHref: newestFirst ? state.previousHref : state.nextHref,
      olderLabel: 'Older',
      newerLabel: 'Newer',
    });
    return this.frame.page(caller, { title: 'Queue', page: 'queue', section: 'queue', notice: state.notice, wide: true }, body);
  }

  tip(caller: StaffCaller, state: TipPageState): string {
    const { tip } = state;
    const readOnly = Boolean(state.readOnly);
    const errors = fieldMessages(state.errors, ['status', 'assigneeId', 'priority', 'tags', 'duplicateOf', 'message', 'note', 'files']);
    const values = formValues(state.values, ['note', 'message', 'tags', 'duplicateOf', 'assigneeId', 'priority']);
    const assignee = values.assigneeId ?? tip.assignee?.id ?? '';
    const priority = values.priority ?? String(tip.priority);
    const assignable = tip.assignee && !state.assignable.some((p) => p.id === tip.assignee!.id) ? [...state.assignable, tip.assignee] : state.assignable;
    const offer = offerForm(tip, state.offer);
    const payments = paymentsPanel(caller, state);
    // The tip's own events and its payouts' moves, in words, newest first. A page of a long
    // history shows the moves that fall between its oldest and newest event.
    const from = tip.olderHistoryCursor ? tip.history[0]?.at : undefined;
    const to = state.historyBefore ? tip.history.at(-1)?.at : undefined;
    const history = [
      ...tip.history.map((event) => historyLine(event, state.staffNames)),
      ...payments
        .flatMap((p) => p.moves.map((move) => ({ ...move, summary: `${move.summary} (${p.amount})` })))
        .filter((move) => (!from || move.at >= from) && (!to || move.at <= to)),
    ].sort((x, y) => y.at.localeCompare(x.at));
    const body = templates.tip({
      csrfToken: caller.session.csrfToken,
      readOnly,
      backHref: readOnly ? '/accounts' : '/desk',
      backLabel: readOnly ? '← Accounts' : '← Queue',
      deskHref: readOnly && caller.user.role === 'admin' ? `/desk/tips/${tip.id}` : undefined,
      tip: {
        ...tip,
        statusLabel: STATUS_LABELS[tip.status],
        channelLabel: CHANNEL_LABELS[tip.channel],
        priorityLabel: PRIORITY_LABELS[tip.priority] ?? String(tip.priority),
        duplicateOf: tip.duplicateOf ? { ...tip.duplicateOf, statusLabel: STATUS_LABELS[tip.duplicateOf.status] } : null,
      },
      assignedToMe: tip.assignee?.id === caller.user.id,
      secretHolders: state.secretHolders?.length
        ? state.secretHolders.map((h) => ({ ...h, name: state.staffNames.get(h.staffId) ?? 'a former colleague', me: h.staffId === caller.user.id }))
        : undefined,
      waiverError: state.waiverError,
      conflict: state.conflict,
      formError: state.formError,
      errors: errors.fields,
      errorList: state.conflict ? [] : errors.list.filter((e) => e.field !== 'note' && e.field !== 'message' && e.field !== 'files'),
      values,
      statusActions: readOnly ? [] : tip.allowedStatuses.map((status) => ({ status, ...statusAction(tip.status, status) })),
      duplicateHints: tip.duplicateHints.map((hint) => ({ ...hint, statusLabel: STATUS_LABELS[hint.status], oneFile: hint.sharedFiles === 1 })),
      media: tip.media.map((m) => ({
        ...m,
        // A quarantined file is never handed to the browser: no player, no poster, no download (nor to accounting's read-only view).
        quarantined: m.scanState === 'infected',
        playable: !readOnly && m.state !== 'rejected' && m.state !== 'uploading' && m.scanState !== 'infected' && !awaitingScan(m),
        // Waiting for the scan, or its last try failed (the row stays 'pending' with the failure's code).
        scanWaiting: awaitingScan(m) && !m.scanNote,
        scanFailed: awaitingScan(m) && !!m.scanNote,
        confirmDownloadUrl:
          !readOnly && awaitingScan(m) && m.state !== 'rejected' && m.state !== 'uploading' ? `/desk/tips/${tip.id}/media/${m.id}/download` : null,
        scanClean: m.scanState === 'clean',
        notScanned: m.scanState === 'not_scanned',
        isVideo: m.kind === 'video',
        isImage: m.kind === 'image',
        isAudio: m.kind === 'audio',
        size: formatBytes(m.sizeBytes),
        duration: formatDuration(m.probe?.duration),
        facts: mediaFacts(m.probe),
        unreadable: m.state === 'unprobed',
        thumbnailUrl: !readOnly && m.hasThumbnail ? `/api/media/${m.id}/thumbnail` : null,
      })),
      consents: tip.consents.map((c) => ({ ...c, licenceLabel: LICENCE_LABELS[c.licence] })),
      noConsentReason: NO_CONSENT_REASONS[tip.channel],
      pendingMedia: {
        waiting: tip.pendingMedia.filter((p) => p.retrying).length,
        oneWaiting: tip.pendingMedia.filter((p) => p.retrying).length === 1,
        givenUp: tip.pendingMedia.filter((p) => !p.retrying).length,
        oneGivenUp: tip.pendingMedia.filter((p) => !p.retrying).length === 1,
      },
      canAddFiles: !readOnly && tip.channel === 'phone' && tip.media.length < state.maxFiles,
      filesLeft: state.maxFiles - tip.media.length,
      notes: tip.notes,
      messages: tip.messages.map((m) => ({ ...m, channelLabel: CHANNEL_LABELS[m.channel] })),
      olderMessagesHref: tip.olderMessagesCursor ? `/desk/tips/${tip.id}?messagesBefore=${encodeURIComponent(tip.olderMessagesCursor)}#messages` : undefined,
      newestMessagesHref: state.messagesBefore ? `/desk/tips/${tip.id}#messages` : undefined,
      olderHistoryHref: tip.olderHistoryCursor ? `/desk/tips/${tip.id}?historyBefore=${encodeURIComponent(tip.olderHistoryCursor)}#history` : undefined,
      newestHistoryHref: state.historyBefore ? `/desk/tips/${tip.id}#history` : undefined,
      history,
      payments,
      offer,
      assigneeOptions: [
        { value: '', label: 'Nobody', selected: assignee === '' },
        ...assignable.map((p) => ({ value: p.id, label: p.id === caller.user.id ? `${p.name} (me)` : p.name, selected: p.id === assignee })),
      ],
      priorityOptions: Array.from({ length: PRIORITY_MAX + 1 }, (_, n) => ({
        value: String(n),
        label: `${n} · ${PRIORITY_LABELS[n] ?? n}`,
        selected: String(n) === priority,
      })),
      triage: { tags: values.tags ?? tip.tags.join(', '), duplicateOf: values.duplicateOf ?? tip.duplicateOf?.reference ?? '' },
      noteMax: NOTE_MAX_LENGTH,
      messageMax: MESSAGE_MAX_LENGTH,
    });
    const title = `${tip.reference} (${STATUS_LABELS[tip.status]})`;
    return this.frame.page(
      caller,
      { title, page: readOnly ? 'accounts-tip' : 'tip', section: readOnly ? 'accounts' : 'queue', notice: state.notice, wide: true },
      body,
    );
  }

  /** The step before downloading a file the virus scan has not cleared: what the risk is, and the download itself. */
  mediaDownload(caller: StaffCaller, tip: TipDetailDto, media: TipDetailDto['media'][number]): string {
    const body = templates.mediaDownload({
      tip,
      media: { ...media, size: formatBytes(media.sizeBytes) },
      waiting: awaitingScan(media) && !media.scanNote,
      failed: awaitingScan(media) && !!media.scanNote,
      downloadUrl: `${media.contentUrl}?download=1${awaitingScan(media) ? '&unscanned=1' : ''}`,
    });
    return this.frame.page(caller, { title: 'Download a file the virus scan has not cleared', page: 'media-download', section: 'queue' }, body);
  }

  /** "Log a phone tip": the form (again, with its errors), or the logged call's reference and one-time secret. */
  phone(caller: StaffCaller, state: FormState & { logged?: { id: string; reference: string; secret: string; statusUrl: string } } = {}): string {
    const { fields, list } = fieldMessages(state.errors, ['callerNumber', 'callerName', 'story', 'location', 'occurredAt']);
    const body = templates.phone({
      csrfToken: caller.session.csrfToken,
      logged: state.logged,
      values: formValues(state.values, ['callerNumber', 'callerName', 'story', 'location', 'occurredAt']),
      errors: fields,
      errorList: list,
      formError: state.formError,
      storyMax: STORY_MAX_LENGTH,
    });
    return this.frame.page(caller, { title: state.logged ? 'Call logged' : 'Log a phone tip', page: 'phone', section: 'phone' }, body);
  }
}
