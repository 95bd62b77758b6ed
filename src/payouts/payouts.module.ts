import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { BatchesController } from './batches.controller.js';
import { BatchesService } from './batches.service.js';
import { PayoutsController, TipPayoutsController } from './payouts.controller.js';
import { PayoutsService } from './payouts.service.js';

/** Offers, approvals, payee details and the payout state machine; PayoutsService serves batches and pages. */
@Module({
  imports: [AuditModule, SettingsModule],
  controllers: [TipPayoutsController, PayoutsController, BatchesController],
  providers: [PayoutsService, BatchesService],
  exports: [PayoutsService, BatchesService],
})
export class PayoutsModule {}
