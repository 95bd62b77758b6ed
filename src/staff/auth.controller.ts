import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access, AllowPendingTotp, CurrentStaffSession, SkipCsrf, type StaffCaller } from './access.js';
import { AuthService } from './auth.service.js';
import { ChangePasswordDto, LoginDto, RecoveryCodesDto, SessionDto, SetupFirstAdminDto, TotpCodeDto, TotpEnrolmentDto } from './dto/staff.dto.js';
import { SESSION_COOKIES, SessionsService } from './sessions.service.js';

const STAFF_ROLES_ALL = ['admin', 'editor', 'accounting'] as const;

@ApiTags('staff sign-in')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('login')
  @HttpCode(200)
  @Access('public')
  @SkipCsrf()
  @ApiOperation({ summary: 'Sign in; sets the session cookie and returns the CSRF token' })
  @ApiOkResponse({ type: SessionDto })
  async login(@Body() body: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    const signedIn = await this.auth.signIn(body, req.ip ?? 'unknown');
    // Whatever session this browser had ends here: signing in never keeps an old id.
    await this.sessions.revokeToken(req.cookies?.[SESSION_COOKIES.staff]);
    this.sessions.setCookie(req, res, 'staff', signedIn.token);
    res.setHeader('Cache-Control', 'no-store');
    return { user: signedIn.user, csrfToken: signedIn.csrfToken, totpEnrolmentRequired: this.auth.enrolmentRequired(signedIn.user) };
  }

  @Post('logout')
  @HttpCode(204)
  @Access(...STAFF_ROLES_ALL)
  @AllowPendingTotp()
  async logout(@CurrentStaffSession() caller: StaffCaller, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.signOut(caller);
    this.sessions.clearCookie(req, res, 'staff');
  }

  @Get('me')
  @Access(...STAFF_ROLES_ALL)
  @AllowPendingTotp()
  @ApiOkResponse({ type: SessionDto })
  me(@CurrentStaffSession() caller: StaffCaller): Promise<SessionDto> {
    return this.auth.me(caller);
  }

  @Post('totp/setup')
  @HttpCode(200)
  @Access(...STAFF_ROLES_ALL)
  @AllowPendingTotp()
  @ApiOperation({ summary: 'Start enrolling an authenticator app: a new secret and its QR code' })
  @ApiOkResponse({ type: TotpEnrolmentDto })
  startTotp(@CurrentStaffSession() caller: StaffCaller): Promise<TotpEnrolmentDto> {
    return this.auth.startTotpEnrolment(caller.user);
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @Access(...STAFF_ROLES_ALL)
  @AllowPendingTotp()
  @ApiOperation({ summary: 'Finish enrolling with a code from the app; returns the recovery codes, once' })
  @ApiOkResponse({ type: RecoveryCodesDto })
  confirmTotp(@CurrentStaffSession() caller: StaffCaller, @Body() body: TotpCodeDto): Promise<RecoveryCodesDto> {
    return this.auth.confirmTotpEnrolment(caller.user, body.code);
  }

  @Post('password')
  @HttpCode(204)
  @Access(...STAFF_ROLES_ALL)
  @AllowPendingTotp()
  async changePassword(@CurrentStaffSession() caller: StaffCaller, @Body() body: ChangePasswordDto): Promise<void> {
    await this.auth.changePassword(caller, body.currentPassword, body.newPassword);
  }

  @Post('setup')
  @HttpCode(201)
  @Access('public')
  @SkipCsrf()
  @ApiOperation({ summary: 'Create the first admin with the one-time link from the log (only while there are no staff)' })
  @ApiOkResponse({ type: SessionDto })
  async setup(@Body() body: SetupFirstAdminDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    const signedIn = await this.auth.setupFirstAdmin(body);
    this.sessions.setCookie(req, res, 'staff', signedIn.token);
    res.setHeader('Cache-Control', 'no-store');
    return { user: signedIn.user, csrfToken: signedIn.csrfToken, totpEnrolmentRequired: this.auth.enrolmentRequired(signedIn.user) };
  }
}
