import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config.js';
import type { FieldErrors } from '../../http/errors.js';
import { PaperSettingsService } from '../../settings/settings.service.js';
import { STORY_MAX_LENGTH } from '../../tips/dto/create-tip.dto.js';
import type { TipReceipt } from '../../tips/idempotency.service.js';
import { TERMS_TEXT, TERMS_VERSION } from '../../tips/terms.js';
import { formatSizeLimit } from '../../text/format-bytes.js';
import { compileView } from '../shared/handlebars.js';
import { publicPage } from '../shared/public-layout.js';
import { ALTCHA_ASSETS, TUS_CLIENT_URL } from '../shared/static-assets.js';

const templates = {
  tipForm: compileView(import.meta.url, 'tip-form'),
  tipReceived: compileView(import.meta.url, 'tip-received'),
  error: compileView(import.meta.url, 'error'),
  privacy: compileView(import.meta.url, 'privacy'),
};

const FIELD_ORDER = [
  'story',
  'files',
  'location',
  'occurredAt',
  'name',
  'email',
  'phone',
  'licence',
  'creditName',
  'consentTerms',
  'consentOwnWork',
  'consentOver18',
];

export interface TipFormState {
  values?: Record<string, unknown>;
  errors?: FieldErrors;
  formError?: string;
  /**
   * Files the plain (no-JavaScript) form sent with a post that was refused: they were not kept,
   * and the page names each one to choose again.
   */
  droppedFiles?: string[];
  /** The post was refused for want of a proof of work (403 POW_REQUIRED): explain it. */
  powRefused?: boolean;
}

/** The public's pages: the tip form, its receipt and the privacy notice; no front-end build, works with JavaScript off. */
@Injectable()
export class TipFormViews {
  constructor(
    private readonly config: AppConfig,
    private readonly settings: PaperSettingsService,
  ) {}

  page(title: string, body: string, scripts: string[] = []): string {
    return publicPage(this.settings.current(), title, body, scripts);
  }

  privacy(): string {
    const paper = this.settings.current();
    return this.page('Privacy notice', templates.privacy({ text: paper.privacyNotice, paperName: paper.paperName }));
  }

  tipForm(state: TipFormState = {}): string {
    const values = Object.fromEntries(Object.entries(state.values ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean'));
    const errors = Object.fromEntries(Object.entries(state.errors ?? {}).map(([field, messages]) => [field, messages.join('. ')]));
    const errorList = Object.entries(errors)
      .sort(([a], [b]) => FIELD_ORDER.indexOf(a) - FIELD_ORDER.indexOf(b))
      .map(([field, message]) => ({ field: FIELD_ORDER.includes(field) ? field : 'story', message }));
    const checked = (v: unknown) => v === true || v === 'true' || v === 'on';
    const body = templates.tipForm({
      values: {
        ...values,
        consentTerms: checked(values.consentTerms),
        consentOwnWork: checked(values.consentOwnWork),
        consentOver18: checked(values.consentOver18),
        anonymous: checked(values.anonymous),
      },
      errors,
      errorList,
      hasFieldErrors: errorList.length > 0,
      // Without JavaScript the browser cannot keep a chosen file across a refused post: say which to choose again.
      droppedFiles: state.droppedFiles ?? [],
      formError: state.powRefused ? undefined : state.formError,
      powRefused: state.powRefused ?? false,
      // POW_ALWAYS: every post needs a proof, so the page says so before anyone writes a word.
      powAlways: this.config.POW_ALWAYS,
      pow: ALTCHA_ASSETS,
      exclusiveChosen: values.licence === 'exclusive',
      maxFiles: this.config.MAX_FILES_PER_TIP,
      maxFileSize: formatSizeLimit(this.config.MAX_FILE_BYTES),
      storyMax: STORY_MAX_LENGTH,
      termsVersion: TERMS_VERSION,
      termsText: TERMS_TEXT,
      nowLocal: new Date().toISOString().slice(0, 16),
      idempotencyKey: typeof state.values?.idempotencyKey === 'string' ? state.values.idempotencyKey : randomUUID(),
    });
    return this.page(errorList.length || state.formError || state.powRefused ? 'Please check your tip' : 'Send us your story', body, [
      TUS_CLIENT_URL,
      '/assets/upload-chunks.js',
      '/assets/tip-form.js',
    ]);
  }

  tipReceived(receipt: TipReceipt): string {
    return this.page('Tip received', templates.tipReceived(receipt));
  }

  /** A public page's error: the heading for its status, and the service's message. */
  error(statusCode: number, message: string): string {
    const heading = statusCode === 404 ? 'Page not found' : statusCode >= 500 ? 'Something went wrong' : 'We could not do that';
    return this.page(heading, templates.error({ heading, message }));
  }
}
