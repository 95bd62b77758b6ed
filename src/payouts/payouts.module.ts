import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { BatchesController } from './batches.controller.js';
import { BatchesService } from './batches.service.js';
import { PayoutsController, TipPayoutsController } from './payouts.controller.js';
import { PayoutsService } from './payouts.service.js';
import { PayoutRisksService } from './risks/payout-risks.service.js';

/** Offers, approvals, payee details and the payout state machine; PayoutsService serves batches and pages. */
@Module({
  imports: [AuditModule],
  controllers: [TipPayoutsController, PayoutsController, BatchesController],
  providers: [PayoutsService, BatchesService, PayoutRisksService],
  exports: [PayoutsService, BatchesService, PayoutRisksService],
})
export class PayoutsModule {}
