import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AppConfig } from '../config/app-config.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { ClamdScanner, VIRUS_SCANNER } from './clamd-scanner.js';
import { MediaContentController } from './media-content.controller.js';
import { MediaContentService } from './media-content.service.js';
import { MediaProcessingService } from './media-processing.service.js';
import { MediaScanService } from './media-scan.service.js';
import { MediaUploadInterceptor } from './media-upload.interceptor.js';
import { MediaRepository } from './media.repository.js';
import { MediaService } from './media.service.js';

@Module({
  imports: [AuditModule, RateLimitsModule],
  controllers: [MediaContentController],
  providers: [
    MediaService,
    MediaRepository,
    MediaContentService,
    MediaUploadInterceptor,
    MediaProcessingService,
    MediaScanService,
    {
      provide: VIRUS_SCANNER,
      // No CLAMAV_HOST: no scanner, and no scan is ever asked for.
      useFactory: (config: AppConfig) =>
        config.CLAMAV_HOST ? new ClamdScanner(config.CLAMAV_HOST, config.CLAMAV_PORT, config.CLAMAV_TIMEOUT_SECONDS * 1000) : null,
      inject: [AppConfig],
    },
  ],
  // RateLimitsModule too: MediaUploadInterceptor is built in each module whose controllers use it.
  exports: [MediaService, MediaUploadInterceptor, MediaProcessingService, MediaScanService, RateLimitsModule],
})
export class MediaModule {}
