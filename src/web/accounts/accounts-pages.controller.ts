import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { AppConfig } from '../../config/app-config.js';
import { TipIdParams } from '../../desk/dto/update-tip.dto.js';
import { DomainError } from '../../http/errors.js';
import { StatementIdParams } from '../../payouts/bank-statements/bank-statements.dto.js';
import { BankStatementsService } from '../../payouts/bank-statements/bank-statements.service.js';
import { ApprovePayoutDto, MarkPaidDto, PayoutIdParams, PayoutReasonDto, PayoutVersionDto } from '../../payouts/dto/payouts.dto.js';
import { PayoutsService, StalePayoutVersionError } from '../../payouts/payouts.service.js';
import { checkMediaFormCsrf } from '../../staff/access.guard.js';
import { Access, CsrfInMediaForm, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { DeskViews } from '../desk/desk-views.js';
import { DeskNewsInterceptor } from '../shared/desk-news.interceptor.js';
import { answerForm, codes, refusalText, validForm } from '../shared/form-outcome.js';
import { formList, formText, formVersion, queryText } from '../shared/form-input.js';
import { AccountsPageData } from './accounts-page-data.js';
import { AccountsViews, accountsNoticeText, type AccountsNotice, type ApprovalResult } from './accounts-views.js';

type PayoutAction = (caller: StaffCaller, id: string, body: Record<string, unknown>) => Promise<unknown>;

/**
 * Accounting's payout pages: the overview, payouts to approve, hold, cancel and settle, and the
 * bank statements. Forms post here with the CSRF token and the payout's `version`; a change
 * answers 303 back (so a reload never posts twice), a refusal answers the page again with the
 * service's reason. The batches' pages are BatchPagesController's.
 */
@ApiExcludeController()
@Controller('accounts')
@Access('accounting', 'admin')
@UseInterceptors(DeskNewsInterceptor)
export class AccountsPagesController {
  constructor(
    private readonly views: AccountsViews,
    private readonly deskViews: DeskViews,
    private readonly data: AccountsPageData,
    private readonly payouts: PayoutsService,
    private readonly statements: BankStatementsService,
    config: AppConfig,
  ) {
    // One file, a field or two: the statement goes to a temporary file, at most BANK_STATEMENT_MAX_BYTES.
    this.readStatementForm = multer({
      storage: multer.diskStorage({ destination: tmpdir() }),
      limits: { fileSize: config.BANK_STATEMENT_MAX_BYTES, files: 1, fields: 4, parts: 5, headerPairs: 20 },
      fileFilter: (request, _file, accept) => {
        try {
          checkMediaFormCsrf(request); // before a byte of the file is written
          accept(null, true);
        } catch (error) {
          accept(error as Error);
        }
      },
    }).single('statement');
  }

  private readonly readStatementForm: RequestHandler;

  /**
   * The tip a payout pays for, read-only: the story, the files' names, the consent, the
   * payments and the history. Accounting checks what it pays for here; the desk changes it.
   */
  @Get('tips/:id')
  async tip(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: TipIdParams): Promise<string> {
    return this.deskViews.tip(caller, { ...(await this.data.tip(caller.user, id)), readOnly: true, assignable: [], maxFiles: 0 });
  }

  @Get()
  async overview(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.overview(caller, { ...(await this.data.overview()), notice: accountsNoticeText(notice) });
  }

  /** The approval's confirmation: the payee (masked), amount, tip reference and each risk to tick. */
  @Get('payouts/:id/approve')
  async approveForm(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: PayoutIdParams, @Query('from') from: unknown): Promise<string> {
    return this.views.approve(caller, await this.data.approval([id], { back: returnPath({ from: queryText(from, 100) }) }));
  }

  /** Approve one payout with the risks ticked; a refusal shows the confirmation again with the reason. */
  @Post('payouts/:id/approve')
  approve(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const back = returnPath(body);
    const ticked = formList(body, 'acknowledgeRisks');
    return answerForm(
      res,
      async () => {
        const result = await this.payouts.approve(caller.user, id, await validForm(ApprovePayoutDto, { version: formVersion(body), acknowledgeRisks: ticked }));
        return `${back}?notice=${result.state === 'approved' ? 'approved' : 'first-approval'}`;
      },
      async (error) => {
        const message = refusalText(error);
        const state = await this.data.approval([id], { back, checked: new Map([[id, ticked]]), problems: new Map([[id, message]]) });
        return this.views.approve(caller, { ...state, formError: message });
      },
      codes('PAYOUT_NOT_FOUND'),
    );
  }

  /** Bulk approval, step one: the payouts ticked on /accounts, each with its own risks to tick. */
  @Get('approve')
  async bulkApproveForm(@CurrentStaffSession() caller: StaffCaller, @Query('ids') ids: unknown, @Res() res: Response): Promise<void> {
    const chosen = payoutIds(ids);
    if (chosen.length === 0) {
      res.redirect(HttpStatus.SEE_OTHER, '/accounts?notice=none-selected');
      return;
    }
    res.type('html').send(this.views.approve(caller, await this.data.approval(chosen, { back: '/accounts?bulk' })));
  }

  /**
   * Bulk approval, step two: each payout approved on its own (its own version, its own risks, the
   * same four-eyes rules), so one refusal stops nothing else; the answer lists each result.
   */
  @Post('approve')
  @HttpCode(200)
  async bulkApprove(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>): Promise<string> {
    const chosen = payoutIds(formList(body, 'ids'));
    const results: ApprovalResult[] = [];
    for (const id of chosen) {
      try {
        const input = await validForm(ApprovePayoutDto, {
          version: formVersion({ version: formText(body, `version:${id}`) }),
          acknowledgeRisks: formList(body, `ack:${id}`),
        });
        const result = await this.payouts.approve(caller.user, id, input);
        results.push({
          payout: result,
          outcome: result.state === 'approved' ? 'approved' : 'first-approval',
          text: result.state === 'approved' ? 'Approved' : 'First of two approvals recorded',
        });
      } catch (error) {
        // Not a form's refusal page: one payout's refusal is one line of the results.
        if (!(error instanceof DomainError)) throw error;
        const payout = await this.payouts.get(id).catch(() => null);
        if (!payout) continue;
        results.push({ payout, outcome: 'refused', text: refusalText(error) });
      }
    }
    return this.views.approveResults(caller, results);
  }

  @Post('payouts/:id/hold')
  hold(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.act(caller, id, body, res, 'held', async (c, payoutId, b) =>
      this.payouts.hold(c.user, payoutId, await validForm(PayoutReasonDto, { version: formVersion(b), reason: formText(b, 'reason') })),
    );
  }

  @Post('payouts/:id/release')
  release(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.act(caller, id, body, res, 'released', async (c, payoutId, b) =>
      this.payouts.release(c.user, payoutId, await validForm(PayoutVersionDto, { version: formVersion(b) })),
    );
  }

  @Post('payouts/:id/cancel')
  cancel(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.act(caller, id, body, res, 'cancelled', async (c, payoutId, b) =>
      this.payouts.cancel(c.user, payoutId, await validForm(PayoutReasonDto, { version: formVersion(b), reason: formText(b, 'reason') })),
    );
  }

  @Post('payouts/:id/legal-sign-off')
  @Access('admin')
  legalSignOff(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.act(caller, id, body, res, 'signed-off', async (c, payoutId, b) =>
      this.payouts.legalSignOff(c.user, payoutId, await validForm(PayoutVersionDto, { version: formVersion(b) })),
    );
  }

  @Post('payouts/:id/mark-paid')
  markPaid(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.act(caller, id, body, res, 'paid', async (c, payoutId, b) =>
      this.payouts.markPaid(c.user, payoutId, await validForm(MarkPaidDto, { version: formVersion(b), reference: formText(b, 'reference') })),
    );
  }

  @Post('payouts/:id/mark-failed')
  markFailed(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.act(caller, id, body, res, 'failed', async (c, payoutId, b) =>
      this.payouts.markFailed(c.user, payoutId, await validForm(PayoutReasonDto, { version: formVersion(b), reason: formText(b, 'reason') })),
    );
  }

  @Post('payouts/:id/reissue')
  reissue(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.act(caller, id, body, res, 'reissued', async (c, payoutId, b) =>
      this.payouts.reissue(c.user, payoutId, await validForm(PayoutVersionDto, { version: formVersion(b) })),
    );
  }

  /**
   * The bank's camt.053 statement uploaded from the overview: a multipart form, the file kept in
   * a temporary file while it is imported (streamed from there, never whole in memory) and
   * removed afterwards; a refusal answers the overview with the reason, and nothing applied.
   */
  @Post('bank-statements')
  @CsrfInMediaForm()
  async importStatement(@CurrentStaffSession() caller: StaffCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      await answerForm(
        res,
        async () => {
          await new Promise<void>((resolve, reject) =>
            this.readStatementForm(req, res, (error?: unknown) => (error ? reject(statementUploadRefusal(error)) : resolve())),
          );
          checkMediaFormCsrf(req);
          const uploaded = req.file?.path;
          if (!uploaded) throw new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'Choose the statement file (camt.053 XML) to import.');
          const statement = await this.statements.import(caller.user, createReadStream(uploaded));
          return `/accounts/statements/${statement.id}?notice=statement-imported`;
        },
        async (refusal) => this.views.overview(caller, { ...(await this.data.overview()), statementError: refusal.message }),
        codes('CSRF_TOKEN_INVALID'),
      );
    } finally {
      if (req.file?.path) await unlink(req.file.path).catch(() => undefined);
    }
  }

  @Get('statements/:id')
  async statement(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: StatementIdParams, @Query('notice') notice: unknown): Promise<string> {
    return this.views.statement(caller, await this.statements.get(id), await this.data.staffNames(), accountsNoticeText(notice));
  }

  /** A payout row's button, on the overview or a batch page: done → back there with a notice; refused → that page with the reason by the row. */
  private act(caller: StaffCaller, id: string, body: Record<string, unknown>, res: Response, notice: AccountsNotice, action: PayoutAction): Promise<void> {
    const back = returnPath(body);
    return answerForm(
      res,
      async () => {
        await action(caller, id, body);
        return `${back}?notice=${notice}`;
      },
      async (error) => {
        const problem = { payoutId: id, message: refusalText(error), stale: error instanceof StalePayoutVersionError };
        const batchId = back.startsWith('/accounts/batches/') ? back.slice('/accounts/batches/'.length) : undefined;
        return batchId
          ? this.views.batch(caller, { ...(await this.data.batch(batchId)), problem })
          : this.views.overview(caller, { ...(await this.data.overview()), problem });
      },
      codes('PAYOUT_NOT_FOUND'),
    );
  }
}

/** A refused upload in the words the overview shows (too large, not one file); anything else as it was. */
function statementUploadRefusal(error: unknown): unknown {
  if (!(error instanceof multer.MulterError)) return error;
  return error.code === 'LIMIT_FILE_SIZE'
    ? new DomainError(HttpStatus.PAYLOAD_TOO_LARGE, 'STATEMENT_UPLOAD_REFUSED', 'The statement file is too large.')
    : new DomainError(HttpStatus.BAD_REQUEST, 'STATEMENT_UPLOAD_REFUSED', 'Send one statement file.');
}

/** Where a row's form came from: the overview or one batch page (never another site). */
function returnPath(body: Record<string, unknown>): string {
  const from = formText(body, 'from');
  return /^\/accounts\/batches\/[0-9a-f-]{36}$/.test(from) ? from : '/accounts';
}

/** At most this many payouts in one bulk approval (the form's field limit). */
const BULK_APPROVE_MAX = 25;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The payout ids a bulk approval names: well-formed, each once, at most BULK_APPROVE_MAX. */
function payoutIds(value: unknown): string[] {
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && UUID.test(v));
  return [...new Set(values.map((v) => v.toLowerCase()))].slice(0, BULK_APPROVE_MAX);
}
