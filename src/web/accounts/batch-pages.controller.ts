import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { DomainError } from '../../http/errors.js';
import { BatchesService } from '../../payouts/batches.service.js';
import { BatchIdParams, CreateBatchDto, VoidUndeliveredDto } from '../../payouts/dto/batches.dto.js';
import { LEDGER_FORMAT } from '../../payouts/payouts.service.js';
import { Access, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { DeskNewsInterceptor } from '../shared/desk-news.interceptor.js';
import { answerForm, codes, refusalText, validForm } from '../shared/form-outcome.js';
import { formText } from '../shared/form-input.js';
import { AccountsPageData } from './accounts-page-data.js';
import { AccountsViews, accountsNoticeText, type AccountsNotice } from './accounts-views.js';

/**
 * Accounting's payment batches: the list (and a new batch), one batch's page, its file's
 * delivery (sent, voided) and the bank's results. A change answers 303 to the batch's page; a
 * refusal answers that page again with the reason by the form.
 */
@ApiExcludeController()
@Controller('accounts/batches')
@Access('accounting', 'admin')
@UseInterceptors(DeskNewsInterceptor)
export class BatchPagesController {
  constructor(
    private readonly views: AccountsViews,
    private readonly data: AccountsPageData,
    private readonly batches: BatchesService,
  ) {}

  @Get()
  async batchList(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.batches(caller, { ...(await this.data.batchList()), notice: accountsNoticeText(notice) });
  }

  /** Batches every approved payout that fits the format; nothing to pay → the list with the reason, no batch. */
  @Post()
  createBatch(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const values = { format: formText(body, 'format'), currency: formText(body, 'currency') };
    return answerForm(
      res,
      async () => {
        const batch = await this.batches.create(caller.user, await validForm(CreateBatchDto, values));
        return `/accounts/batches/${batch.id}?notice=${batch.format === LEDGER_FORMAT ? 'ledger-created' : 'batch-created'}`;
      },
      async (error) => this.views.batches(caller, { ...(await this.data.batchList()), formError: refusalText(error), values }),
    );
  }

  @Get(':id')
  async batch(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: BatchIdParams, @Query('notice') notice: unknown): Promise<string> {
    return this.views.batch(caller, { ...(await this.data.batch(id)), notice: accountsNoticeText(notice) });
  }

  /** A bank file: "Mark sent to the bank". A ledger export: "Mark as recorded" (it goes to no bank). */
  @Post(':id/sent')
  async markSent(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: BatchIdParams, @Res() res: Response): Promise<void> {
    const ledger = (await this.batches.get(id)).format === LEDGER_FORMAT;
    return this.act(caller, id, res, ledger ? 'ledger-recorded' : 'batch-sent', () => this.batches.markSent(caller.user, id));
  }

  @Post(':id/void')
  voidBatch(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: BatchIdParams, @Res() res: Response): Promise<void> {
    return this.act(caller, id, res, 'batch-voided', () => this.batches.void(caller.user, id));
  }

  /** An admin who did not download the file voids a batch the bank never received (reason and confirmation). */
  @Post(':id/void-undelivered')
  @Access('admin')
  voidUndelivered(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: BatchIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return answerForm(
      res,
      async () => {
        const input = await validForm(VoidUndeliveredDto, {
          reason: formText(body, 'reason'),
          bankDidNotReceiveFile: formText(body, 'bankDidNotReceiveFile') === 'true' ? true : undefined,
        });
        await this.batches.voidUndelivered(caller.user, id, input);
        return `/accounts/batches/${id}?notice=batch-voided`;
      },
      async (error) => this.views.batch(caller, { ...(await this.data.batch(id)), voidUndeliveredError: refusalText(error) }),
      codes('BATCH_NOT_FOUND'),
    );
  }

  /**
   * The bank's results pasted as CSV (payout reference, paid|failed, bank reference or reason).
   * A form post is urlencoded, so the app's body limit (256 kB) bounds it; a larger file goes to
   * `POST /api/payout-batches/:id/reconcile` as text/csv (up to 1 MB).
   */
  @Post(':id/reconcile')
  reconcile(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: BatchIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const csv = formText(body, 'csv');
    return answerForm(
      res,
      async () => {
        if (!csv.trim())
          throw new DomainError(
            HttpStatus.BAD_REQUEST,
            'VALIDATION_FAILED',
            'Paste the bank’s results: one row per payout (reference, paid or failed, bank reference or reason).',
          );
        await this.batches.reconcile(caller.user, id, Readable.from([Buffer.from(csv, 'utf8')]));
        // Each payout's row shows its result (state, bank reference or reason); a reload posts nothing.
        return `/accounts/batches/${id}?notice=reconciled`;
      },
      async (error) => {
        const rowErrors = error.fields ? Object.entries(error.fields).map(([row, texts]) => `${row}: ${texts.join('; ')}`) : undefined;
        return this.views.batch(caller, { ...(await this.data.batch(id)), reconcileError: rowErrors ? 'Nothing was applied.' : error.message, rowErrors, csv });
      },
      codes('BATCH_NOT_FOUND'),
    );
  }

  /** A batch's button: done → its page with a notice; refused → its page with the reason. */
  private act(caller: StaffCaller, id: string, res: Response, notice: AccountsNotice, action: () => Promise<unknown>): Promise<void> {
    return answerForm(
      res,
      async () => {
        await action();
        return `/accounts/batches/${id}?notice=${notice}`;
      },
      async (error) => this.views.batch(caller, { ...(await this.data.batch(id)), batchError: error.message }),
      codes('BATCH_NOT_FOUND'),
    );
  }
}
