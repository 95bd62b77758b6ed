import { Body, Controller, Get, HttpStatus, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError, ValidationFailedError, type FieldErrors } from '../../http/errors.js';
import { validateInput } from '../../http/validation.js';
import { Access, AllowPendingTotp, CurrentCaller, CurrentStaffSession, SkipCsrf, type Caller, type StaffCaller } from '../../staff/access.js';
import { AuthService } from '../../staff/auth.service.js';
import { ChangePasswordDto, LoginDto, SetupFirstAdminDto, TotpCodeDto } from '../../staff/dto/staff.dto.js';
import { SESSION_COOKIES, SessionsService } from '../../staff/sessions.service.js';
import { totpEnrolment } from '../../staff/totp.js';
import { DeskNewsInterceptor } from '../shared/desk-news.interceptor.js';
import { STAFF_ROLES, type StaffRole } from '../../staff/staff.entities.js';
import { formText } from '../shared/form-input.js';
import { answerForm, sendPage } from '../shared/form-outcome.js';
import { noticeText } from '../shared/notices.js';
import { landingPage, localDeskPath, roleOpens } from '../shared/staff-paths.js';
import { DeskViews, type AccountState } from './desk-views.js';

/** A base32 TOTP secret as the enrolment page showed it (only redrawn, never trusted). */
const TOTP_SECRET = /^[A-Z2-7]{16,64}$/;

/** The page a sign-in leads to: the one asked for when the role works there, else the role's own start page. */
function homeAfterSignIn(role: StaffRole, next: string | undefined): string {
  return next && roleOpens(role, next) ? next : landingPage(role);
}

/**
 * Signing in and out of the desk, the first admin's one-time setup, and a person's own account
 * (password, two-factor sign-in). Forms post here and get a page back, or a 303 to the next page.
 */
