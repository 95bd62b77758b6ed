import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HTML_ERROR_RENDERER } from '../http/exception.filter.js';
import { MediaModule } from '../media/media.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { DeskAuthController } from './desk-auth.controller.js';
import { DeskViews, isDeskPath } from './desk-views.js';
import { WebController } from './web.controller.js';
import { WebViews } from './web-views.js';

/** Desk pages show contributors' details and carry CSRF tokens: no cache keeps any of them, error pages and redirects included. */
function deskNoStore(req: Request, res: Response, next: NextFunction): void {
  // Mounted middleware sees a req.path relative to its mount point; the original URL is the real one.
  if (isDeskPath(req.originalUrl.split('?')[0])) res.setHeader('Cache-Control', 'no-store');
  next();
}

@Module({
  imports: [TipsModule, MediaModule, StaffModule],
  controllers: [WebController, DeskAuthController],
  providers: [WebViews, DeskViews, { provide: HTML_ERROR_RENDERER, useExisting: WebViews }],
  exports: [HTML_ERROR_RENDERER],
})
export class WebModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(deskNoStore).forRoutes('{*path}');
  }
}
