import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AUDIT_ACTOR_TYPES } from '../audit/audit.entities.js';
import type { AuditEventDto } from '../audit/dto/audit-events.dto.js';
import { MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH } from '../desk/desk.entities.js';
import type { TipDetailDto } from '../desk/dto/tip-detail.dto.js';
import type { TipListItemDto } from '../desk/dto/tip-list.dto.js';
import { PRIORITY_MAX } from '../desk/dto/update-tip.dto.js';
import type { DeadLetter } from '../jobs/jobs.service.js';
import { STORY_MAX_LENGTH } from '../tips/dto/create-tip.dto.js';
import type { ErrorBody } from '../http/exception.filter.js';
import type { FieldErrors } from '../http/errors.js';
import type { Caller, StaffCaller } from '../staff/access.js';
import type { StaffUserDto, TotpEnrolmentDto } from '../staff/dto/staff.dto.js';
import { PASSWORD_MIN_LENGTH } from '../staff/passwords.js';
import { STAFF_ROLES, type StaffRole } from '../staff/staff.entities.js';
import { NEWS_KINDS, NEWS_LABELS, type NewsKind } from '../desk/tip-news.js';
import type { PayoutDto, TipPayoutEventDto } from '../payouts/dto/payouts.dto.js';
import { PaperSettingsService } from '../settings/settings.service.js';
import {
  AUDIT_ACTIONS,
  auditChange,
  changeInWords,
  CHANNEL_ICON_PATHS,
  CHANNEL_LABELS,
  eventWords,
  formatBytes,
  formatDuration,
  historyLine,
  LICENCE_LABELS,
  PRIORITY_LABELS,
  STATUS_LABELS,
  statusAction,
} from './desk-labels.js';
import { registerDateHelpers } from './dates.js';
import { fieldMessages } from './form-errors.js';
import { offerForm, paymentsPanel } from './desk-payments.js';
import type { PayoutRisk } from '../payouts/risks/payout-risks.service.js';
import { deskNewsOf } from './desk-news.interceptor.js';
import { FILTER_CHOICES, type QueueFilterForm } from './desk-addresses.js';
import { compileView, escapeHtml, handlebars, registerPartial, safeHtml } from './handlebars.js';

registerPartial('deskField', 'desk/field');
registerPartial('deskFormErrors', 'desk/form-errors');
registerPartial('deskShortcutHelp', 'desk/shortcut-help');

