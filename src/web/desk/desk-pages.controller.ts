import { Body, Controller, Get, HttpStatus, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { IsUUID } from 'class-validator';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CreatePhoneTipDto } from '../../channels/phone/dto/phone-tip.dto.js';
import { PhoneService } from '../../channels/phone/phone.service.js';
import { AppConfig } from '../../config/app-config.js';
import { MediaNotFoundError } from '../../media/media-content.service.js';
import { MediaUploadInterceptor, uploadedMedia } from '../../media/media-upload.interceptor.js';
import { StaleTipVersionError } from '../../desk/desk.errors.js';
import { DeskService } from '../../desk/desk.service.js';
import { CreateMessageDto, CreateNoteDto } from '../../desk/dto/conversation.dto.js';
import { ListTipsQueryDto } from '../../desk/dto/tip-query.dto.js';
import { TipIdParams, UpdateTipDto } from '../../desk/dto/update-tip.dto.js';
import { DomainError, type FieldErrors } from '../../http/errors.js';
import { validateInput } from '../../http/validation.js';
import { ConflictWaiverDto, OfferPayoutDto, PayoutReasonDto } from '../../payouts/dto/payouts.dto.js';
import { amountMinorFromText } from '../../payouts/money-input.js';
import { PayoutsService, StalePayoutVersionError } from '../../payouts/payouts.service.js';
import { PayoutRisksService } from '../../payouts/risks/payout-risks.service.js';
import { Access, CsrfInMediaForm, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { StaffService } from '../../staff/staff.service.js';
import { pageOrFirst, withoutFields } from '../shared/keyset-pager.js';
import { pagerLinks, parseQueueAddress } from './desk-addresses.js';
import { DeskNewsInterceptor } from '../shared/desk-news.interceptor.js';
import { formText, formVersion } from '../shared/form-input.js';
import { answerForm, codes, sendPage, validForm } from '../shared/form-outcome.js';
import { noticeText, type Notice } from '../shared/notices.js';
import { DeskViews } from './desk-views.js';
import type { TipPageState } from './tip-page-state.js';

// The API's field names, as the page's forms name them.
const FORM_FIELDS: Record<string, string> = { duplicateOfId: 'duplicateOf' };

class TipPayoutParams {
  @IsUUID('all', { message: 'Not a valid tip id' })
  id: string;

  @IsUUID('all', { message: 'Not a valid payout id' })
  payoutId: string;
}

class TipMediaParams {
  @IsUUID('all', { message: 'Not a valid tip id' })
  id: string;

  @IsUUID('all', { message: 'Not a valid media id' })
  mediaId: string;
}

// The offer form's fields as the API names them (amountMinor comes from the amount typed).
const OFFER_FORM_FIELDS: Record<string, string> = { amountMinor: 'amount', 'legalFlags.witness': 'legalFlags', 'legalFlags.crime': 'legalFlags' };

function formErrors(fields: FieldErrors | undefined, form: string): FieldErrors | undefined {
  if (!fields) return undefined;
  return Object.fromEntries(Object.entries(fields).map(([name, messages]) => [form === 'triage' ? (FORM_FIELDS[name] ?? name) : form, messages]));
}

/**
 * The editors' queue and tip pages. Forms post here with the CSRF token and the tip's
 * `version`; a change answers 303 back to the tip (so a reload never posts twice), a refusal
 * answers the tip page again with the reason, and a stale version shows the tip as it is now.
 */
@ApiExcludeController()
@Controller('desk')
@Access('editor', 'admin')
@UseInterceptors(DeskNewsInterceptor)
export class DeskPagesController {
  constructor(
    private readonly views: DeskViews,
    private readonly desk: DeskService,
    private readonly staff: StaffService,
    private readonly phone: PhoneService,
    private readonly payouts: PayoutsService,
    private readonly risks: PayoutRisksService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async queue(@CurrentStaffSession() caller: StaffCaller, @Query() query: Record<string, unknown>): Promise<string> {
    const address = parseQueueAddress(query);
    // A bad filter is dropped (and named) rather than emptying the whole queue; so is a forged cursor.
    const { errors } = await validateInput(ListTipsQueryDto, address.filters);
    const filters = errors ? withoutFields(address.filters, Object.keys(errors)) : address.filters;
    const filterErrors = Object.values(errors ?? {}).flat();
    const list = async (cursor?: string) => this.desk.list(caller.user, (await validateInput(ListTipsQueryDto, { ...filters, cursor })).value ?? {});
    const page = await pageOrFirst(address, filterErrors, list);
    return this.views.queue(caller, {
      items: page.items,
      form: address.form,
      assignable: await this.staff.assignable(),
      filterErrors,
      ...pagerLinks(address, page.nextCursor),
      notice: noticeText(query.notice),
    });
  }

  /** Claims the oldest unclaimed new tip and opens it; with none waiting, back to the queue. */
  @Post('next')
  async next(@CurrentStaffSession() caller: StaffCaller, @Res() res: Response): Promise<void> {
    try {
      const tip = await this.desk.claimNext(caller.user);
      res.redirect(HttpStatus.SEE_OTHER, `/desk/tips/${tip.id}?notice=claimed`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'QUEUE_EMPTY') throw error;
      res.redirect(HttpStatus.SEE_OTHER, '/desk?notice=queue-empty');
    }
  }

  @Get('phone')
  phoneForm(@CurrentStaffSession() caller: StaffCaller): string {
    return this.views.phone(caller);
  }

  /**
   * Logs the call and answers with its reference and one-time secret for the editor to read
   * out (not a redirect: the secret must not travel in an address, and is not kept to show later).
   */
  @Post('phone')
  async logCall(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const fields = ['callerNumber', 'callerName', 'story', 'location', 'occurredAt'];
    const { value, errors } = await validateInput(CreatePhoneTipDto, Object.fromEntries(fields.map((name) => [name, formText(body, name)])));
    if (errors) return sendPage(res, HttpStatus.BAD_REQUEST, this.views.phone(caller, { errors, values: body }));
    const logged = await this.phone.logCall(caller.user, value);
    sendPage(res, HttpStatus.CREATED, this.views.phone(caller, { logged }));
  }

  /** "Add files the caller sent" on a phone tip; a refusal shows the tip again with the reason by the form. */
  @Post('tips/:id/files')
  @CsrfInMediaForm()
  @UseInterceptors(MediaUploadInterceptor)
  async addFiles(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: TipIdParams, @Req() req: Request, @Res() res: Response): Promise<void> {
    return answerForm(
      res,
      async () => {
        await this.phone.addFiles(caller.user, id, uploadedMedia(req));
        return `/desk/tips/${id}?notice=files-added#media`;
      },
      async (error) => this.tipPage(caller, id, { errors: { files: error.fields ? Object.values(error.fields).flat() : [error.message] } }),
      codes('TIP_NOT_FOUND'),
    );
  }

  /** The confirmation step before a file the virus scan has not cleared can be downloaded (the player never gets it). */
  @Get('tips/:id/media/:mediaId/download')
  async confirmMediaDownload(@CurrentStaffSession() caller: StaffCaller, @Param() { id, mediaId }: TipMediaParams): Promise<string> {
    const tip = await this.desk.detail(caller.user, id);
    const media = tip.media.find((m) => m.id === mediaId);
    if (!media) throw new MediaNotFoundError();
    return this.views.mediaDownload(caller, tip, media);
  }

  @Get('tips/:id')
  async tip(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Query('notice') notice: unknown,
    @Query('messagesBefore') messagesBefore: unknown,
    @Query('historyBefore') historyBefore: unknown,
  ): Promise<string> {
    const before = typeof messagesBefore === 'string' && messagesBefore ? messagesBefore : undefined;
    const historyFrom = typeof historyBefore === 'string' && historyBefore ? historyBefore : undefined;
    const page = this.views.tip(
      caller,
      await this.tipState(await this.desk.pageDetail(caller.user, id, { messagesBefore: before, historyBefore: historyFrom }), {
        notice: noticeText(notice),
        messagesBefore: before,
        historyBefore: historyFrom,
        ...(await this.secretHolders(caller, id)),
      }),
    );
    // Opened: what happened on this tip so far is no longer news to this editor (the queue's marks).
    await this.desk.markSeen(caller.user, id);
    return page;
  }

  /**
   * "Make an offer": the amount as typed (250, £250.50, 1,000), currency, licence and the
   * Editors' Code questions. Made, it answers 303 to the tip's Payments panel; refused, the tip
   * page again with the reason by the form and what was typed.
   */
  @Post('tips/:id/payouts')
  async offer(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const values = Object.fromEntries(['amount', 'currency', 'licence', 'witness', 'crime'].map((name) => [name, formText(body, name)]));
    const amountMinor = amountMinorFromText(values.amount);
    const input = {
      amountMinor: amountMinor ?? values.amount,
      currency: values.currency,
      licence: values.licence,
      legalFlags: { witness: values.witness === 'true', crime: values.crime === 'true' },
    };
    const { value, errors } = await validateInput(OfferPayoutDto, input);
    const problems: FieldErrors | undefined = errors
      ? Object.fromEntries(
          Object.entries(errors).map(([field, texts]) => [
            OFFER_FORM_FIELDS[field] ?? field,
            field === 'amountMinor' ? ['Type the amount in pounds (or euros, dollars), such as 250 or 250.50: at least 1p and at most 10,000,000'] : texts,
          ]),
        )
      : undefined;
    if (problems) return sendPage(res, HttpStatus.BAD_REQUEST, await this.tipPage(caller, id, { offer: { values, errors: problems } }));
    return answerForm(
      res,
      async () => {
        await this.payouts.offer(caller.user, id, value!);
        return `/desk/tips/${id}?notice=offer-made#payments`;
      },
      async (error) => this.tipPage(caller, id, { offer: { values, formError: error.message } }),
      codes('TIP_NOT_FOUND'),
    );
  }

  /** Cancels an offer (an editor: only their own, until it is in a batch), with the reason, from the Payments panel. */
  @Post('tips/:id/payouts/:payoutId/cancel')
  async cancelOffer(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id, payoutId }: TipPayoutParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return answerForm(
      res,
      async () => {
        const { value, errors } = await validateInput(PayoutReasonDto, { version: formVersion(body), reason: formText(body, 'reason') });
        if (errors)
          throw new DomainError(
            HttpStatus.BAD_REQUEST,
            'VALIDATION_FAILED',
            errors.reason ? 'Say why the offer is cancelled.' : 'Reload the page and try again.',
            errors,
          );
        const payout = await this.payouts.get(payoutId);
        if (payout.tipId !== id) throw new DomainError(HttpStatus.NOT_FOUND, 'PAYOUT_NOT_FOUND', 'There is no payout with that id on this tip.');
        await this.payouts.cancel(caller.user, payoutId, value);
        return `/desk/tips/${id}?notice=offer-cancelled#payments`;
      },
      async (error) => {
        const message = error instanceof StalePayoutVersionError ? `${error.message} The panel shows it as it is now.` : error.message;
        return this.tipPage(caller, id, { payoutProblem: { payoutId, message } });
      },
      codes('TIP_NOT_FOUND', 'PAYOUT_NOT_FOUND'),
    );
  }

  /** An admin lets someone who logged the tip or saw its secret offer on it all the same (issue 12). */
  @Post('tips/:id/payout-waivers')
  @Access('admin')
  async waive(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return answerForm(
      res,
      async () => {
        const { value, errors } = await validateInput(ConflictWaiverDto, { staffId: formText(body, 'staffId'), reason: formText(body, 'reason') });
        if (errors) throw new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', Object.values(errors).flat().join('. '));
        await this.payouts.waiveConflict(caller.user, id, value!);
        return `/desk/tips/${id}?notice=waiver-granted#secret-holders`;
      },
      async (error) => this.tipPage(caller, id, { ...(await this.secretHolders(caller, id)), waiverError: error.message }),
      codes('TIP_NOT_FOUND'),
    );
  }

  @Post('tips/:id/status')
  changeStatus(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.update(caller, id, { status: formText(body, 'status'), version: formVersion(body) }, 'status-changed', body, res);
  }

  /** "Assign to me". */
  @Post('tips/:id/claim')
  claim(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: TipIdParams, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    return this.update(caller, id, { assigneeId: caller.user.id, version: formVersion(body) }, 'claimed', body, res);
  }

  /** The triage form: assignee, priority, tags and the duplicate link, in one compare-and-set. */
  @Post('tips/:id')
  async triage(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const reference = formText(body, 'duplicateOf').trim();
    const duplicateOfId = reference ? await this.desk.tipIdByReference(reference) : null;
    if (duplicateOfId === undefined) {
      const page = await this.tipPage(caller, id, { errors: { duplicateOf: [`There is no tip with the reference ${reference.slice(0, 20)}`] }, values: body });
      return sendPage(res, HttpStatus.BAD_REQUEST, page);
    }
    const changes = {
      assigneeId: formText(body, 'assigneeId') || null,
      priority: /^\d$/.test(formText(body, 'priority')) ? Number(body.priority) : formText(body, 'priority'),
      tags: formText(body, 'tags')
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
      duplicateOfId,
      version: formVersion(body),
    };
    return this.update(caller, id, changes, 'saved', body, res);
  }

  @Post('tips/:id/notes')
  async addNote(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.write(caller, id, body, res, 'note', CreateNoteDto, (note) => this.desk.addNote(caller.user, id, note));
  }

  @Post('tips/:id/messages')
  async sendMessage(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.write(caller, id, body, res, 'message', CreateMessageDto, (message) => this.desk.sendMessage(caller.user, id, message));
  }

  /** A note or a message to the contributor: written → 303 to it on the tip page; refused (empty, too long) → the tip page with what was typed. */
  private async write<T extends object>(
    caller: StaffCaller,
    id: string,
    body: Record<string, unknown>,
    res: Response,
    form: 'note' | 'message',
    dto: new () => T,
    save: (input: T) => Promise<unknown>,
  ): Promise<void> {
    const { value, errors } = await validateInput(dto, { body: formText(body, 'body') });
    if (errors)
      return sendPage(res, HttpStatus.BAD_REQUEST, await this.tipPage(caller, id, { errors: formErrors(errors, form), values: { [form]: body.body } }));
    await save(value);
    res.redirect(HttpStatus.SEE_OTHER, form === 'note' ? `/desk/tips/${id}?notice=note-added#notes` : `/desk/tips/${id}?notice=message-sent#messages`);
  }

  private async update(
    caller: StaffCaller,
    id: string,
    changes: Record<string, unknown>,
    notice: Notice,
    body: Record<string, unknown>,
    res: Response,
  ): Promise<void> {
    return answerForm(
      res,
      async () => {
        await this.desk.update(caller.user, id, await validForm(UpdateTipDto, changes));
        return `/desk/tips/${id}?notice=${notice}`;
      },
      async (error) => {
        if (error instanceof StaleTipVersionError) return this.views.tip(caller, await this.tipState(error.details.current, { conflict: true }));
        const fields = error.fields ?? (error.code === 'TIP_DUPLICATE_CYCLE' ? { duplicateOfId: [error.message] } : undefined);
        const form = 'status' in changes ? 'status' : 'triage';
        return this.tipPage(caller, id, {
          errors: form === 'triage' ? formErrors(fields, 'triage') : undefined,
          // The status buttons have no fields of their own: their problem goes at the top of the page.
          formError: form === 'triage' && fields ? undefined : fields ? Object.values(fields).flat().join('. ') : error.message,
          values: form === 'triage' ? body : undefined,
        });
      },
      codes('TIP_NOT_FOUND'),
    );
  }

  /** The tip page as it is now, with a form's problem or what was typed. */
  private async tipPage(caller: StaffCaller, id: string, extra: Partial<TipPageState>): Promise<string> {
    return this.views.tip(caller, await this.tipState(await this.desk.pageDetail(caller.user, id), extra));
  }

  /** For admins: who holds the tip's secret (the payouts module decides who may offer). */
  private async secretHolders(caller: StaffCaller, tipId: string): Promise<Partial<TipPageState>> {
    return caller.user.role === 'admin' ? { secretHolders: await this.payouts.secretHoldersOf(tipId) } : {};
  }

  private async tipState(tip: TipPageState['tip'], extra: Partial<TipPageState>): Promise<TipPageState> {
    const [assignable, everyone, payouts, payoutEvents] = await Promise.all([
      this.staff.assignable(),
      this.staff.list(),
      this.payouts.forTip(tip.id),
      this.payouts.eventsForTip(tip.id),
    ]);
    const payoutRisks = await this.risks.forPayouts(payouts.map((p) => p.id));
    // Everyone's names (accounting's too: they approve and pay), for the history and the Payments panel.
    return {
      tip,
      assignable,
      staffNames: new Map(everyone.map((p) => [p.id, p.name])),
      maxFiles: this.config.MAX_FILES_PER_TIP,
      payouts,
      payoutEvents,
      payoutRisks,
      ...extra,
    };
  }
}
