import { Module } from '@nestjs/common';
import { RateLimitsRepository } from './rate-limits.repository.js';
import { RateLimitsService } from './rate-limits.service.js';
import { UploadQuota } from './upload-quota.js';

@Module({ providers: [RateLimitsRepository, RateLimitsService, UploadQuota], exports: [RateLimitsService, UploadQuota] })
export class RateLimitsModule {}
