import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config.js';
import type { ContributorTipDto } from '../contributors/dto/contributor.dto.js';
import type { MediaKind } from '../media/media.entities.js';
import type { ContributorPayoutDto } from '../payouts/dto/payouts.dto.js';
import type { Licence } from '../tips/tips.entities.js';
import { MESSAGE_MAX_LENGTH } from '../desk/desk.entities.js';
import type { ErrorBody } from '../http/exception.filter.js';
import type { FieldErrors } from '../http/errors.js';
import { formatBytes } from './desk-labels.js';
import { compileView, registerPartial } from './handlebars.js';
import { publicPage } from './public-layout.js';
import { tipProgress } from './status-progress.js';

registerPartial('statusOffer', 'status-offer');
registerPartial('statusPayeeFields', 'status-payee-fields');

const templates = {
  signIn: compileView('status'),
  tip: compileView('status-tip'),
};

/** Fixed sentences a redirect can ask for with `?notice=`: the page never echoes text from the address. */
const STATUS_NOTICES = {
  'signed-out': 'You have signed out. Your reference and secret still work whenever you want to check again.',
  'session-ended': 'Your session has ended. Please sign in again.',
  'reply-sent': 'Your reply has been sent to the newsroom.',
  'offer-accepted': 'Thank you: you have accepted our offer. We will let you know here when the payment is on its way.',
  'offer-declined': 'You have declined the offer.',
  'details-updated': 'Your payment details have been saved. We will use them for any payment not yet sent.',
  'files-added': 'Your files have been added. The newsroom can see them now.',
} as const satisfies Record<string, string>;

/** The notice a redirect asked for; "files-added" says how many when `files` is a plain count. */
export function statusNotice(code: unknown, files?: unknown): string | undefined {
  if (code === 'files-added' && typeof files === 'string' && /^[1-9]\d{0,2}$/.test(files)) {
    return files === '1' ? '1 file added. The newsroom can see it now.' : `${files} files added. The newsroom can see them now.`;
  }
  return typeof code === 'string' && Object.hasOwn(STATUS_NOTICES, code) ? STATUS_NOTICES[code as keyof typeof STATUS_NOTICES] : undefined;
}

export function isStatusPath(path: string): boolean {
  return path === '/status' || path.startsWith('/status/');
}

const STEP_STATE_TEXT = { done: 'done', current: 'now', upcoming: 'still to come', failed: 'failed' } as const;

const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
/** "25 Nov 2026, 11:52 UTC": unambiguous without JavaScript to translate it. */
const when = (iso: string) => `${dateTime.format(new Date(iso))} UTC`;

export interface SignInState {
  reference?: string;
  errors?: FieldErrors;
  formError?: string;
  notice?: string;
  /** This browser already holds a contributor session. */
  signedIn?: boolean;
  /** The receipt's link filled in the reference (say which tip, and ask for the secret). */
  fromReceipt?: boolean;
}

/** What the contributor agrees to when accepting, in plain words (the full terms were on the tip form). */
const LICENCE_TERMS: Record<Licence, { label: string; terms: string }> = {
  exclusive: {
    label: 'exclusive',
    terms: 'Exclusive licence: only we may publish, edit and syndicate what you sent, in print and online. You agree not to offer it to anyone else.',
  },
  non_exclusive: {
    label: 'non-exclusive',
    terms: 'Non-exclusive licence: we may publish, edit and syndicate what you sent, in print and online, and you remain free to offer it to others.',
  },
};

const PAYMENT_METHODS = [
  { value: 'uk_bank', label: 'UK bank account' },
  { value: 'iban', label: 'Bank account outside the UK (IBAN)' },
  { value: 'paypal', label: 'PayPal' },
] as const;

const OFFER_FIELDS = ['confirmLicence', 'method', 'accountName', 'sortCode', 'accountNumber', 'iban', 'bic', 'paypalEmail'];

/** An accept form that came back: its errors and what was typed. */
export interface OfferFormState {
  payoutId: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
  formError?: string;
}

/** The payment-details form, when it came back with errors. */
export interface PayeeFormState {
  errors?: FieldErrors;
  values?: Record<string, string>;
  formError?: string;
}

/** The fields every payee form shares (offer acceptance, changing details), keyed by `prefix`. */
function payeeFields(prefix: string, errorsIn: FieldErrors | undefined, values: Record<string, string>) {
  const errors = Object.fromEntries(Object.entries(errorsIn ?? {}).map(([field, messages]) => [field, messages.join('. ')]));
  const method = values.method ?? 'uk_bank';
  const errorList = Object.keys(errors)
    .sort((a, b) => OFFER_FIELDS.indexOf(a) - OFFER_FIELDS.indexOf(b))
    .map((field) => ({ href: `#${prefix}-${OFFER_FIELDS.includes(field) ? field : 'method'}`, message: errors[field] }));
  return { prefix, errors, errorList, values, methods: PAYMENT_METHODS.map((m) => ({ ...m, checked: m.value === method })) };
}

