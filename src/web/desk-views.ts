import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { ErrorBody } from '../http/exception.filter.js';
import type { FieldErrors } from '../http/errors.js';
import type { Caller, StaffCaller } from '../staff/access.js';
import type { StaffUserDto, TotpEnrolmentDto } from '../staff/dto/staff.dto.js';
import { PASSWORD_MIN_LENGTH } from '../staff/passwords.js';
import type { StaffRole } from '../staff/staff.entities.js';
import { compileView, registerPartial } from './handlebars.js';

registerPartial('deskField', 'desk/field');
registerPartial('deskFormErrors', 'desk/form-errors');

const layout = compileView('desk/layout');
const templates = {
  error: compileView('desk/error'),
  setup: compileView('desk/setup'),
  setupInvalid: compileView('desk/setup-invalid'),
  login: compileView('desk/login'),
  account: compileView('desk/account'),
};

/** Fixed sentences a redirect can ask for with `?notice=`: the page never echoes text from the address. */
export const NOTICES = {
  'signed-out': 'You have signed out.',
  'session-ended': 'Your session has ended. Please sign in again.',
  welcome: 'Your admin account is ready. Set up two-factor sign-in now, then add your colleagues on the Staff page.',
  'password-changed': 'Your password has been changed. Any other browser signed in as you has been signed out.',
} as const satisfies Record<string, string>;
export type Notice = keyof typeof NOTICES;

const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.`;

type Section = 'queue' | 'staff' | 'audit' | 'account';

interface Frame {
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

/** Where a staff member lands after signing in, when no page asked for them. */
export function landingPage(role: StaffRole): string {
  return role === 'accounting' ? '/desk/account' : '/desk';
}

export function isDeskPath(path: string): boolean {
  return path === '/desk' || path.startsWith('/desk/');
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

function fieldMessages(errors: FieldErrors | undefined, order: string[]): { fields: Record<string, string>; list: { field: string; message: string }[] } {
  const fields = Object.fromEntries(Object.entries(errors ?? {}).map(([field, messages]) => [field, messages.join('. ')]));
  const list = Object.entries(fields)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([field, message]) => ({ field: order.includes(field) ? field : order[0], message }));
  return { fields, list };
}

/** Only strings go back into a form (never a password: those are typed again). */
function formValues(values: Record<string, unknown> | undefined, keep: string[]): Record<string, string> {
  return Object.fromEntries(keep.flatMap((key) => (typeof values?.[key] === 'string' ? [[key, values[key] as string]] : [])));
}

/** The desk's server-rendered pages: editors' queue and tip pages, sign-in, account, staff and audit. */
@Injectable()
export class DeskViews {
  private page(caller: Caller | undefined, frame: Frame, body: string): string {
    const staff = caller?.kind === 'staff' ? caller : undefined;
    const role = staff?.user.role;
    const nav = !staff
      ? []
      : [
          ...(role === 'editor' || role === 'admin' ? [{ href: '/desk', label: 'Queue', section: 'queue' }] : []),
          ...(role === 'admin' ? [{ href: '/desk/staff', label: 'Staff', section: 'staff' }, { href: '/desk/audit', label: 'Audit log', section: 'audit' }] : []),
          { href: '/desk/account', label: 'Account', section: 'account' },
        ].map((item) => ({ ...item, current: item.section === frame.section }));
    return layout({
      title: frame.title,
      pageName: frame.page,
      wide: frame.wide,
      notice: frame.notice,
      staff: staff ? { name: staff.user.name, role: staff.user.role } : undefined,
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

  /** An error on a desk page, drawn inside the desk's own frame. */
  error(req: Request, body: ErrorBody): string {
    const heading =
      body.statusCode === 404 ? 'Not found' : body.statusCode === 403 ? 'Not allowed' : body.statusCode >= 500 ? 'Something went wrong' : 'We could not do that';
    const staff = req.caller?.kind === 'staff' ? req.caller : undefined;
    const back = staff ? { href: landingPage(staff.user.role), label: 'Back to the desk' } : { href: '/desk/login', label: 'Sign in' };
    return this.page(req.caller, { title: heading, page: 'error' }, templates.error({ heading, message: body.message, errorId: body.errorId, backHref: back.href, backLabel: back.label }));
  }

  /**
   * A desk page asked for by someone who must first sign in goes to the sign-in page (and comes
   * back afterwards); someone who must first enrol a second factor goes to their account page.
   */
  redirect(req: Request, body: ErrorBody): string | undefined {
    if (body.code === 'TOTP_ENROLMENT_REQUIRED') return '/desk/account';
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
