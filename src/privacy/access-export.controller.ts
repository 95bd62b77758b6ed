import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Access, CurrentContributor, type ContributorCaller } from '../staff/access.js';
import { AccessExportService } from './access-export.service.js';

/** The contributor's right of access: GET, so the status page's plain link downloads it. */
@ApiTags('contributor')
@Controller('api/contributor')
export class AccessExportController {
  constructor(private readonly exports: AccessExportService) {}

  @Get('export')
  @Access('contributor')
  @ApiOperation({
    summary:
      'Everything tipdesk holds about the signed-in tip as one ZIP, streamed: tip, contact details, consents with the terms text, messages, payouts (masked account) and the files',
  })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'The ZIP (README.txt, tip.json, contact.json, consents.json, messages.json, payouts.json, files.json, files/…)' })
  @ApiResponse({ status: 429, description: 'RATE_LIMITED: more than 10 downloads of this tip in an hour (see Retry-After)' })
  @ApiUnauthorizedResponse({ description: 'AUTH_REQUIRED: no contributor session (a staff session gets 403 FORBIDDEN)' })
  async download(@CurrentContributor() caller: ContributorCaller, @Res() res: Response): Promise<void> {
    const { filename, zip } = await this.exports.download(caller.tipId);
    res.status(200);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pipeline(zip, res);
    } catch (error) {
      // The contributor cancelled the download: the pipeline has closed the blob streams already.
      if (res.destroyed && (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      // Half a ZIP has gone out: the only honest answer is a cut connection (the filter logs it).
      throw error;
    }
  }
}
