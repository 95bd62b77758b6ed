import { Injectable, Module, type MiddlewareConsumer, type NestMiddleware, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HTML_ERROR_RENDERER } from '../http/exception.filter.js';
import { AuditModule } from '../audit/audit.module.js';
import { ChannelsModule } from '../channels/channels.module.js';
import { PrivacyModule } from '../privacy/privacy.module.js';
import { ContributorsModule } from '../contributors/contributors.module.js';
import { DeskModule } from '../desk/desk.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { MediaModule } from '../media/media.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { PaperSettingsService } from '../settings/settings.service.js';
import { StaffModule } from '../staff/staff.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { AccountsPagesController } from './accounts/accounts-pages.controller.js';
import { AccountsPageData } from './accounts/accounts-page-data.js';
import { AccountsViews } from './accounts/accounts-views.js';
import { BatchPagesController } from './accounts/batch-pages.controller.js';
import { AdminPagesController } from './admin/admin-pages.controller.js';
import { AdminViews } from './admin/admin-views.js';
import { DeskSettingsController } from './admin/settings.controller.js';
import { DeskSettingsViews } from './admin/settings-views.js';
import { DeskAuthController } from './desk/desk-auth.controller.js';
import { DeskPagesController } from './desk/desk-pages.controller.js';
import { PrivacyPagesController } from './desk/privacy-pages.controller.js';
import { PrivacyViews } from './desk/privacy-views.js';
import { ErasurePagesController } from './admin/erasure-pages.controller.js';
import { RetentionPagesController } from './admin/retention-pages.controller.js';
import { DeskViews } from './desk/desk-views.js';
import { HtmlErrorPages } from './html-error-pages.js';
import { PageHelpers } from './page-helpers.js';
import { TipFormController } from './public/tip-form.controller.js';
import { TipFormViews } from './public/tip-form-views.js';
import { DeskNewsInterceptor } from './shared/desk-news.interceptor.js';
import { StaffFrame } from './shared/staff-frame.js';
import { isDeskPath } from './shared/staff-paths.js';
import { StatusController } from './status/status.controller.js';
import { isStatusPath, StatusViews } from './status/status-views.js';

/**
 * Desk and status pages show a tip's details and carry CSRF tokens: no cache keeps any of them,
 * error pages and redirects included. And their forms must send their Origin: under helmet's
 * `no-referrer` a browser posts `Origin: null`, which the sign-in and setup forms' Origin
 * check (they have no CSRF token yet) rightly refuses. `same-origin` still tells other sites nothing.
 */
function privatePageHeaders(req: Request, res: Response, next: NextFunction): void {
  // Mounted middleware sees a req.path relative to its mount point; the original URL is the real one.
  const path = req.originalUrl.split('?')[0];
  if (isDeskPath(path) || isStatusPath(path)) {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'same-origin');
  }
  next();
}

/**
 * Pages draw with this process's copy of the paper settings (name, contacts, dates); before a
 * page request it is read again when a few seconds old, so a change saved by another process
 * shows within seconds (and one saved by this process at once).
 */
@Injectable()
class FreshPaperSettings implements NestMiddleware {
  constructor(private readonly settings: PaperSettingsService) {}

  async use(req: Request, _res: Response, next: NextFunction): Promise<void> {
    try {
      if (!req.originalUrl.startsWith('/api/')) await this.settings.fresh();
      next();
    } catch (error) {
      next(error);
    }
  }
}

@Module({
  imports: [
    TipsModule,
    MediaModule,
    StaffModule,
    DeskModule,
    AuditModule,
    ContributorsModule,
    PayoutsModule,
    ChannelsModule,
    JobsModule,
    SettingsModule,
    PrivacyModule,
  ],
  controllers: [
    TipFormController,
    StatusController,
    DeskAuthController,
    DeskPagesController,
    AdminPagesController,
    DeskSettingsController,
    AccountsPagesController,
    BatchPagesController,
    PrivacyPagesController,
    ErasurePagesController,
    RetentionPagesController,
  ],
  providers: [
    PageHelpers,
    StaffFrame,
    TipFormViews,
    StatusViews,
    DeskViews,
    PrivacyViews,
    AdminViews,
    DeskSettingsViews,
    AccountsViews,
    AccountsPageData,
    DeskNewsInterceptor,
    HtmlErrorPages,
    { provide: HTML_ERROR_RENDERER, useExisting: HtmlErrorPages },
  ],
  exports: [HTML_ERROR_RENDERER],
})
export class WebModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(privatePageHeaders, FreshPaperSettings).forRoutes('{*path}');
  }
}
