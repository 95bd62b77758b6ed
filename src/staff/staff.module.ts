import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { DatabaseNotificationsModule } from '../database/database-notifications.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { AccessGuard } from './access.guard.js';
import { AuthController } from './auth.controller.js';
import { StaffCiphertextsRepository } from './staff-ciphertexts.repository.js';
import { AuthService } from './auth.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { SignInThrottleRepository } from './sign-in-throttle.repository.js';
import { SignInThrottleService } from './sign-in-throttle.service.js';
import { StaffController } from './staff.controller.js';
import { StaffRepository } from './staff.repository.js';
import { StaffService } from './staff.service.js';

@Module({
  imports: [AuditModule, RateLimitsModule, DatabaseNotificationsModule],
  controllers: [AuthController, StaffController],
  providers: [
    AuthService,
    StaffService,
    StaffRepository,
    StaffCiphertextsRepository,
    SessionsService,
    SessionsRepository,
    SignInThrottleService,
    SignInThrottleRepository,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [AuthService, StaffService, SessionsService, SignInThrottleService],
})
export class StaffModule {}
