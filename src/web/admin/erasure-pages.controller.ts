import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DeclineErasureDto, ErasureRequestIdParams } from '../../privacy/dto/privacy.dto.js';
import { ErasureNotConfirmedError } from '../../privacy/privacy.errors.js';
import { PrivacyService } from '../../privacy/privacy.service.js';
import { Access, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { compileView } from '../shared/handlebars.js';
import { formText } from '../shared/form-input.js';
import { answerForm, refusalText, validForm } from '../shared/form-outcome.js';
import { noticeText } from '../shared/notices.js';
import { StaffFrame } from '../shared/staff-frame.js';

const templates = { erasure: compileView(import.meta.url, 'erasure') };

/** /desk/admin/erasure: contributors' requests to delete their tip, carried out or declined here. */
@ApiExcludeController()
@Controller('desk/admin/erasure')
@Access('admin')
export class ErasurePagesController {
  constructor(
    private readonly privacy: PrivacyService,
    private readonly frame: StaffFrame,
  ) {}

  @Get()
  async list(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.page(caller, undefined, noticeText(notice));
  }

  @Post(':id/carry-out')
  async carryOut(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: ErasureRequestIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    await answerForm(
      res,
      async () => {
        if (formText(body, 'confirm') !== 'yes') throw new ErasureNotConfirmedError();
        const erased = await this.privacy.carryOut(caller.user, id);
        return `/desk/tips/${erased.tipId}?notice=tip-erased#privacy-panel`;
      },
      async (error) => this.page(caller, refusalText(error)),
    );
  }

  @Post(':id/decline')
  async decline(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: ErasureRequestIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    await answerForm(
      res,
      async () => {
        const { reason } = await validForm(DeclineErasureDto, { reason: formText(body, 'reason') });
        await this.privacy.decline(caller.user, id, reason);
        return '/desk/admin/erasure?notice=erasure-declined';
      },
      async (error) => this.page(caller, refusalText(error)),
    );
  }

  private async page(caller: StaffCaller, error?: string, notice?: string): Promise<string> {
    const body = templates.erasure({ requests: await this.privacy.pendingRequests(), error, csrfToken: caller.session.csrfToken });
    return this.frame.page(caller, { title: 'Erasure requests', page: 'erasure', section: 'erasure', notice }, body);
  }
}
