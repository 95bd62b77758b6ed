import { Body, Controller, Get, HttpStatus, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { DomainError } from '../../http/errors.js';
import { PayerChangeDto, PayerChangeIdParams, SettingsVersionDto, UpdatePaperSettingsDto } from '../../settings/dto/settings.dto.js';
import { LOGO_MAX_BYTES, PAPER_FIELDS, PAYER_FIELDS } from '../../settings/paper-settings.js';
import { PaperSettingsService } from '../../settings/settings.service.js';
import { Access, CsrfInMediaForm, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { checkMediaFormCsrf } from '../../staff/access.guard.js';
import { DeskNewsInterceptor } from '../shared/desk-news.interceptor.js';
import { formText } from '../shared/form-input.js';
import { answerForm, codes, validForm } from '../shared/form-outcome.js';
import { noticeText } from '../shared/notices.js';
import { DeskSettingsViews, type SettingsPageState } from './settings-views.js';

/**
 * A logo form: its `_csrf` field first, then one small file, read into memory (a logo is at most
 * LOGO_MAX_BYTES; anything past four times that stops the read). Never used for media.
 */
const readLogoForm = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: LOGO_MAX_BYTES * 4, files: 1, fields: 5, fieldSize: 100, parts: 6, headerPairs: 20 },
  fileFilter: (req, _file, accept) => {
    try {
      checkMediaFormCsrf(req as Request);
      accept(null, true);
    } catch (error) {
      accept(error as Error);
    }
  },
}).single('logo');

/**
 * Paper settings (/desk/admin/settings), for admins: the paper's name and logo, public contact
 * details and privacy notice, the desk's time zone and date style (saved at once), and the
 * paying account each bank format names (a change waits for a second admin).
 */
@ApiExcludeController()
@Controller('desk/admin/settings')
@Access('admin')
@UseInterceptors(DeskNewsInterceptor)
export class DeskSettingsController {
  constructor(
    private readonly views: DeskSettingsViews,
    private readonly settings: PaperSettingsService,
  ) {}

  @Get()
  async page(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.page(caller, await this.state({ notice: noticeText(notice) }));
  }

  @Post()
  async savePaper(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const values = Object.fromEntries([...PAPER_FIELDS, 'version'].map((name) => [name, formText(body, name)]));
    return answerForm(
      res,
      async () => {
        await this.settings.updatePaper(caller.user, await validForm(UpdatePaperSettingsDto, values, 'Some settings are not valid: nothing was saved.'));
        return '/desk/admin/settings?notice=settings-saved';
      },
      (error) => this.settingsPage(caller, { paperForm: { values, errors: error.fields, formError: error.fields ? undefined : error.message } }),
    );
  }

  /** A new logo: sniffed as PNG, JPEG, GIF or WebP by its bytes, at most LOGO_MAX_BYTES; a refusal stores nothing and says why by the field. */
  @Post('logo')
  @CsrfInMediaForm()
  async saveLogo(@CurrentStaffSession() caller: StaffCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    return answerForm(
      res,
      async () => {
        if (!req.is('multipart/form-data'))
          throw new DomainError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'LOGO_NOT_AN_IMAGE', 'Send the logo as a file from the form.', {
            logo: ['Choose an image file for the logo'],
          });
        await new Promise<void>((resolve, reject) => readLogoForm(req, res, (error?: unknown) => (error ? reject(logoUploadRefusal(error)) : resolve())));
        checkMediaFormCsrf(req); // a form without a file still owes its token
        const { version } = await validForm(SettingsVersionDto, { version: formText(req.body ?? {}, 'version') }, 'Reload the page and try again.');
        await this.settings.setLogo(caller.user, req.file ? { bytes: req.file.buffer } : undefined, version);
        return '/desk/admin/settings?notice=logo-saved#logo';
      },
      // The reason by the field: wrong type, too large, no file, a stale page.
      (error) =>
        this.settingsPage(caller, {
          logoError:
            Object.values(error.fields ?? {})
              .flat()
              .join('. ') || error.message,
        }),
      codes('CSRF_TOKEN_INVALID'),
    );
  }

  @Post('logo/remove')
  async removeLogo(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    return answerForm(
      res,
      async () => {
        const { version } = await validForm(SettingsVersionDto, { version: formText(body, 'version') }, 'Reload the page and try again.');
        await this.settings.removeLogo(caller.user, version);
        return '/desk/admin/settings?notice=logo-removed#logo';
      },
      (error) => this.settingsPage(caller, { logoError: error.message }),
    );
  }

  /** Proposes a new paying account; it takes effect when another admin approves it. */
  @Post('payer')
  async proposePayer(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const values = Object.fromEntries(PAYER_FIELDS.map((name) => [name, formText(body, name)]));
    return answerForm(
      res,
      async () => {
        const change = await validForm(PayerChangeDto, values, 'Some of the paying account’s details are not valid: nothing was proposed.');
        await this.settings.proposePayer(caller.user, change);
        return '/desk/admin/settings?notice=payer-proposed#paying-account';
      },
      (error) => this.settingsPage(caller, { payerForm: { values, errors: error.fields, formError: error.fields ? undefined : error.message } }),
    );
  }

  @Post('payer/:id/approve')
  async approvePayer(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: PayerChangeIdParams, @Res() res: Response): Promise<void> {
    return answerForm(
      res,
      async () => {
        await this.settings.approvePayer(caller.user, id);
        return '/desk/admin/settings?notice=payer-approved#paying-account';
      },
      (error) => this.settingsPage(caller, { payerError: error.message }),
      codes('PAYER_CHANGE_NOT_FOUND'),
    );
  }

  /** Another admin rejects it; its proposer withdraws it. */
  @Post('payer/:id/reject')
  async rejectPayer(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: PayerChangeIdParams, @Res() res: Response): Promise<void> {
    return answerForm(
      res,
      async () => `/desk/admin/settings?notice=payer-${await this.settings.rejectPayer(caller.user, id)}#paying-account`,
      (error) => this.settingsPage(caller, { payerError: error.message }),
      codes('PAYER_CHANGE_NOT_FOUND'),
    );
  }

  /** The settings page as it is now, with a form's problem. */
  private async settingsPage(caller: StaffCaller, extra: Partial<SettingsPageState>): Promise<string> {
    return this.views.page(caller, await this.state(extra));
  }

  private async state(extra: Partial<SettingsPageState>): Promise<SettingsPageState> {
    const [paper, payer] = await Promise.all([this.settings.paperFields(), this.settings.payerView()]);
    return { paper, payer, ...extra };
  }
}

/** A refused upload in the words the logo field shows (too large, not one file); anything else as it was. */
function logoUploadRefusal(error: unknown): unknown {
  if (!(error instanceof MulterError)) return error;
  return error.code === 'LIMIT_FILE_SIZE'
    ? new DomainError(HttpStatus.PAYLOAD_TOO_LARGE, 'LOGO_TOO_LARGE', `The logo can be at most ${LOGO_MAX_BYTES / 1024} KB.`)
    : new DomainError(HttpStatus.BAD_REQUEST, 'LOGO_UPLOAD_REFUSED', 'Send one image file as the logo.');
}
