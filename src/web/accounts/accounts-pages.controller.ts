import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { AppConfig } from '../../config/app-config.js';
import { BankStatementsService } from '../../payouts/bank-statements/bank-statements.service.js';
import { StatementIdParams } from '../../payouts/bank-statements/bank-statements.dto.js';
import { checkMediaFormCsrf } from '../../staff/access.guard.js';
import { Readable } from 'node:stream';
import { DeskService } from '../../desk/desk.service.js';
import { DomainError } from '../../http/errors.js';
import { validateInput } from '../../http/validation.js';
import { BatchesService } from '../../payouts/batches.service.js';
import { BatchIdParams, CreateBatchDto, ListBatchesQueryDto, VoidUndeliveredDto } from '../../payouts/dto/batches.dto.js';
import { ApprovePayoutDto, MarkPaidDto, PayoutIdParams, PayoutReasonDto, PayoutVersionDto, type PayoutDto } from '../../payouts/dto/payouts.dto.js';
import { PayoutRisksService } from '../../payouts/risks/payout-risks.service.js';
import { PayoutsService, StalePayoutVersionError } from '../../payouts/payouts.service.js';
import type { PayoutState } from '../../payouts/payouts.entities.js';
import { Access, CsrfInMediaForm, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { TipIdParams } from '../../desk/dto/update-tip.dto.js';
import { EXPORT_FORMATS } from '../../payouts/exporters/exporters.js';
import { LEDGER_FORMAT } from '../../payouts/payouts.service.js';
import { PaperSettingsService } from '../../settings/settings.service.js';
import { StaffService } from '../../staff/staff.service.js';
import { DeskViews } from '../desk/desk-views.js';
import { DeskNewsInterceptor } from '../shared/desk-news.interceptor.js';
import { formList, formText, formVersion, queryText } from '../shared/form-input.js';
import { ACCOUNTS_LIST_STATES, AccountsViews, accountsNoticeText, type AccountsNotice, type ApprovalResult, type PayoutRowContext } from './accounts-views.js';

const SECTION_SIZE = 50;

type PayoutAction = (caller: StaffCaller, id: string, body: Record<string, unknown>) => Promise<unknown>;

/**
 * Accounting's pages: payouts to approve, hold, cancel and settle, and the payment batches.
 * Forms post here with the CSRF token and the payout's `version`; a change answers 303 back (so
 * a reload never posts twice), a refusal answers the page again with the service's reason.
 */
@ApiExcludeController()
@Controller('accounts')
@Access('accounting', 'admin')
@UseInterceptors(DeskNewsInterceptor)
export class AccountsPagesController {
  constructor(
    private readonly views: AccountsViews,
    private readonly deskViews: DeskViews,
    private readonly payouts: PayoutsService,
    private readonly batches: BatchesService,
    private readonly desk: DeskService,
    private readonly staff: StaffService,
    private readonly settings: PaperSettingsService,
    private readonly risks: PayoutRisksService,
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
    const [tip, payouts, payoutEvents, people] = await Promise.all([
      this.desk.detail(caller.user, id),
      this.payouts.forTip(id),
      this.payouts.eventsForTip(id),
      this.staff.list(),
    ]);
    const payoutRisks = await this.risks.forPayouts(payouts.map((p) => p.id));
    return this.deskViews.tip(caller, {
      tip,
      payouts,
      payoutEvents,
      payoutRisks,
      readOnly: true,
      assignable: [],
      staffNames: new Map(people.map((p) => [p.id, p.name])),
      maxFiles: 0,
    });
  }

  @Get()
  async overview(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.overview(caller, { ...(await this.overviewState()), notice: accountsNoticeText(notice) });
  }

  /** The approval's confirmation: the payee (masked), amount, tip reference and each risk to tick. */
  @Get('payouts/:id/approve')
  async approveForm(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: PayoutIdParams, @Query('from') from: unknown): Promise<string> {
    return this.views.approve(caller, await this.approvalState([id], { back: returnPath({ from: queryText(from, 100) }) }));
  }

  /** Approve one payout with the risks ticked; a refusal shows the confirmation again with the reason. */
  @Post('payouts/:id/approve')
  async approve(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const back = returnPath(body);
    const ticked = formList(body, 'acknowledgeRisks');
    try {
      const input = await valid(ApprovePayoutDto, { version: formVersion(body), acknowledgeRisks: ticked });
      const result = await this.payouts.approve(caller.user, id, input);
      res.redirect(HttpStatus.SEE_OTHER, `${back}?notice=${result.state === 'approved' ? 'approved' : 'first-approval'}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'PAYOUT_NOT_FOUND') throw error;
      const message = error.fields ? Object.values(error.fields).flat().join('. ') : error.message;
      const state = await this.approvalState([id], { back, checked: new Map([[id, ticked]]), problems: new Map([[id, message]]) });
      res
        .status(error.status)
        .type('html')
        .send(this.views.approve(caller, { ...state, formError: message }));
    }
  }

  /** Bulk approval, step one: the payouts ticked on /accounts, each with its own risks to tick. */
  @Get('approve')
  async bulkApproveForm(@CurrentStaffSession() caller: StaffCaller, @Query('ids') ids: unknown, @Res() res: Response): Promise<void> {
    const chosen = payoutIds(ids);
    if (chosen.length === 0) {
      res.redirect(HttpStatus.SEE_OTHER, '/accounts?notice=none-selected');
      return;
    }
    res.type('html').send(this.views.approve(caller, await this.approvalState(chosen, { back: '/accounts?bulk' })));
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
        const input = await valid(ApprovePayoutDto, {
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
        if (!(error instanceof DomainError)) throw error;
        const payout = await this.payouts.get(id).catch(() => null);
        if (!payout) continue;
        results.push({ payout, outcome: 'refused', text: error.fields ? Object.values(error.fields).flat().join('. ') : error.message });
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
      this.payouts.hold(c.user, payoutId, await valid(PayoutReasonDto, { version: formVersion(b), reason: formText(b, 'reason') })),
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
      this.payouts.release(c.user, payoutId, await valid(PayoutVersionDto, { version: formVersion(b) })),
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
      this.payouts.cancel(c.user, payoutId, await valid(PayoutReasonDto, { version: formVersion(b), reason: formText(b, 'reason') })),
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
      this.payouts.legalSignOff(c.user, payoutId, await valid(PayoutVersionDto, { version: formVersion(b) })),
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
      this.payouts.markPaid(c.user, payoutId, await valid(MarkPaidDto, { version: formVersion(b), reference: formText(b, 'reference') })),
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
      this.payouts.markFailed(c.user, payoutId, await valid(PayoutReasonDto, { version: formVersion(b), reason: formText(b, 'reason') })),
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
      this.payouts.reissue(c.user, payoutId, await valid(PayoutVersionDto, { version: formVersion(b) })),
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
    let uploaded: string | undefined;
    try {
      await new Promise<void>((resolve, reject) => this.readStatementForm(req, res, (error?: unknown) => (error ? reject(error as Error) : resolve())));
      checkMediaFormCsrf(req);
      uploaded = req.file?.path;
      if (!uploaded) throw new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'Choose the statement file (camt.053 XML) to import.');
      const statement = await this.statements.import(caller.user, createReadStream(uploaded));
      res.redirect(HttpStatus.SEE_OTHER, `/accounts/statements/${statement.id}?notice=statement-imported`);
    } catch (error) {
      const refusal =
        error instanceof multer.MulterError
          ? new DomainError(
              error.code === 'LIMIT_FILE_SIZE' ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST,
              'STATEMENT_UPLOAD_REFUSED',
              error.code === 'LIMIT_FILE_SIZE' ? 'The statement file is too large.' : 'Send one statement file.',
            )
          : error;
      if (!(refusal instanceof DomainError) || refusal.code === 'CSRF_TOKEN_INVALID') throw refusal;
      res
        .status(refusal.status)
        .type('html')
        .send(this.views.overview(caller, { ...(await this.overviewState()), statementError: refusal.message }));
    } finally {
      if (req.file?.path) await unlink(req.file.path).catch(() => undefined);
    }
  }

  @Get('statements/:id')
  async statement(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: StatementIdParams, @Query('notice') notice: unknown): Promise<string> {
    return this.views.statement(caller, await this.statements.get(id), await this.staffNames(), accountsNoticeText(notice));
  }

  @Get('batches')
  async batchList(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.batches(caller, { ...(await this.batchListState()), notice: accountsNoticeText(notice) });
  }

  /** Batches every approved payout that fits the format; nothing to pay → the list with the reason, no batch. */
  @Post('batches')
  async createBatch(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const values = { format: formText(body, 'format'), currency: formText(body, 'currency') };
    try {
      const batch = await this.batches.create(caller.user, await valid(CreateBatchDto, values));
      res.redirect(HttpStatus.SEE_OTHER, `/accounts/batches/${batch.id}?notice=${batch.format === LEDGER_FORMAT ? 'ledger-created' : 'batch-created'}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const message = error.fields ? Object.values(error.fields).flat().join('. ') : error.message;
      res
        .status(error.status)
        .type('html')
        .send(this.views.batches(caller, { ...(await this.batchListState()), formError: message, values }));
    }
  }

  @Get('batches/:id')
  async batch(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: BatchIdParams, @Query('notice') notice: unknown): Promise<string> {
    return this.views.batch(caller, { ...(await this.batchState(id)), notice: accountsNoticeText(notice) });
  }

  /** A bank file: "Mark sent to the bank". A ledger export: "Mark as recorded" (it goes to no bank). */
  @Post('batches/:id/sent')
  async markSent(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: BatchIdParams, @Res() res: Response): Promise<void> {
    const ledger = (await this.batches.get(id)).format === LEDGER_FORMAT;
    return this.batchAct(caller, id, res, ledger ? 'ledger-recorded' : 'batch-sent', () => this.batches.markSent(caller.user, id));
  }

  @Post('batches/:id/void')
  voidBatch(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: BatchIdParams, @Res() res: Response): Promise<void> {
    return this.batchAct(caller, id, res, 'batch-voided', () => this.batches.void(caller.user, id));
  }

  /** An admin who did not download the file voids a batch the bank never received (reason and confirmation). */
  @Post('batches/:id/void-undelivered')
  @Access('admin')
  async voidUndelivered(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: BatchIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const input = await valid(VoidUndeliveredDto, {
        reason: formText(body, 'reason'),
        bankDidNotReceiveFile: formText(body, 'bankDidNotReceiveFile') === 'true' ? true : undefined,
      });
      await this.batches.voidUndelivered(caller.user, id, input);
      res.redirect(HttpStatus.SEE_OTHER, `/accounts/batches/${id}?notice=batch-voided`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'BATCH_NOT_FOUND') throw error;
      const message = error.fields ? Object.values(error.fields).flat().join('. ') : error.message;
      res
        .status(error.status)
        .type('html')
        .send(this.views.batch(caller, { ...(await this.batchState(id)), voidUndeliveredError: message }));
    }
  }

  /**
   * The bank's results pasted as CSV (payout reference, paid|failed, bank reference or reason).
   * A form post is urlencoded, so the app's body limit (256 kB) bounds it; a larger file goes to
   * `POST /api/payout-batches/:id/reconcile` as text/csv (up to 1 MB).
   */
  @Post('batches/:id/reconcile')
  async reconcile(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: BatchIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const csv = formText(body, 'csv');
    try {
      if (!csv.trim())
        throw new DomainError(
          HttpStatus.BAD_REQUEST,
          'VALIDATION_FAILED',
          'Paste the bank’s results: one row per payout (reference, paid or failed, bank reference or reason).',
        );
      await this.batches.reconcile(caller.user, id, Readable.from([Buffer.from(csv, 'utf8')]));
      // Each payout's row shows its result (state, bank reference or reason); a reload posts nothing.
      res.redirect(HttpStatus.SEE_OTHER, `/accounts/batches/${id}?notice=reconciled`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'BATCH_NOT_FOUND') throw error;
      const rowErrors = error.fields ? Object.entries(error.fields).map(([row, texts]) => `${row}: ${texts.join('; ')}`) : undefined;
      res
        .status(error.status)
        .type('html')
        .send(this.views.batch(caller, { ...(await this.batchState(id)), reconcileError: rowErrors ? 'Nothing was applied.' : error.message, rowErrors, csv }));
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private async act(
    caller: StaffCaller,
    id: string,
    body: Record<string, unknown>,
    res: Response,
    notice: AccountsNotice,
    action: PayoutAction,
  ): Promise<void> {
    try {
      await action(caller, id, body);
      res.redirect(HttpStatus.SEE_OTHER, `${returnPath(body)}?notice=${notice}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'PAYOUT_NOT_FOUND') throw error;
      const stale = error instanceof StalePayoutVersionError;
      const message = error.fields ? Object.values(error.fields).flat().join('. ') : error.message;
      const problem = { payoutId: id, message, stale };
      const back = returnPath(body);
      const batchId = back.startsWith('/accounts/batches/') ? back.slice('/accounts/batches/'.length) : undefined;
      const page = batchId
        ? this.views.batch(caller, { ...(await this.batchState(batchId)), problem })
        : this.views.overview(caller, { ...(await this.overviewState()), problem });
      res.status(error.status).type('html').send(page);
    }
  }

  private async batchAct(caller: StaffCaller, id: string, res: Response, notice: AccountsNotice, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      res.redirect(HttpStatus.SEE_OTHER, `/accounts/batches/${id}?notice=${notice}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'BATCH_NOT_FOUND') throw error;
      res
        .status(error.status)
        .type('html')
        .send(this.views.batch(caller, { ...(await this.batchState(id)), batchError: error.message }));
    }
  }

  private async overviewState() {
    const sections = await Promise.all(ACCOUNTS_LIST_STATES.map(async (state) => ({ state, ...(await this.payouts.list({ state, limit: SECTION_SIZE })) })));
    const context = await this.rowContext(sections.flatMap((s) => s.items));
    const toApprove = sections.filter((s) => s.state === 'accepted' || s.state === 'held').flatMap((s) => s.items.map((p) => p.id));
    return {
      totals: await this.payouts.totals(),
      sections,
      context: { ...context, risks: await this.risks.forPayouts(toApprove) },
      statements: (await this.statements.recent()).slice(0, 5),
    };
  }

  /** The payouts on an approval confirmation, with their tips, names and risks. */
  private async approvalState(ids: readonly string[], options: { back: string; checked?: Map<string, string[]>; problems?: Map<string, string> }) {
    const payouts = await Promise.all(ids.map((id) => this.payouts.get(id)));
    const context = await this.rowContext(payouts);
    return {
      items: payouts.map((payout) => ({ payout, checked: options.checked?.get(payout.id), problem: options.problems?.get(payout.id) })),
      context,
      back: options.back,
    };
  }

  private async batchListState() {
    const [page, names] = await Promise.all([this.batches.list((await validateInput(ListBatchesQueryDto, { limit: 100 })).value ?? {}), this.staffNames()]);
    return { batches: page.items, staffNames: names, readiness: await this.settings.formatReadiness(EXPORT_FORMATS) };
  }

  /** A batch and its payouts (those still in it, and those it paid or failed). */
  private async batchState(id: string) {
    const batch = await this.batches.get(id);
    const states: PayoutState[] = ['batched', 'paid', 'failed'];
    const lists = await Promise.all(states.map((state) => this.payouts.list({ state, limit: 100 })));
    const payouts = lists.flatMap((l) => l.items).filter((p) => p.batchId === id);
    return { batch, payouts, context: await this.rowContext(payouts) };
  }

  /** Tip references, contributors' names and staff names for the rows. */
  private async rowContext(payouts: PayoutDto[]): Promise<PayoutRowContext> {
    const summaries = await this.desk.tipSummaries([...new Set(payouts.map((p) => p.tipId))]);
    const tips = new Map([...summaries].map(([id, tip]) => [id, { reference: tip.reference, contributor: tip.contributorName }]));
    return { tips, staffNames: await this.staffNames() };
  }

  private async staffNames(): Promise<Map<string, string>> {
    return new Map((await this.staff.list()).map((person) => [person.id, person.name]));
  }
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

/** The DTO's value, or a 400 naming the fields. */
async function valid<T extends object>(dto: new () => T, input: Record<string, unknown>): Promise<T> {
  const { value, errors } = await validateInput(dto, input);
  if (errors) throw new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'Some fields are missing or not valid', errors);
  return value!;
}
