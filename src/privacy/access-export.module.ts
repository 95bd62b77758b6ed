import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DeskModule } from '../desk/desk.module.js';
import { MediaModule } from '../media/media.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { AccessExportController } from './access-export.controller.js';
import { AccessExportService } from './access-export.service.js';

/**
 * The access export (right of access) of privacy/: its own module so it can sit beside the
 * rest of privacy/ (retention, hold, erasure) without either depending on the other.
 */
@Module({
  imports: [AuditModule, DeskModule, MediaModule, PayoutsModule, RateLimitsModule, TipsModule],
  controllers: [AccessExportController],
  providers: [AccessExportService],
  exports: [AccessExportService],
})
export class AccessExportModule {}
