import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NotFoundError } from '../http/errors.js';
import { Access } from '../staff/access.js';
import { PaperSettingsService } from './settings.service.js';

/**
 * The paper's logo, for the public pages' masthead. It is served as the image type its bytes
 * were sniffed as (never SVG), with nosniff and a sandboxing CSP, so a logo can never run script.
 */
@ApiExcludeController()
@Controller('paper')
@Access('public')
export class PaperLogoController {
  constructor(private readonly settings: PaperSettingsService) {}

  @Get('logo')
  async logo(@Req() req: Request, @Res() res: Response): Promise<void> {
    const logo = await this.settings.logo();
    if (!logo) throw new NotFoundError('LOGO_NOT_FOUND', 'This paper has no logo.');
    const etag = `"${logo.sha256}"`;
    res.setHeader('Content-Type', logo.type);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Content-Disposition', 'inline; filename="logo"');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('ETag', etag);
    if (req.header('if-none-match') === etag) {
      res.status(304).end();
      return;
    }
    res.status(200).end(logo.bytes);
  }
}
