import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MediaModule } from '../media/media.module.js';
import { PowModule } from '../pow/pow.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { UploadsModule } from '../uploads/uploads.module.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';
import { TipAccessService } from './tip-access.service.js';
import { TipCiphertextsRepository } from './tip-ciphertexts.repository.js';
import { TipIntakeService } from './tip-intake.service.js';
import { TipPrivacyRepository } from './tip-privacy.repository.js';
import { IdempotencyKeyCheck, TipRateLimitGuard } from './tip-post.guards.js';
import { TipsController } from './tips.controller.js';
import { TipsRepository } from './tips.repository.js';

@Module({
  imports: [AuditModule, MediaModule, PowModule, RateLimitsModule, UploadsModule],
  controllers: [TipsController],
  providers: [
    TipIntakeService,
    TipAccessService,
    TipCiphertextsRepository,
    TipsRepository,
    TipPrivacyRepository,
    IdempotencyService,
    IdempotencyRepository,
    TipRateLimitGuard,
    IdempotencyKeyCheck,
  ],
  // UploadsModule goes with intake: whoever takes tips (and the sweep) also handles uploads.
  exports: [
    TipIntakeService,
    TipAccessService,
    TipsRepository,
    TipPrivacyRepository,
    IdempotencyService,
    TipRateLimitGuard,
    IdempotencyKeyCheck,
    UploadsModule,
  ],
})
export class TipsModule {}
