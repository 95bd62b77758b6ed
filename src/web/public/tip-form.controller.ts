import { Body, Controller, Get, Header, HttpStatus, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '../../http/errors.js';
import { validateInput } from '../../http/validation.js';
import { MediaUploadInterceptor, uploadedMedia } from '../../media/media-upload.interceptor.js';
import { MediaService } from '../../media/media.service.js';
import { Access } from '../../staff/access.js';
import { CreateTipDto } from '../../tips/dto/create-tip.dto.js';
import { TipFormRateLimitGuard } from '../../tips/tip-post.guards.js';
import { TipIntakeService } from '../../tips/tip-intake.service.js';
import { join } from 'node:path';
import { sendPage } from '../shared/form-outcome.js';
import { ASSETS_DIR } from '../shared/static-assets.js';
import { TipFormViews } from './tip-form-views.js';

@ApiExcludeController()
@Controller()
@Access('public')
export class TipFormController {
  constructor(
    private readonly views: TipFormViews,
    private readonly intake: TipIntakeService,
    private readonly media: MediaService,
  ) {}

  @Get('/')
  @Header('Cache-Control', 'no-store')
  form(): string {
    return this.views.tipForm();
  }

  /** The paper's privacy notice (its text from the paper settings), linked from every public page. */
  @Get('privacy')
  privacy(): string {
    return this.views.privacy();
  }

  /** Browsers ask for /favicon.ico whatever the page links. */
  @Get('favicon.ico')
  favicon(@Res() res: Response): void {
    res.sendFile(join(ASSETS_DIR, 'favicon.ico'), { maxAge: '1d', headers: { 'Content-Type': 'image/x-icon' } });
  }

  /** The form without JavaScript: the same intake as the API, answered with pages. */
  @Post('/')
  @UseGuards(TipFormRateLimitGuard)
  @UseInterceptors(MediaUploadInterceptor)
  async submit(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const files = uploadedMedia(req);
    if (req.tipProofMissing) {
      // A proof of work was due and none came (JavaScript off): the form again, with the reason.
      await this.media.discard(files);
      return sendPage(res, HttpStatus.FORBIDDEN, this.views.tipForm({ values: body, powRefused: true }));
    }
    // The form's own retry key travels as a hidden field (a browser cannot set headers).
    const { idempotencyKey, ...fields } = body;
    const { value: tip, errors } = await validateInput(CreateTipDto, fields);
    const droppedFiles = files.map((file) => file.displayFilename);
    if (errors) {
      await this.media.discard(files);
      return sendPage(res, HttpStatus.BAD_REQUEST, this.views.tipForm({ values: body, errors, droppedFiles }));
    }
    try {
      const { receipt } = await this.intake.submit({
        tip,
        files,
        channel: 'web',
        clientAddress: req.ip ?? 'unknown',
        userAgent: req.header('user-agent'),
        idempotencyKey: typeof idempotencyKey === 'string' && idempotencyKey ? idempotencyKey : undefined,
      });
      // Not a redirect: the receipt's secret must not travel in an address (a reload replays it by the idempotency key).
      sendPage(res, HttpStatus.CREATED, this.views.tipReceived(receipt));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const form = this.views.tipForm({ values: body, errors: error.fields, formError: error.fields ? undefined : error.message, droppedFiles });
      sendPage(res, error.status, form);
    }
  }
}
