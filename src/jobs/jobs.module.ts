import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { SweepService } from './sweep.service.js';

@Module({ imports: [MediaModule, RateLimitsModule, StaffModule, TipsModule], providers: [SweepService], exports: [SweepService] })
export class JobsModule {}
