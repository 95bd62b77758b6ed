import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AppConfig } from '../config/app-config.js';
import type { ErrorBody, HtmlErrorRenderer } from '../http/exception.filter.js';
import type { FieldErrors } from '../http/errors.js';
import { PaperSettingsService } from '../settings/settings.service.js';
import { STORY_MAX_LENGTH } from '../tips/dto/create-tip.dto.js';
import type { TipReceipt } from '../tips/idempotency.service.js';
import { TERMS_TEXT, TERMS_VERSION } from '../tips/terms.js';
import { DeskViews, isDeskPath } from './desk-views.js';
import { compileView } from './handlebars.js';
import { publicPage } from './public-layout.js';
import { TUS_CLIENT_URL } from './vendor-assets.js';
import { isStatusPath, StatusViews } from './status-views.js';
import { formatByteLimit } from '../text/format-bytes.js';

export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const templates = {
  tipForm: compileView('tip-form'),
  tipReceived: compileView('tip-received'),
  error: compileView('error'),
  privacy: compileView('privacy'),
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
}

/** Server-rendered pages for the public: no front-end build, works with JavaScript off. */
@Injectable()
export class WebViews implements HtmlErrorRenderer {
  constructor(
    private readonly config: AppConfig,
    private readonly desk: DeskViews,
    private readonly statusViews: StatusViews,
    private readonly settings: PaperSettingsService,
  ) {}

  private page(title: string, body: string, scripts: string[] = []): string {
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
      formError: state.formError,
      exclusiveChosen: values.licence === 'exclusive',
      maxFiles: this.config.MAX_FILES_PER_TIP,
      maxFileSize: formatByteLimit(this.config.MAX_FILE_BYTES),
      storyMax: STORY_MAX_LENGTH,
      termsVersion: TERMS_VERSION,
      termsText: TERMS_TEXT,
      nowLocal: new Date().toISOString().slice(0, 16),
      idempotencyKey: typeof state.values?.idempotencyKey === 'string' ? state.values.idempotencyKey : randomUUID(),
    });
    return this.page(errorList.length || state.formError ? 'Please check your tip' : 'Send us your story', body, [TUS_CLIENT_URL, '/assets/tip-form.js']);
  }

  tipReceived(receipt: TipReceipt): string {
    return this.page('Tip received', templates.tipReceived(receipt));
  }

  /** Browser requests for pages get a page, not JSON; the form gets itself back with the error. */
  render(req: Request, body: ErrorBody): string | undefined {
    // /desk serves nothing but pages, so its errors are pages whatever the client accepts.
    if (isDeskPath(req.path)) return this.desk.error(req, body);
    if (req.path.startsWith('/api/') || req.path === '/health' || req.path === '/metrics') return undefined;
    if (req.accepts(['json', 'html']) !== 'html') return undefined;
    if (req.method === 'POST' && req.path === '/') {
      const sent = ((req.files ?? []) as { displayFilename?: string; originalname?: string }[])
        .map((f) => f.displayFilename ?? f.originalname ?? '')
        .filter(Boolean);
      return this.tipForm({ values: { ...(req.body ?? {}) }, errors: body.fields, formError: body.fields ? undefined : body.message, droppedFiles: sent });
    }
    const heading = body.statusCode === 404 ? 'Page not found' : body.statusCode >= 500 ? 'Something went wrong' : 'We could not do that';
    return this.page(heading, templates.error({ heading, message: body.message }));
  }

  redirect(req: Request, body: ErrorBody): string | undefined {
    if (isDeskPath(req.path)) return this.desk.redirect(req, body);
    return isStatusPath(req.path) ? this.statusViews.redirect(req, body) : undefined;
  }
}
