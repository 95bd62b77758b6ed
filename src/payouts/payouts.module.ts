import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { BankStatementsController } from './bank-statements/bank-statements.controller.js';
import { BankStatementsService } from './bank-statements/bank-statements.service.js';
import { BatchPayoutsReadModel } from './batch-payouts.read-model.js';
import { BatchesController } from './batches.controller.js';
import { BatchesService } from './batches.service.js';
import { PayoutsController, TipPayoutsController } from './payouts.controller.js';
import { PayoutsService } from './payouts.service.js';
import { PayoutRisksService } from './risks/payout-risks.service.js';

/** Offers, approvals, payee details and the payout state machine; PayoutsService serves batches and pages. */
@Module({
  imports: [AuditModule, SettingsModule],
  controllers: [TipPayoutsController, PayoutsController, BatchesController, BankStatementsController],
  providers: [PayoutsService, BatchesService, PayoutRisksService, BankStatementsService, BatchPayoutsReadModel],
  exports: [PayoutsService, BatchesService, PayoutRisksService, BankStatementsService, BatchPayoutsReadModel],
})
export class PayoutsModule {}
