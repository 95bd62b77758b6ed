import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { formatDeskDate } from '../../settings/desk-dates.js';
import { PaperSettingsService } from '../../settings/settings.service.js';
import { formatMoney } from '../../payouts/payouts.service.js';
import type { ContributorTipDto } from '../../contributors/dto/contributor.dto.js';
import type { MediaKind } from '../../media/media.entities.js';
import type { ContributorPayoutDto } from '../../payouts/dto/payouts.dto.js';
import type { Licence } from '../../tips/tips.entities.js';
import { MESSAGE_MAX_LENGTH } from '../../desk/desk.entities.js';
import type { ErrorBody } from '../../http/exception.filter.js';
import type { FieldErrors } from '../../http/errors.js';
import { formatBytes } from '../../text/format-bytes.js';
import { compileView } from '../shared/handlebars.js';
import { publicPage } from '../shared/public-layout.js';
import { tipProgress } from './status-progress.js';

const templates = {
  signIn: compileView(import.meta.url, 'sign-in'),
  tip: compileView(import.meta.url, 'tip'),
  declineConfirm: compileView(import.meta.url, 'decline'),
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
  'erasure-requested': 'We have your request. An editor in charge of privacy will delete your tip and your details, and you can download the certificate here.',
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

/** How a payment goes, in the contributor's words. */
const METHOD_WORDS: Record<string, string> = { uk_bank: 'UK bank account', iban: 'bank account (IBAN)', paypal: 'PayPal' };

const OFFER_FIELDS = ['method', 'accountName', 'sortCode', 'accountNumber', 'iban', 'bic', 'paypalEmail', 'confirmLicence'];

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

/**
 * The fields every payee form shares (offer acceptance, changing details), keyed by `prefix`.
 * No method is chosen until the contributor picks one ("How should we pay you?" comes first);
 * `method` is the one to show as chosen when there is none yet (changing details: the current one).
 */
function payeeFields(prefix: string, errorsIn: FieldErrors | undefined, values: Record<string, string>, method = values.method) {
  const errors = Object.fromEntries(Object.entries(errorsIn ?? {}).map(([field, messages]) => [field, messages.join('. ')]));
  const errorList = Object.keys(errors)
    .sort((a, b) => OFFER_FIELDS.indexOf(a) - OFFER_FIELDS.indexOf(b))
    .map((field) => ({ href: `#${prefix}-${OFFER_FIELDS.includes(field) ? field : 'method'}`, message: errors[field] }));
  return { prefix, errors, errorList, values, methods: PAYMENT_METHODS.map((m) => ({ ...m, id: `${prefix}-method-${m.value}`, checked: m.value === method })) };
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
  /** "Delete my tip and my details": the request so far, and whether the certificate is ready. */
  erasure?: StatusErasureState;
}

export interface StatusErasureState {
  request?: { state: 'pending' | 'carried_out' | 'declined'; requestedAt: Date; declineReason: string | null };
  error?: string;
}

const KIND_TEXT: Record<MediaKind, string> = { video: 'Video', image: 'Photo', audio: 'Audio' };

/** The contributor's pages: sign in with the receipt, then the tip's progress and conversation. */
@Injectable()
export class StatusViews {
  constructor(
    private readonly config: AppConfig,
    private readonly settings: PaperSettingsService,
  ) {}

  /** "7 Dec 2026, 13:50" in the paper's time zone and date style, as on every page. */
  private when(iso: string): string {
    return formatDeskDate(new Date(iso), this.settings.current().dates);
  }

  private page(title: string, body: string, scripts: string[] = []): string {
    return publicPage(this.settings.current(), title, body, scripts);
  }

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
    return this.page(state.formError || Object.keys(errors).length ? 'Please check your reference and secret' : 'Check your tip', body);
  }

  tip(tip: ContributorTipDto, state: StatusTipState): string {
    const progress = tipProgress(tip.status, tip.payouts);
    const body = templates.tip({
      reference: tip.reference,
      received: this.when(tip.receivedAt),
      statusText: progress.text ?? tip.statusText,
      failed: progress.failed,
      steps: progress.steps.map((s) => ({ ...s, stateText: STEP_STATE_TEXT[s.state] })),
      messages: tip.messages.map((m) => ({
        ...m,
        who: m.direction === 'from_contributor' ? 'You' : 'The newsroom',
        when: this.when(m.createdAt),
      })),
      csrfToken: state.csrfToken,
      // A refused change of details with no form to show it in (no payment details given yet) is said at the top.
      notice: state.notice ?? (tip.payouts.some((p) => p.payeeMasked) ? undefined : state.payee?.formError),
      replyError: state.replyError,
      replyValue: state.replyValue,
      messageMax: MESSAGE_MAX_LENGTH,
      payee: tip.payouts.some((p) => p.payeeMasked)
        ? {
            ...payeeFields(
              'payee',
              state.payee?.errors,
              state.payee?.values ?? {},
              state.payee?.values?.method ?? tip.payouts.findLast((p) => p.payeeMethod)?.payeeMethod ?? undefined,
            ),
            csrfToken: state.csrfToken,
            formError: state.payee?.formError,
            open: progress.failed || state.payee !== undefined,
          }
        : undefined,
      offers: tip.payouts.filter((p) => p.state === 'offered').map((p, index) => this.offer(p, index, state)),
      payments: tip.payouts.filter((p) => p.state !== 'offered').map((p) => this.paymentCard(p)),
      // Every problem with a form, listed at the top of the page (focus moves there): the fields say it again.
      topErrors: this.topErrors(tip, state),
      files: {
        items: tip.media.map((m) => ({ filename: m.filename, size: formatBytes(m.size), kindText: KIND_TEXT[m.kind] })),
        form: tip.filesLeft > 0,
        left: tip.filesLeft === 1 ? '1 more file' : `${tip.filesLeft} more files`,
        full: tip.acceptsFiles && tip.filesLeft === 0,
        max: this.config.MAX_FILES_PER_TIP,
        maxFileSize: formatBytes(this.config.MAX_FILE_BYTES),
        error: state.filesError,
      },
      // An erased tip is a tombstone: no replies, no export of what is gone; the certificate stays.
      erased: tip.status === 'erased',
      erasure: state.erasure && {
        ...state.erasure,
        pending: state.erasure.request?.state === 'pending',
        done: state.erasure.request?.state === 'carried_out',
        declined: state.erasure.request?.state === 'declined',
        askable: tip.status !== 'erased' && state.erasure.request?.state !== 'pending' && state.erasure.request?.state !== 'carried_out',
        requestedWhen: state.erasure.request ? this.when(state.erasure.request.requestedAt.toISOString()) : undefined,
      },
    });
    return this.page(`Your tip ${tip.reference}`, body, ['/assets/status.js']);
  }

  /** "Decline this offer?": a page of its own, so a tap never declines by mistake (it is final). */
  declineConfirm(tip: ContributorTipDto, payout: ContributorPayoutDto, csrfToken: string): string {
    const body = templates.declineConfirm({
      reference: tip.reference,
      id: payout.id,
      text: payout.stateText,
      amount: formatMoney(payout.amountMinor, payout.currency),
      csrfToken,
    });
    return this.page('Decline this offer?', body);
  }

  /** One payment as the contributor reads it: amount, where it stands and since when, how, and the words on their statement. */
  private paymentCard(p: ContributorPayoutDto) {
    const dateWords: Partial<Record<ContributorPayoutDto['state'], string>> = {
      paid: 'Paid on',
      failed: 'Failed on',
      declined: 'Declined on',
      cancelled: 'Withdrawn on',
    };
    return {
      id: p.id,
      amount: formatMoney(p.amountMinor, p.currency),
      stateText: p.stateText,
      failed: p.state === 'failed',
      paid: p.state === 'paid',
      dateLabel: dateWords[p.state] ?? 'Updated',
      date: this.when(p.changedAt),
      method: p.payeeMethod ? `${METHOD_WORDS[p.payeeMethod] ?? p.payeeMethod}${p.payeeMasked ? ` ${p.payeeMasked}` : ''}` : undefined,
      // Only a payment that is (or will be) made shows the reference a statement carries.
      bankReference: ['declined', 'cancelled'].includes(p.state) ? undefined : p.bankReference,
    };
  }

  private topErrors(tip: ContributorTipDto, state: StatusTipState): { href: string; message: string }[] {
    const offerIndex = state.offer ? tip.payouts.filter((p) => p.state === 'offered').findIndex((p) => p.id === state.offer!.payoutId) : -1;
    const fromForm = (prefix: string, form: { errors?: FieldErrors; formError?: string } | undefined) => {
      if (!form) return [];
      const listed = payeeFields(prefix, form.errors, {}).errorList;
      return form.formError ? [{ href: `#${prefix}`, message: form.formError }, ...listed] : listed;
    };
    return [
      ...(offerIndex >= 0 ? fromForm(`offer${offerIndex + 1}`, state.offer) : []),
      ...(state.payee && tip.payouts.some((p) => p.payeeMasked) ? fromForm('payee', state.payee) : []),
      ...(state.replyError ? [{ href: '#reply-body', message: state.replyError }] : []),
      ...(state.filesError ? [{ href: '#add-files', message: state.filesError }] : []),
    ];
  }

  private offer(payout: ContributorPayoutDto, index: number, state: StatusTipState) {
    const form = state.offer?.payoutId === payout.id ? state.offer : undefined;
    const values = form?.values ?? {};
    return {
      ...payeeFields(`offer${index + 1}`, form?.errors, values),
      amount: formatMoney(payout.amountMinor, payout.currency),
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
