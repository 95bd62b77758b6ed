import { Body, Controller, Get, HttpStatus, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ContributorsService } from '../contributors/contributors.service.js';
import { ContributorReplyDto, ContributorSignInDto } from '../contributors/dto/contributor.dto.js';
import { DomainError } from '../http/errors.js';
import { validateInput } from '../http/validation.js';
import { Access, CurrentCaller, CurrentContributor, SkipCsrf, type Caller, type ContributorCaller } from '../staff/access.js';
import { SESSION_COOKIES, SessionsService } from '../staff/sessions.service.js';
import { formText, queryText } from './form-input.js';
import { statusNotice, StatusViews } from './status-views.js';

function send(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html);
}

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
    if (errors) return send(res, HttpStatus.BAD_REQUEST, this.views.signIn({ reference, errors }));
    try {
      const signedIn = await this.contributors.signIn(value.reference, value.secret, req.ip ?? 'unknown');
      // Whatever contributor session this browser had ends here: signing in never keeps an old id.
      await this.sessions.revokeToken(req.cookies?.[SESSION_COOKIES.contributor]);
      this.sessions.setCookie(req, res, 'contributor', signedIn.token);
      res.redirect(HttpStatus.SEE_OTHER, '/status/tip');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      for (const [name, headerValue] of Object.entries(error.headers ?? {})) res.setHeader(name, headerValue);
      send(res, error.status, this.views.signIn({ reference, formError: error.message }));
    }
  }

  @Get('tip')
  @Access('contributor')
  async tip(@CurrentContributor() caller: ContributorCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.tip(await this.contributors.tip(caller.tipId), { csrfToken: caller.session.csrfToken, notice: statusNotice(notice) });
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
      return send(res, HttpStatus.BAD_REQUEST, page);
    }
    await this.contributors.reply(caller.tipId, value.body);
    res.redirect(HttpStatus.SEE_OTHER, '/status/tip?notice=reply-sent#messages');
  }

  @Post('sign-out')
  @Access('contributor')
  async signOut(@CurrentContributor() caller: ContributorCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.sessions.revoke(caller.session.tokenHash);
    this.sessions.clearCookie(req, res, 'contributor');
    res.redirect(HttpStatus.SEE_OTHER, '/status?notice=signed-out');
  }
}
