import { Body, Controller, Get, HttpStatus, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ContributorsService } from '../../contributors/contributors.service.js';
import { ContributorReplyDto, ContributorSignInDto } from '../../contributors/dto/contributor.dto.js';
import { DomainError, NotFoundError } from '../../http/errors.js';
import { validateInput } from '../../http/validation.js';
import { MediaUploadInterceptor, uploadedMedia } from '../../media/media-upload.interceptor.js';
import { AcceptPayoutDto, PayeeDetailsDto, PayoutIdParams } from '../../payouts/dto/payouts.dto.js';
import { PayoutsService } from '../../payouts/payouts.service.js';
import { ErasureNotConfirmedError } from '../../privacy/privacy.errors.js';
import { PrivacyService } from '../../privacy/privacy.service.js';
import { Access, CsrfInMediaForm, CurrentCaller, CurrentContributor, SkipCsrf, StaffBrowser, type Caller, type ContributorCaller } from '../../staff/access.js';
import { SESSION_COOKIES, SessionsService } from '../../staff/sessions.service.js';
import { answerForm, sendPage } from '../shared/form-outcome.js';
import { formText, queryText } from '../shared/form-input.js';
import { allProblems, pageWords, payeeForm } from './payee-form.js';
import { StatusFilesRefusedInterceptor } from './status-files-refused.interceptor.js';
import { statusNotice, StatusViews, type OfferFormState, type StatusTipState } from './status-views.js';

/**
 * The contributor's status pages: sign in with the receipt's reference and secret, see where the
 * tip stands, read the desk's messages and reply, sign out. Forms post here and get a page back,
 * or a 303 to the next page; nothing needs JavaScript. (Cache-Control: no-store is set for every
 * /status address in WebModule, error pages and redirects included.)
 */
@ApiExcludeController()
@Controller('status')
export class StatusController {
  constructor(
    private readonly views: StatusViews,
    private readonly contributors: ContributorsService,
    private readonly sessions: SessionsService,
    private readonly payouts: PayoutsService,
    private readonly privacy: PrivacyService,
  ) {}

  /** The receipt page links here with `?reference=`. */
  @Get()
  @Access('public')
  form(@CurrentCaller() caller: Caller, @Query('reference') reference: unknown, @Query('notice') notice: unknown): string {
    const given = queryText(reference, 40) || undefined;
    return this.views.signIn({ reference: given, fromReceipt: Boolean(given), notice: statusNotice(notice), signedIn: caller.kind === 'contributor' });
  }

  /**
   * No session exists yet, so no CSRF token: the guard checks the Origin instead. A wrong secret
   * and an unknown reference get the same words and status; a lock-out says how long to wait.
   */
  @Post('sign-in')
  @Access('public')
  @SkipCsrf()
  async signIn(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const input = { reference: formText(body, 'reference'), secret: formText(body, 'secret') };
    const reference = input.reference.slice(0, 40);
    const { value, errors } = await validateInput(ContributorSignInDto, input);
    if (errors) return sendPage(res, HttpStatus.BAD_REQUEST, this.views.signIn({ reference, errors }));
    return answerForm(
      res,
      async () => {
        const signedIn = await this.contributors.signIn(value.reference, value.secret, req.ip ?? 'unknown');
        // Whatever contributor session this browser had ends here: signing in never keeps an old id.
        await this.sessions.revokeToken(req.cookies?.[SESSION_COOKIES.contributor]);
        this.sessions.setCookie(req, res, 'contributor', signedIn.token);
        return '/status/tip';
      },
      (error) => this.views.signIn({ reference, formError: error.message }),
    );
  }

  @Get('tip')
  @Access('contributor')
  async tip(@CurrentContributor() caller: ContributorCaller, @Query('notice') notice: unknown, @Query('files') files: unknown): Promise<string> {
    return this.views.tip(await this.contributors.tip(caller.tipId), {
      csrfToken: caller.session.csrfToken,
      notice: statusNotice(notice, files),
      erasure: { request: await this.privacy.requestOfTip(caller.tipId) },
    });
  }