/** What processing read from a file, in the words the tip page shows (each line only when known). */
export function mediaFacts(
  probe: Record<string, unknown> | null,
): { resolution?: string; codec?: string; capturedAt?: Date; camera?: string; gps?: { label: string; mapUrl: string } } | null {
  if (!probe) return null;
  const facts: NonNullable<ReturnType<typeof mediaFacts>> = {};
  if (Number.isInteger(probe.width) && Number.isInteger(probe.height)) facts.resolution = `${probe.width as number}×${probe.height as number}`;
  const codecs = [probe.codec, probe.audioCodec].filter((c): c is string => typeof c === 'string' && c.length > 0);
  if (codecs.length) facts.codec = codecs.join(' / ');
  const captured = typeof probe.capturedAt === 'string' ? new Date(probe.capturedAt) : undefined;
  if (captured && !Number.isNaN(captured.getTime())) facts.capturedAt = captured;
  if (typeof probe.camera === 'string' && probe.camera) facts.camera = probe.camera;
  const gps = probe.gps as { latitude?: unknown; longitude?: unknown } | undefined;
  if (gps && typeof gps.latitude === 'number' && typeof gps.longitude === 'number' && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude)) {
    const lat = Number(gps.latitude.toFixed(6));
    const lon = Number(gps.longitude.toFixed(6));
    facts.gps = { label: `${lat}, ${lon}`, mapUrl: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}` };
  }
  return Object.keys(facts).length ? facts : null;
}

// {{channelIcon channel}}: the channel's icon, hidden from screen readers (the label beside it says it).
handlebars.registerHelper('channelIcon', (channel: unknown) => {
  const path =
    typeof channel === 'string' && Object.hasOwn(CHANNEL_ICON_PATHS, channel) ? CHANNEL_ICON_PATHS[channel as keyof typeof CHANNEL_ICON_PATHS] : undefined;
  if (!path) return '';
  return safeHtml(
    `<svg class="channel-icon channel-${escapeHtml(channel)}" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d="${path}"/></svg>`,
  );
});

const ROLE_LABELS: Record<StaffRole, string> = { admin: 'Admin', editor: 'Editor', accounting: 'Accounting' };
const roleOptions = (selected: unknown) => STAFF_ROLES.map((value) => ({ value, label: ROLE_LABELS[value], selected: value === selected }));

const layout = compileView('desk/layout');
const templates = {
  error: compileView('desk/error'),
  setup: compileView('desk/setup'),
  setupInvalid: compileView('desk/setup-invalid'),
  login: compileView('desk/login'),
  account: compileView('desk/account'),
  staff: compileView('desk/staff'),
  queue: compileView('desk/queue'),
  audit: compileView('desk/audit'),
  tip: compileView('desk/tip'),
  phone: compileView('desk/phone'),
};

/** Fixed sentences a redirect can ask for with `?notice=`: the page never echoes text from the address. */
export const NOTICES = {
  'signed-out': 'You have signed out.',
  'session-ended': 'Your session has ended. Please sign in again.',
  welcome: 'Your admin account is ready. Set up two-factor sign-in now, then add your colleagues on the Staff page.',
  'password-changed': 'Your password has been changed. Any other browser signed in as you has been signed out.',
  'staff-added': 'The account has been made. They can sign in now with the first password.',
  'role-changed': 'The role has been changed. They have been signed out, and sign in again with the new role.',
  'staff-disabled': 'The account has been disabled and signed out everywhere.',
  'staff-enabled': 'The account has been enabled again.',
  'two-factor-reset': 'Two-factor sign-in has been reset. They sign in with their password and set it up again.',
  'staff-unlocked': 'The account has been unlocked.',
  'password-set':
    'The new password is set, they have been signed out everywhere, and any sign-in lock is lifted. Give them the password in person or by phone.',
  'queue-empty': 'No new tips are waiting to be claimed. Check back soon.',
  claimed: 'This tip is yours now.',
  saved: 'Saved.',
  'status-changed': 'Status changed.',
  'note-added': 'Note added.',
  'message-sent': 'Message sent to the contributor.',
  'waiver-granted': 'Done: that person may now offer on this tip; each payout they offer will carry LOGGED_BY_OFFERER for its approver.',
  'phone-tip-logged': 'The call is logged as a tip. Read the reference and secret below to the caller now: the secret is not shown again.',
  'files-added': 'Files added.',
  'offer-made': 'Offer made. The contributor sees it on their status page (and gets a short email if they gave an address).',
  'offer-cancelled': 'Offer cancelled.',
  'not-for-your-role': 'That page is not part of your role’s work, so here is your own start page.',
  'settings-saved': 'Paper settings saved.',
  'logo-saved': 'Logo saved.',
  'logo-removed': 'Logo removed.',
  'payer-proposed': 'Change to the paying account proposed. It takes effect when another admin approves it.',
  'payer-approved': 'Change to the paying account approved: bank files use it from now on.',
  'payer-rejected': 'Change to the paying account rejected: nothing changed.',
  'payer-withdrawn': 'Your change to the paying account was withdrawn: nothing changed.',
} as const satisfies Record<string, string>;
export type Notice = keyof typeof NOTICES;

const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.`;

type Section = 'queue' | 'phone' | 'accounts' | 'staff' | 'audit' | 'settings' | 'account';

export interface Frame {
  title: string;
  /** The page's name for desk.js (`data-page`) and the nav. */
  page: string;
  section?: Section;
  notice?: string;
  wide?: boolean;
}

export interface FormState {
  values?: Record<string, unknown>;
  errors?: FieldErrors;
  formError?: string;
}

export interface LoginState extends FormState {
  next?: string;
  showTotp?: boolean;
  /** The next step (not a mistake), such as "enter the code". */
  formNote?: string;
}

export interface StaffRef {
  id: string;
  name: string;
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

/** The tip page's "Make an offer" form, when it came back with a problem. */
export interface OfferFormState {
  values: Record<string, string>;
  errors?: FieldErrors;
  formError?: string;
}

export interface TipPageState {
  tip: TipDetailDto;
  /** The tip's payouts and every move of them (the Payments panel and the history). */
  payouts: PayoutDto[];
  payoutEvents: TipPayoutEventDto[];
  /** Each payout's open risks (payout-risks); accounting and admins read them in full, editors only how many. */
  payoutRisks?: Map<string, PayoutRisk[]>;
  /** Accounting's view: everything to read, no forms (and no player: media is the desk's). */
  readOnly?: boolean;
  offer?: OfferFormState;
  /** A refused cancel: which payout and why. */
  payoutProblem?: { payoutId: string; message: string };
  /** MAX_FILES_PER_TIP, for the phone tip's "Add files" form. */
  maxFiles: number;
  assignable: StaffRef[];
  /** Everyone's names, for the history. */
  staffNames: Map<string, string>;
  /** The change was made against an older version: show the tip as it is now. */
  conflict?: boolean;
  formError?: string;
  /** Keyed by form: note, message, assigneeId, priority, tags, duplicateOf. */
  errors?: FieldErrors;
  /** What was typed, when a form comes back with an error. */
  values?: Record<string, unknown>;
  notice?: string;
  /** Admins only: who holds this tip's secret (they may not offer on it), and the waiver form. */
  secretHolders?: { staffId: string; waived: boolean }[];
  waiverError?: string;
}

export interface AuditPageState {
  events: AuditEventDto[];
  /** The filter form's fields as they travel in the address. */
  form: Record<'q' | 'action' | 'actorType' | 'actorId' | 'entityType' | 'entityId' | 'from' | 'to', string>;
  filterErrors: string[];
  nextHref?: string;
  previousHref?: string;
  /** The address without the actor/entity narrowing. */
  widenHref: string;
  /** Background jobs that failed for good, newest first. */
  deadLetters: DeadLetter[];
  /** Everyone's names, for ids in the changes. */
  staffNames: Map<string, string>;
}

export interface StaffPageState {
  people: StaffUserDto[];
  /** The "add a person" form, when it came back with errors. */
  form?: FormState;
  /** An action on a row that was refused (e.g. removing the last admin). */
  listError?: string;
  /** A row's "set a new password" form that came back refused: whose, and why. */
  passwordForm?: { id: string; error: string };
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

/** What an audit event is about, in words. */
const ENTITY_WORDS: Record<string, string> = {
  tip: 'A tip',
  staff_user: 'A staff account',
  payout: 'A payment',
  payout_batch: 'A payment batch',
  paper_settings: 'Paper settings',
  payer_change: 'The paying account',
};

/** Why a tip has no consent: it never passed through the web form's terms. */
const NO_CONSENT_REASONS: Partial<Record<TipDetailDto['channel'], string>> = {
  email: 'this tip came by email.',
  whatsapp: 'this tip came by WhatsApp.',
  phone: 'this tip came by phone. Agree the terms with the caller before any offer.',
};

/** Where a staff member lands after signing in, when no page asked for them. */
export function landingPage(role: StaffRole): string {
  return role === 'accounting' ? '/accounts' : '/desk';
}

/**
 * Whether a role's work includes this desk page (the routes' @Access still decides): a page
 * outside it is never where sign-in sends someone, and opening one leads to their own start
 * page rather than to "Not allowed".
 */
export function roleOpens(role: StaffRole, path: string): boolean {
  const page = path.split(/[?#]/)[0];
  if (page === '/desk/account' || page.startsWith('/desk/account/')) return true;
  if (page === '/accounts' || page.startsWith('/accounts/')) return role === 'accounting' || role === 'admin';
  if (/^\/desk\/(staff|audit|admin)(\/|$)/.test(page)) return role === 'admin';
  return role === 'editor' || role === 'admin';
}

/** The page a staff member is sent to when they open `path` outside their role: accounting reads a tip on /accounts. */
export function pageForRole(role: StaffRole, path: string): string {
  const tip = /^\/desk\/tips\/([0-9a-f-]{36})$/.exec(path.split(/[?#]/)[0]);
  if (tip && role === 'accounting') return `/accounts/tips/${tip[1]}`;
  return `${landingPage(role)}?notice=not-for-your-role`;
}

/** The staff's pages: the desk, and accounting's /accounts (same sign-in, frame and rules). */
export function isDeskPath(path: string): boolean {
  return path === '/desk' || path.startsWith('/desk/') || path === '/accounts' || path.startsWith('/accounts/');
}

const NOT_A_RETURN_PAGE = /^\/desk\/(login|logout|setup)(\/|$)/;

/**
 * `next=` comes from the address bar: only a path on this site, under /desk, survives (never
 * `//evil.example`, `/\evil`, `/desk/../api`, a full URL or the sign-in page itself).
 */
export function localDeskPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000) return undefined;
  if (!value.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, 'http://desk.invalid');
  } catch {
    return undefined;
  }
  if (url.origin !== 'http://desk.invalid' || !isDeskPath(url.pathname) || NOT_A_RETURN_PAGE.test(url.pathname)) return undefined;
  return `${url.pathname}${url.search}`;
}

export function noticeText(code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(NOTICES, code) ? NOTICES[code as Notice] : undefined;
}

/** The page's alert for a refused "set a new password" form, naming whose it was. */
function passwordRefused({ people, passwordForm }: StaffPageState): string | undefined {
  if (!passwordForm) return undefined;
  const person = people.find((p) => p.id === passwordForm.id);
  return person ? `The new password for ${person.name} was not set: ${passwordForm.error}` : passwordForm.error;
}

/** Only strings go back into a form (never a password: those are typed again). */
function formValues(values: Record<string, unknown> | undefined, keep: string[]): Record<string, string> {
  return Object.fromEntries(keep.flatMap((key) => (typeof values?.[key] === 'string' ? [[key, values[key] as string]] : [])));
}

/** The desk's server-rendered pages: editors' queue and tip pages, sign-in, account, staff and audit. */
@Injectable()
export class DeskViews {
  constructor(private readonly paperSettings: PaperSettingsService) {
    // Every date on every page in the desk's one time zone and style (paper settings).
    registerDateHelpers(() => paperSettings.current().dates);
  }

  page(caller: Caller | undefined, frame: Frame, body: string): string {
    const staff = caller?.kind === 'staff' ? caller : undefined;
    const role = staff?.user.role;
    // Someone who must first enrol a second factor can reach only their account page.
    const nav = !staff
      ? []
      : staff.pendingTotp
        ? [{ href: '/desk/account', label: 'Account', section: 'account', current: frame.section === 'account' }]
        : [
            ...(role === 'editor' || role === 'admin'
              ? [
                  { href: '/desk', label: 'Queue', section: 'queue' },
                  { href: '/desk/phone', label: 'Log a phone tip', section: 'phone' },
                ]
              : []),
            ...(role === 'accounting' || role === 'admin' ? [{ href: '/accounts', label: 'Accounts', section: 'accounts' }] : []),
            ...(role === 'admin'
              ? [
                  { href: '/desk/staff', label: 'Staff', section: 'staff' },
                  { href: '/desk/audit', label: 'Audit log', section: 'audit' },
                  { href: '/desk/admin/settings', label: 'Settings', section: 'settings' },
                ]
              : []),
            { href: '/desk/account', label: 'Account', section: 'account' },
          ].map((item) => ({ ...item, current: item.section === frame.section }));
    // Tips with news since this editor last looked, by kind, each a link to the queue filtered to it.
    const counts = staff && !staff.pendingTotp ? deskNewsOf.get(staff) : undefined;
    const news = counts
      ? NEWS_KINDS.filter((kind) => counts[kind] > 0).map((kind) => ({ kind, href: `/desk?news=${kind}`, label: NEWS_LABELS[kind], count: counts[kind] }))
      : [];
    return layout({
      title: frame.title,
      pageName: frame.page,
      paperName: this.paperSettings.current().paperName,
      news,
      wide: frame.wide,
      notice: frame.notice,
      staff: staff ? { name: staff.user.name, role: staff.user.role } : undefined,
      homeHref: role ? landingPage(role) : '/desk',
      csrfToken: staff?.session.csrfToken,
      nav,
      body,
    });
  }

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
    return this.page(undefined, { title: 'Create the first admin', page: 'setup' }, body);
  }

  setupInvalid(message: string): string {
    return this.page(undefined, { title: 'Setup link not valid', page: 'setup' }, templates.setupInvalid({ message }));
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
    return this.page(undefined, { title: 'Sign in', page: 'login', notice }, body);
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
    return this.page(caller, { title: 'Your account', page: 'account', section: 'account', notice: state.notice }, body);
  }

  staff(caller: StaffCaller, state: StaffPageState): string {
    const { fields, list } = fieldMessages(state.form?.errors, ['name', 'email', 'role', 'password']);
    const values = formValues(state.form?.values, ['name', 'email', 'role']);
    const body = templates.staff({
      people: state.people.map((person) => ({
        ...person,
        isMe: person.id === caller.user.id,
        roleOptions: roleOptions(person.role),
        passwordFieldId: `password-${person.id}`,
        passwordLabel: `New password for ${person.name}`,
        passwordError: state.passwordForm?.id === person.id ? state.passwordForm.error : undefined,
      })),
      csrfToken: caller.session.csrfToken,
      listError: state.listError ?? passwordRefused(state),
      values,
      errors: fields,
      errorList: list.map((item) => ({ ...item, field: `new-${item.field}` })),
      formError: state.form?.formError,
      newRoleOptions: roleOptions(values.role ?? 'editor'),
      passwordHint: PASSWORD_HINT,
      passwordResetHint: `${PASSWORD_HINT} It signs them out everywhere and lifts any sign-in lock.`,
    });
    return this.page(caller, { title: 'Staff', page: 'staff', section: 'staff', notice: state.notice, wide: true }, body);
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
    return this.page(caller, { title: 'Queue', page: 'queue', section: 'queue', notice: state.notice, wide: true }, body);
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
    // The tip's own events and its payouts' moves, in words, newest first.
    const history = [
      ...tip.history.map((event) => historyLine(event, state.staffNames)),
      ...payments.flatMap((p) => p.moves.map((move) => ({ ...move, summary: `${move.summary} (${p.amount})` }))),
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
        playable: !readOnly && m.state !== 'rejected' && m.state !== 'uploading' && m.scanState !== 'infected',
        scanPending: m.scanState === 'pending',
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
    return this.page(
      caller,
      { title, page: readOnly ? 'accounts-tip' : 'tip', section: readOnly ? 'accounts' : 'queue', notice: state.notice, wide: true },
      body,
    );
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
    return this.page(caller, { title: state.logged ? 'Call logged' : 'Log a phone tip', page: 'phone', section: 'phone' }, body);
  }

  audit(caller: StaffCaller, state: AuditPageState): string {
    const { form } = state;
    const filterHref = (key: 'actorId' | 'entityId', id: string) => `/desk/audit?${new URLSearchParams({ [key]: id })}`;
    const known = ['tip', 'staff_user', 'payout', 'payout_batch', 'paper_settings', 'payer_change'];
    const entityTypes = [...known, ...(form.entityType && !known.includes(form.entityType) ? [form.entityType] : [])];
    const narrowed = [form.actorId && 'one person', form.entityId && 'one thing'].filter(Boolean);
    const body = templates.audit({
      form,
      actions: AUDIT_ACTIONS,
      actorTypes: [
        { value: '', label: 'Anyone', selected: !form.actorType },
        ...AUDIT_ACTOR_TYPES.map((t) => ({
          value: t,
          label: t === 'system' ? 'tipdesk itself' : t === 'staff' ? 'Staff' : 'Contributors',
          selected: t === form.actorType,
        })),
      ],
      entityTypes: [
        { value: '', label: 'Anything', selected: !form.entityType },
        ...entityTypes.map((t) => ({ value: t, label: ENTITY_WORDS[t] ?? t, selected: t === form.entityType })),
      ],
      filterErrors: state.filterErrors,
      narrowedTo: narrowed.length ? `Showing the events of ${narrowed.join(' and ')}.` : undefined,
      widenHref: state.widenHref,
      events: state.events.map((event) => ({
        ...event,
        words: eventWords(event.action),
        actor: event.actorType === 'staff' ? (event.actorName ?? 'a former colleague') : event.actorType === 'system' ? 'tipdesk' : 'a contributor',
        actorHref: event.actorId && event.actorType === 'staff' ? filterHref('actorId', event.actorId) : undefined,
        entityHref: filterHref('entityId', event.entityId),
        entityLabel: ENTITY_WORDS[event.entityType] ?? event.entityType.replace(/_/g, ' '),
        entityPage:
          event.entityType === 'tip' ? `/desk/tips/${event.entityId}` : event.entityType === 'payout_batch' ? `/accounts/batches/${event.entityId}` : undefined,
        // In words up front; the event as stored (codes, ids, JSON) in its detail view.
        change: changeInWords(event.before, event.after, state.staffNames),
        raw: auditChange(event.before, event.after),
      })),
      olderHref: state.nextHref,
      newerHref: state.previousHref,
      deadLetters: state.deadLetters.map((letter) => ({ ...letter, failedAt: new Date(letter.failedAt) })),
    });
    return this.page(caller, { title: 'Audit log', page: 'audit', section: 'audit', wide: true }, body);
  }

  /** An error on a desk page, drawn inside the desk's own frame. */
  error(req: Request, body: ErrorBody): string {
    const heading =
      body.statusCode === 404
        ? 'Not found'
        : body.statusCode === 403
          ? 'Not allowed'
          : body.statusCode >= 500
            ? 'Something went wrong'
            : 'We could not do that';
    const staff = req.caller?.kind === 'staff' ? req.caller : undefined;
    const back = staff
      ? { href: landingPage(staff.user.role), label: staff.user.role === 'accounting' ? 'Back to accounts' : 'Back to the desk' }
      : { href: '/desk/login', label: 'Sign in' };
    // A bad id in the address says which, not just that something was invalid.
    const message = body.fields ? Object.values(body.fields).flat().join('. ') : body.message;
    return this.page(
      req.caller,
      { title: heading, page: 'error' },
      templates.error({ heading, message, errorId: body.errorId, backHref: back.href, backLabel: back.label }),
    );
  }

  /**
   * A desk page asked for by someone who must first sign in goes to the sign-in page (and comes
   * back afterwards); someone who must first enrol a second factor goes to their account page.
   */
  redirect(req: Request, body: ErrorBody): string | undefined {
    if (body.code === 'TOTP_ENROLMENT_REQUIRED') return '/desk/account';
    // A page outside the signed-in person's role (an accountant opening /desk, say): their own start page, not "Not allowed".
    const staff = req.caller?.kind === 'staff' ? req.caller : undefined;
    if (body.code === 'FORBIDDEN' && staff && req.method === 'GET' && !roleOpens(staff.user.role, req.path)) return pageForRole(staff.user.role, req.path);
    if (body.statusCode !== 401) return undefined;
    const back = req.method === 'GET' ? localDeskPath(req.originalUrl) : localDeskPath(refererPath(req));
    const query = new URLSearchParams();
    if (back) query.set('next', back);
    if (body.code === 'SESSION_EXPIRED') query.set('notice', 'session-ended');
    return query.size ? `/desk/login?${query}` : '/desk/login';
  }
}

/** The page a form was posted from, when it is one of ours. */
function refererPath(req: Request): string | undefined {
  const referer = req.header('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return url.host === req.header('host') ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}