export interface StatusTipState {
  csrfToken: string;
  notice?: string;
  /** The reply came back with this problem, and what was typed. */
  replyError?: string;
  replyValue?: string;
  offer?: OfferFormState;
  payee?: PayeeFormState;
  /** The "Add more files" form was refused for this reason. */
  filesError?: string;
}

const KIND_TEXT: Record<MediaKind, string> = { video: 'Video', image: 'Photo', audio: 'Audio' };

/** The contributor's pages: sign in with the receipt, then the tip's progress and conversation. */
@Injectable()
export class StatusViews {
  constructor(private readonly config: AppConfig) {}

  signIn(state: SignInState = {}): string {
    const errors = Object.fromEntries(Object.entries(state.errors ?? {}).map(([field, messages]) => [field, messages.join('. ')]));
    const body = templates.signIn({
      reference: state.reference,
      errors,
      formError: state.formError,
      notice: state.notice,
      signedIn: state.signedIn,
      fromReceipt: state.fromReceipt && Boolean(state.reference),
      focusSecret: Boolean(state.reference) && !errors.reference,
    });
    return publicPage(state.formError || Object.keys(errors).length ? 'Please check your reference and secret' : 'Check your tip', body);
  }

  tip(tip: ContributorTipDto, state: StatusTipState): string {
    const progress = tipProgress(tip.status, tip.payouts);
    const body = templates.tip({
      reference: tip.reference,
      received: when(tip.receivedAt),
      statusText: progress.text ?? tip.statusText,
      failed: progress.failed,
      steps: progress.steps.map((s) => ({ ...s, stateText: STEP_STATE_TEXT[s.state] })),
      messages: tip.messages.map((m) => ({
        ...m,
        who: m.direction === 'from_contributor' ? 'You' : 'The newsroom',
        when: when(m.createdAt),
      })),
      csrfToken: state.csrfToken,
      // A refused change of details with no form to show it in (no payment details given yet) is said at the top.
      notice: state.notice ?? (tip.payouts.some((p) => p.payeeMasked) ? undefined : state.payee?.formError),
      replyError: state.replyError,
      replyValue: state.replyValue,
      messageMax: MESSAGE_MAX_LENGTH,
      payee: tip.payouts.some((p) => p.payeeMasked)
        ? { ...payeeFields('payee', state.payee?.errors, state.payee?.values ?? {}), csrfToken: state.csrfToken, formError: state.payee?.formError, open: progress.failed || state.payee !== undefined }
        : undefined,
      offers: tip.payouts.filter((p) => p.state === 'offered').map((p, index) => this.offer(p, index, state)),
      payments: tip.payouts.filter((p) => p.state !== 'offered').map((p) => ({ id: p.id, stateText: p.stateText, payeeMasked: p.payeeMasked, failed: p.state === 'failed' })),
      files: {
        items: tip.media.map((m) => ({ filename: m.filename, size: formatBytes(m.size), kindText: KIND_TEXT[m.kind] })),
        form: tip.filesLeft > 0,
        left: tip.filesLeft === 1 ? '1 more file' : `${tip.filesLeft} more files`,
        full: tip.acceptsFiles && tip.filesLeft === 0,
        max: this.config.MAX_FILES_PER_TIP,
        maxFileSize: formatBytes(this.config.MAX_FILE_BYTES),
        error: state.filesError,
      },
    });
    return publicPage(`Your tip ${tip.reference}`, body);
  }

  private offer(payout: ContributorPayoutDto, index: number, state: StatusTipState) {
    const form = state.offer?.payoutId === payout.id ? state.offer : undefined;
    const values = form?.values ?? {};
    return {
      ...payeeFields(`offer${index + 1}`, form?.errors, values),
      id: payout.id,
      text: payout.stateText,
      licence: LICENCE_TERMS[payout.licence],
      csrfToken: state.csrfToken,
      formError: form?.formError,
      confirmed: values.confirmLicence === 'true',
    };
  }

  /** A status page asked for without a session goes to the sign-in form. */
  redirect(_req: Request, body: ErrorBody): string | undefined {
    if (body.statusCode !== 401) return undefined;
    return body.code === 'SESSION_EXPIRED' ? '/status?notice=session-ended' : '/status';
  }
}