  /** "Delete my tip and my details": the request goes to the admins (/desk/admin/erasure); the certificate appears here once it is carried out. */
  @Post('tip/erasure-request')
  @Access('contributor')
  async requestErasure(@CurrentContributor() caller: ContributorCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await answerForm(
      res,
      async () => {
        if (formText(body, 'confirm') !== 'yes') throw new ErasureNotConfirmedError();
        await this.privacy.requestErasure(caller.tipId);
        return '/status/tip?notice=erasure-requested#erasure';
      },
      async (error) =>
        this.views.tip(await this.contributors.tip(caller.tipId), {
          csrfToken: caller.session.csrfToken,
          erasure: { request: await this.privacy.requestOfTip(caller.tipId), error: error.message },
        }),
    );
  }

  /**
   * "Add more files": a multipart form whose `_csrf` field comes before its files. The same
   * service as the API; a refusal (type, size, count, a closed tip) comes back as this page with
   * the reason by the form (StatusFilesRefusedInterceptor), and nothing is kept.
   */
  @Post('tip/files')
  @Access('contributor')
  @CsrfInMediaForm()
  @UseInterceptors(StatusFilesRefusedInterceptor, MediaUploadInterceptor)
  async addFiles(@CurrentContributor() caller: ContributorCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { added } = await this.contributors.addMedia(caller.tipId, uploadedMedia(req));
    res.redirect(HttpStatus.SEE_OTHER, `/status/tip?notice=files-added&files=${added.length}#files`);
  }

  @Post('tip/messages')
  @Access('contributor')
  async reply(@CurrentContributor() caller: ContributorCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const typed = formText(body, 'body');
    const { value, errors } = await validateInput(ContributorReplyDto, { body: typed });
    if (errors) {
      const page = this.views.tip(await this.contributors.tip(caller.tipId), {
        csrfToken: caller.session.csrfToken,
        replyError: errors.body?.join('. ') ?? 'Write your reply',
        replyValue: typed,
      });
      return sendPage(res, HttpStatus.BAD_REQUEST, page);
    }
    await this.contributors.reply(caller.tipId, value.body);
    res.redirect(HttpStatus.SEE_OTHER, '/status/tip?notice=reply-sent#messages');
  }

