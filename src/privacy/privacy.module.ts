import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ChannelsModule } from '../channels/channels.module.js';
import { DeskModule } from '../desk/desk.module.js';
import { MediaModule } from '../media/media.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { PrivacyController } from './privacy.controller.js';
import { PrivacyRepository } from './privacy.repository.js';
import { PrivacyService } from './privacy.service.js';
import { RetentionJob } from './retention.job.js';
import { RetentionReporter } from './retention-report.js';
import { RetentionService } from './retention.service.js';

/** Legal hold, erasure and erasure certificates (issue 14). It sits on top: it reaches into every module that holds a tip's data, each through its own service. */
@Module({
  imports: [AuditModule, ChannelsModule, DeskModule, MediaModule, PayoutsModule, TipsModule],
  controllers: [PrivacyController],
  providers: [PrivacyService, PrivacyRepository, RetentionReporter, RetentionService, RetentionJob],
  exports: [PrivacyService, RetentionService],
})
export class PrivacyModule {}