@ApiExcludeController()
@Controller('desk')
export class DeskAuthController {
  constructor(
    private readonly views: DeskViews,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Get('setup')
  @Access('public')
  async setupForm(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    const valid = typeof token === 'string' && (await this.auth.setupTokenValid(token));
    if (!valid) return sendPage(res, HttpStatus.GONE, this.views.setupInvalid('This setup link has expired or has already been used.'));
    sendPage(res, HttpStatus.OK, this.views.setup(token));
  }

  /** No session exists yet, so no CSRF token: the guard checks the Origin instead. */
  @Post('setup')
  @Access('public')
  @SkipCsrf()
  async setup(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const token = formText(body, 'token');
    const input = { token, email: formText(body, 'email'), name: formText(body, 'name'), password: formText(body, 'password') };
    const { value, errors } = await validateInput(SetupFirstAdminDto, input);
    const mismatch: FieldErrors = input.password !== formText(body, 'passwordAgain') ? { passwordAgain: ['The two passwords are not the same'] } : {};
    if (errors || Object.keys(mismatch).length) {
      return sendPage(res, HttpStatus.BAD_REQUEST, this.views.setup(token, { values: body, errors: { ...errors, ...mismatch } }));
    }
    return answerForm(
      res,
      async () => {
        const signedIn = await this.auth.setupFirstAdmin(value);
        this.sessions.setCookie(req, res, 'staff', signedIn.token);
        return '/desk/account?notice=welcome';
      },
      (error) =>
        error.status === HttpStatus.GONE
          ? this.views.setupInvalid(error.message)
          : this.views.setup(token, { values: body, errors: error.fields, formError: error.fields ? undefined : error.message }),
    );
  }

  @Get('login')
  @Access('public')
  loginForm(@CurrentCaller() caller: Caller, @Query('next') next: unknown, @Query('notice') notice: unknown, @Res() res: Response): void {
    if (caller.kind === 'staff') return res.redirect(HttpStatus.SEE_OTHER, homeAfterSignIn(caller.user.role, localDeskPath(next)));
    sendPage(res, HttpStatus.OK, this.views.login({ next: localDeskPath(next) }, noticeText(notice)));
  }

  /** Wrong email and wrong password get the same words; a locked account says how long to wait. */
  @Post('login')
  @Access('public')
  @SkipCsrf()
  async login(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const next = localDeskPath(body.next);
    const hadTotp = typeof body.totp === 'string';
    const { value, errors } = await validateInput(LoginDto, {
      email: formText(body, 'email'),
      password: formText(body, 'password'),
      totp: body.totp === undefined ? undefined : formText(body, 'totp'),
    });
    if (errors) return sendPage(res, HttpStatus.BAD_REQUEST, this.views.login({ next, values: body, errors, showTotp: hadTotp }));
    return answerForm(
      res,
      async () => {
        const signedIn = await this.auth.signIn(value, req.ip ?? 'unknown');
        // Whatever session this browser had ends here: signing in never keeps an old id.
        await this.sessions.revokeToken(req.cookies?.[SESSION_COOKIES.staff]);
        this.sessions.setCookie(req, res, 'staff', signedIn.token);
        // Each role lands on its own home: an accountant who opened /desk first is not shown "Not allowed".
        return this.auth.enrolmentRequired(signedIn.user) ? '/desk/account' : homeAfterSignIn(signedIn.user.role, next);
      },
      (error) => {
        const showTotp = hadTotp || error.code === 'TOTP_REQUIRED' || error.code === 'TOTP_INVALID';
        // TOTP_REQUIRED is the next step, not a mistake: the message asks for the code, no field is marked wrong.
        const errorsShown = error.code === 'TOTP_REQUIRED' ? undefined : error.code === 'TOTP_INVALID' ? { totp: [error.message] } : error.fields;
        const nextStep = error.code === 'TOTP_REQUIRED';
        return this.views.login({
          next,
          values: body,
          showTotp,
          errors: errorsShown,
          formError: nextStep || error.code === 'TOTP_INVALID' ? undefined : error.message,
          formNote: nextStep ? error.message : undefined,
        });
      },
    );
  }

  @Post('logout')
  @Access(...STAFF_ROLES)
  @AllowPendingTotp()
  async logout(@CurrentStaffSession() caller: StaffCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.auth.signOut(caller);
    this.sessions.clearCookie(req, res, 'staff');
    res.redirect(HttpStatus.SEE_OTHER, '/desk/login?notice=signed-out');
  }

  @Get('account')
  @Access(...STAFF_ROLES)
  @AllowPendingTotp()
  @UseInterceptors(DeskNewsInterceptor)
  async account(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.account(caller, await this.accountState(caller, { notice: noticeText(notice) }));
  }

  @Post('account/password')
  @Access(...STAFF_ROLES)
  @AllowPendingTotp()
  async changePassword(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const input = { currentPassword: formText(body, 'currentPassword'), newPassword: formText(body, 'newPassword') };
    const { value, errors } = await validateInput(ChangePasswordDto, input);
    const mismatch: FieldErrors =
      input.newPassword !== formText(body, 'newPasswordAgain') ? { newPasswordAgain: ['The two new passwords are not the same'] } : {};
    return answerForm(
      res,
      async () => {
        if (errors || Object.keys(mismatch).length) throw new ValidationFailedError({ ...errors, ...mismatch });
        await this.auth.changePassword(caller, value!.currentPassword, value!.newPassword);
        return '/desk/account?notice=password-changed';
      },
      async (error) => this.views.account(caller, await this.accountState(caller, { password: { errors: error.fields } })),
      // Only a refused field (the current password, a weak new one) is this form's to show.
      (error) => !error.fields,
    );
  }

  /** A POST, not a GET: it makes a new secret (replacing any enrolment left unfinished). */
  @Post('account/2fa')
  @Access(...STAFF_ROLES)
  @AllowPendingTotp()
  async startTwoFactor(@CurrentStaffSession() caller: StaffCaller, @Res() res: Response): Promise<void> {
    try {
      const enrolment = await this.auth.startTotpEnrolment(caller.user);
      sendPage(res, HttpStatus.OK, this.views.account(caller, await this.accountState(caller, { enrolment })));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      sendPage(res, error.status, this.views.account(caller, await this.accountState(caller, { totpError: error.message })));
    }
  }

  @Post('account/2fa/confirm')
  @Access(...STAFF_ROLES)
  @AllowPendingTotp()
  async confirmTwoFactor(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const secret = formText(body, 'secret');
    const { value, errors } = await validateInput(TotpCodeDto, { code: formText(body, 'code') });
    let codeErrors = errors;
    if (!codeErrors) {
      try {
        const { recoveryCodes } = await this.auth.confirmTotpEnrolment(caller.user, value!.code);
        return sendPage(res, HttpStatus.OK, this.views.account(caller, await this.accountState(caller, { recoveryCodes })));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (!error.fields) return sendPage(res, error.status, this.views.account(caller, await this.accountState(caller, { totpError: error.message })));
        codeErrors = error.fields;
      }
    }
    // Show the same QR code again (the pending secret is unchanged); a tampered secret only confuses its sender.
    const enrolment = TOTP_SECRET.test(secret) ? await totpEnrolment(secret, caller.user.email) : undefined;
    const state = enrolment ? { enrolment, codeErrors } : { totpError: 'That code is not right. Start again.' };
    sendPage(res, HttpStatus.BAD_REQUEST, this.views.account(caller, await this.accountState(caller, state)));
  }

  private async accountState(caller: StaffCaller, extra: Partial<AccountState>): Promise<AccountState> {
    const { user } = await this.auth.me(caller);
    return { user, enrolmentRequired: this.auth.enrolmentRequired(user), ...extra };
  }
}