  /**
   * The offer form on the tip page: accepting re-confirms the licence and gives payout details.
   * It posts to the page's own address, so a form that comes back with a mistake is still the
   * tip page at /status/tip (its errors listed at the top, focus there), never a form address.
   */
  @Post('tip')
  @Access('contributor')
  async accept(
    @CurrentContributor() caller: ContributorCaller,
    @Body() body: Record<string, unknown>,
    @StaffBrowser() staffBrowser: { staffId: string | null } | null,
    @Res() res: Response,
  ): Promise<void> {
    const { value: payoutId, errors: idErrors } = await validateInput(PayoutIdParams, { id: formText(body, 'payoutId') });
    if (idErrors)
      throw new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'This form does not name an offer: reload the page and try again.', {
        payoutId: idErrors.id,
      });
    const { id } = payoutId;
    const { values, payee } = payeeForm(body);
    const confirmed = formText(body, 'confirmLicence') === 'true';
    const input = { confirmLicence: confirmed, ...payee };
    const shown = { ...values, confirmLicence: confirmed ? 'true' : '' };
    const { value, errors } = await validateInput(AcceptPayoutDto, input);
    if (errors) return sendPage(res, HttpStatus.BAD_REQUEST, await this.offerPage(caller, { payoutId: id, values: shown, errors: allProblems(payee, errors) }));
    return answerForm(
      res,
      async () => {
        await this.payouts.accept(caller.tipId, id, value, staffBrowser);
        return '/status/tip?notice=offer-accepted';
      },
      (error) =>
        this.offerPage(
          caller,
          error.fields ? { payoutId: id, values: shown, errors: pageWords(error.fields) } : { payoutId: id, values: shown, formError: error.message },
        ),
      (error) => error.status === HttpStatus.NOT_FOUND,
    );
  }

  /** "No thanks": asks first, on a page of its own (declining is final); works without JavaScript. */
  @Get('tip/payouts/:id/decline')
  @Access('contributor')
  async declineConfirm(@CurrentContributor() caller: ContributorCaller, @Param() { id }: PayoutIdParams, @Res() res: Response): Promise<void> {
    const tip = await this.contributors.tip(caller.tipId);
    const payout = tip.payouts.find((p) => p.id === id);
    if (!payout) throw new NotFoundError('PAYOUT_NOT_FOUND', 'There is no payout with that id.');
    // An offer already answered or withdrawn: the tip page says where it stands.
    if (payout.state !== 'offered') return res.redirect(HttpStatus.SEE_OTHER, '/status/tip#payments');
    sendPage(res, HttpStatus.OK, this.views.declineConfirm(tip, payout, caller.session.csrfToken));
  }

  @Post('tip/payouts/:id/decline')
  @Access('contributor')
  async decline(@CurrentContributor() caller: ContributorCaller, @Param() { id }: PayoutIdParams, @Res() res: Response): Promise<void> {
    return answerForm(
      res,
      async () => {
        await this.payouts.decline(caller.tipId, id);
        return '/status/tip?notice=offer-declined';
      },
      (error) => this.offerPage(caller, { payoutId: id, formError: error.message }),
      // Only an offer no longer open (withdrawn, already answered) is shown on the page.
      (error) => error.status !== HttpStatus.CONFLICT,
    );
  }

  /** New payout details (after a failed payment, or a changed account): used for every payment not yet sent. */
  @Post('tip/payee-details')
  @Access('contributor')
  async changePayee(
    @CurrentContributor() caller: ContributorCaller,
    @Body() body: Record<string, unknown>,
    @StaffBrowser() staffBrowser: { staffId: string | null } | null,
    @Res() res: Response,
  ): Promise<void> {
    const { values, payee } = payeeForm(body);
    const { value, errors } = await validateInput(PayeeDetailsDto, payee);
    if (errors) return sendPage(res, HttpStatus.BAD_REQUEST, await this.tipPage(caller, { payee: { values, errors: allProblems(payee, errors) } }));
    return answerForm(
      res,
      async () => {
        await this.payouts.changePayee(caller.tipId, value, staffBrowser);
        return '/status/tip?notice=details-updated';
      },
      (error) => this.tipPage(caller, { payee: error.fields ? { values, errors: pageWords(error.fields) } : { values, formError: error.message } }),
    );
  }

  /** The tip page as it is now, with a form's problem. */
  private async tipPage(caller: ContributorCaller, state: Omit<StatusTipState, 'csrfToken'>): Promise<string> {
    return this.views.tip(await this.contributors.tip(caller.tipId), { csrfToken: caller.session.csrfToken, ...state });
  }

  /** The tip page with an offer form's problem by that offer. */
  private async offerPage(caller: ContributorCaller, offer: OfferFormState): Promise<string> {
    const tip = await this.contributors.tip(caller.tipId);
    // An offer withdrawn meanwhile is no longer on the page: say why at the top instead.
    const notice = offer.formError && !tip.payouts.some((p) => p.id === offer.payoutId && p.state === 'offered') ? offer.formError : undefined;
    return this.views.tip(tip, { csrfToken: caller.session.csrfToken, offer, notice });
  }

  @Post('sign-out')
  @Access('contributor')
  async signOut(@CurrentContributor() caller: ContributorCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.sessions.revoke(caller.session.tokenHash);
    this.sessions.clearCookie(req, res, 'contributor');
    res.redirect(HttpStatus.SEE_OTHER, '/status?notice=signed-out');
  }
}
