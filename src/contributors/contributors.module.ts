import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DeskModule } from '../desk/desk.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { ContributorsController } from './contributors.controller.js';
import { ContributorsService } from './contributors.service.js';

@Module({
  imports: [AuditModule, DeskModule, RateLimitsModule, StaffModule],
  controllers: [ContributorsController],
  providers: [ContributorsService],
  exports: [ContributorsService],
})
export class ContributorsModule {}
