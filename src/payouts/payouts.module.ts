import { PayoutCiphertextsRepository } from './payout-ciphertexts.repository.js';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { BankStatementsController } from './bank-statements/bank-statements.controller.js';
import { BankStatementsRepository } from './bank-statements/bank-statements.repository.js';
import { BankStatementsService } from './bank-statements/bank-statements.service.js';
import { BatchPayoutsReadModel } from './batch-payouts.read-model.js';
import { BatchesController } from './batches.controller.js';
import { BatchItemsRepository } from './batch-items.repository.js';
import { BatchSnapshots } from './batch-snapshots.js';
import { BatchesRepository } from './batches.repository.js';
import { BatchesService } from './batches.service.js';
import { PayerSettings } from './exporters/payer-settings.js';
import { PayoutsController, TipPayoutsController } from './payouts.controller.js';
import { ContributorPayoutsService } from './contributor-payouts.service.js';
import { PayeeDetailsRepository } from './payee-details.repository.js';
import { PayoutErasureService } from './payout-erasure.service.js';
import { PayeeVersions } from './payee-versions.js';
import { PayoutApprovalsService } from './payout-approvals.service.js';
import { PayoutBatchingRepository } from './payout-batching.repository.js';
import { PayoutMoves } from './payout-moves.js';
import { PayoutsRepository } from './payouts.repository.js';
import { PayoutWaiversRepository } from './payout-waivers.repository.js';
import { PayoutsService } from './payouts.service.js';
import { PayoutRisksRepository } from './risks/payout-risks.repository.js';
import { PayoutRisksService } from './risks/payout-risks.service.js';

/** Offers, approvals, payee details and the payout state machine; PayoutsService serves batches and pages. */
@Module({
  imports: [AuditModule, SettingsModule],
  controllers: [TipPayoutsController, PayoutsController, BatchesController, BankStatementsController],
  providers: [
    PayoutsService,
    PayoutCiphertextsRepository,
    PayoutMoves,
    PayoutApprovalsService,
    ContributorPayoutsService,
    PayeeVersions,
    PayoutsRepository,
    PayoutBatchingRepository,
    PayoutWaiversRepository,
    PayeeDetailsRepository,
    PayoutErasureService,
    BatchesService,
    BatchSnapshots,
    BatchesRepository,
    BatchItemsRepository,
    PayoutRisksService,
    PayoutRisksRepository,
    BankStatementsService,
    BankStatementsRepository,
    BatchPayoutsReadModel,
    PayerSettings,
  ],
  exports: [PayoutsService, PayoutErasureService, BatchesService, PayoutRisksService, BankStatementsService, BatchPayoutsReadModel, PayerSettings],
})
export class PayoutsModule {}
