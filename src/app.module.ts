import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLogModule } from './audit-log/audit-log.module.js';
import { AuditModule } from './audit/audit.module.js';
import { EmailChannelModule } from './channels/email/email-channel.module.js';
import { WhatsAppChannelModule } from './channels/whatsapp/whatsapp-channel.module.js';
import { ContributorsModule } from './contributors/contributors.module.js';
import { AccessExportModule } from './privacy/access-export.module.js';
import { CoreModule, type CoreOptions } from './core.module.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { DeskModule } from './desk/desk.module.js';
import { HealthModule } from './health/health.module.js';
import { AllExceptionsFilter } from './http/exception.filter.js';
import { createValidationPipe } from './http/validation.js';
import { JobQueueModule } from './jobs/job-queue.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MediaModule } from './media/media.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { MetricsScrapeModule } from './operations/metrics-scrape.module.js';
import { PayoutsModule } from './payouts/payouts.module.js';
import { PrivacyModule } from './privacy/privacy.module.js';
import { PowModule } from './pow/pow.module.js';
import { RateLimitsModule } from './rate-limits/rate-limits.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { FirstAdminOffer } from './staff/first-admin-offer.js';
import { StaffModule } from './staff/staff.module.js';
import { StorageModule } from './storage/storage.module.js';
import { TipsModule } from './tips/tips.module.js';
import { UploadsModule } from './uploads/uploads.module.js';
import { WebModule } from './web/web.module.js';

export interface AppOptions extends CoreOptions {
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        TypeOrmModule.forRoot(dataSourceOptions(options.databaseUrl, options.config.DATABASE_POOL_SIZE)),
        MetricsModule,
        JobQueueModule,
        StorageModule,
        NotificationsModule,
        AuditModule,
        AuditLogModule,
        RateLimitsModule,
        PowModule,
        StaffModule,
        SettingsModule,
        ContributorsModule,
        AccessExportModule,
        MediaModule,
        UploadsModule,
        TipsModule,
        DeskModule,
        PayoutsModule,
        PrivacyModule,
        EmailChannelModule,
        WhatsAppChannelModule,
        JobsModule,
        HealthModule,
        MetricsScrapeModule,
        WebModule,
      ],
      providers: [{ provide: APP_PIPE, useFactory: createValidationPipe }, { provide: APP_FILTER, useClass: AllExceptionsFilter }, FirstAdminOffer],
    };
  }
}
