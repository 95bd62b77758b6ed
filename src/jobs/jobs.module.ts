import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { SweepService } from './sweep.service.js';

@Module({
  imports: [MediaModule, RateLimitsModule, StaffModule, TipsModule],
  controllers: [JobsController],
  providers: [SweepService, JobsService],
  exports: [SweepService, JobsService],
})
export class JobsModule {}
