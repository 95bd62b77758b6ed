import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { ErrorBody, HtmlErrorRenderer } from '../http/exception.filter.js';
import { TipFormViews } from './public/tip-form-views.js';
import { StaffFrame } from './shared/staff-frame.js';
import { isDeskPath, staffRedirect } from './shared/staff-paths.js';
import { isStatusPath, StatusViews } from './status/status-views.js';

/**
 * The exception filter's pages (HTML_ERROR_RENDERER): each area's errors in its own frame, and
 * the redirects a refusal turns into (sign in first, enrol first, your own start page).
 */
@Injectable()
export class HtmlErrorPages implements HtmlErrorRenderer {
  constructor(
    private readonly tipForm: TipFormViews,
    private readonly staffFrame: StaffFrame,
    private readonly statusViews: StatusViews,
  ) {}

  /** Browser requests for pages get a page, not JSON; the form gets itself back with the error. */
  render(req: Request, body: ErrorBody): string | undefined {
    // /desk serves nothing but pages, so its errors are pages whatever the client accepts.
    if (isDeskPath(req.path)) return this.staffFrame.error(req, body);
    if (req.path.startsWith('/api/') || req.path === '/health' || req.path === '/metrics') return undefined;
    if (req.accepts(['json', 'html']) !== 'html') return undefined;
    if (req.method === 'POST' && req.path === '/') {
      const sent = ((req.files ?? []) as { displayFilename?: string; originalname?: string }[])
        .map((f) => f.displayFilename ?? f.originalname ?? '')
        .filter(Boolean);
      return this.tipForm.tipForm({
        values: { ...(req.body ?? {}) },
        errors: body.fields,
        formError: body.fields ? undefined : body.message,
        droppedFiles: sent,
        powRefused: body.code === 'POW_REQUIRED',
      });
    }
    return this.tipForm.error(body.statusCode, body.message);
  }

  redirect(req: Request, body: ErrorBody): string | undefined {
    if (isDeskPath(req.path)) return staffRedirect(req, body);
    return isStatusPath(req.path) ? this.statusViews.redirect(req, body) : undefined;
  }
}
