import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { AccessGuard } from './access.guard.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { SessionsService } from './sessions.service.js';
import { SignInThrottleService } from './sign-in-throttle.service.js';
import { StaffController } from './staff.controller.js';
import { StaffService } from './staff.service.js';

@Module({
  imports: [AuditModule, RateLimitsModule],
  controllers: [AuthController, StaffController],
  providers: [AuthService, StaffService, SessionsService, SignInThrottleService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [AuthService, StaffService, SessionsService, SignInThrottleService],
})
export class StaffModule {}
