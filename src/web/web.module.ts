import { Module } from '@nestjs/common';
import { HTML_ERROR_RENDERER } from '../http/exception.filter.js';
import { MediaModule } from '../media/media.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { WebController } from './web.controller.js';
import { WebViews } from './web-views.js';

@Module({
  imports: [TipsModule, MediaModule],
  controllers: [WebController],
  providers: [WebViews, { provide: HTML_ERROR_RENDERER, useExisting: WebViews }],
  exports: [HTML_ERROR_RENDERER],
})
export class WebModule {}
