import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DeskModule } from '../desk/desk.module.js';
import { MediaModule } from '../media/media.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { UploadsModule } from '../uploads/uploads.module.js';
import { ContributorPayoutsController } from './contributor-payouts.controller.js';
import { ContributorsController } from './contributors.controller.js';
import { ContributorsService } from './contributors.service.js';

@Module({
  imports: [AuditModule, DeskModule, MediaModule, PayoutsModule, RateLimitsModule, StaffModule, TipsModule, UploadsModule],
  controllers: [ContributorsController, ContributorPayoutsController],
  providers: [ContributorsService],
  exports: [ContributorsService],
})
export class ContributorsModule {}
