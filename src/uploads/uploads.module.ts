import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PowModule } from '../pow/pow.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { RunningHashes } from './running-hashes.js';
import { createTusStore, TUS_STORE } from './tus-store.js';
import { UploadsEndpoint } from './uploads.endpoint.js';
import { UploadsRepository } from './uploads.repository.js';
import { UploadsService } from './uploads.service.js';

@Module({
  imports: [PowModule, RateLimitsModule],
  providers: [
    { provide: TUS_STORE, inject: [AppConfig], useFactory: createTusStore },
    { provide: RunningHashes, useValue: new RunningHashes() },
    UploadsService,
    UploadsRepository,
    UploadsEndpoint,
  ],
  exports: [UploadsService, UploadsEndpoint],
})
export class UploadsModule {}
