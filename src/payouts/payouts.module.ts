import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { PayoutsController, TipPayoutsController } from './payouts.controller.js';
import { PayoutsService } from './payouts.service.js';

/** Offers, approvals, payee details and the payout state machine; PayoutsService serves batches and pages. */
@Module({
  imports: [AuditModule],
  controllers: [TipPayoutsController, PayoutsController],
  providers: [PayoutsService],
  exports: [PayoutsService],
})
export class PayoutsModule {}
