import { Body, Controller, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DeskService } from '../../desk/desk.service.js';
import { TipIdParams } from '../../desk/dto/update-tip.dto.js';
import { DomainError } from '../../http/errors.js';
import { EraseTipDto, LegalHoldDto } from '../../privacy/dto/privacy.dto.js';
import { PrivacyService } from '../../privacy/privacy.service.js';
import { Access, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { formText } from '../shared/form-input.js';
import { answerForm, codes, refusalText, sendPage, validForm } from '../shared/form-outcome.js';
import { PrivacyViews } from './privacy-views.js';

/**
 * The tip page's legal hold and erasure forms (admins). Erasing takes two posts: the form with
 * the reason answers a confirmation page, whose button posts again with `confirm=yes`.
 */
@ApiExcludeController()
@Controller('desk/tips')
@Access('admin')
export class PrivacyPagesController {
  constructor(
    private readonly privacy: PrivacyService,
    private readonly desk: DeskService,
    private readonly views: PrivacyViews,
  ) {}

  @Post(':id/legal-hold')
  async placeHold(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    await answerForm(
      res,
      async () => {
        const { reason } = await validForm(LegalHoldDto, { reason: formText(body, 'reason') });
        await this.privacy.placeHold(caller.user, id, reason);
        return `/desk/tips/${id}?notice=legal-hold-placed#privacy-panel`;
      },
      async (error) => this.confirmPage(caller, id, '', refusalText(error), false),
      codes('TIP_NOT_FOUND'),
    );
  }

  @Post(':id/legal-hold/lift')
  async liftHold(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: TipIdParams, @Res() res: Response): Promise<void> {
    await answerForm(
      res,
      async () => {
        await this.privacy.liftHold(caller.user, id);
        return `/desk/tips/${id}?notice=legal-hold-lifted#privacy-panel`;
      },
      async (error) => this.confirmPage(caller, id, '', refusalText(error), false),
    );
  }

  /** Without `confirm=yes`: the confirmation page. With it: the erasure, then the tip page (now a tombstone with its certificate). */
  @Post(':id/erase')
  async erase(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: TipIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const reasonTyped = formText(body, 'reason');
    if (formText(body, 'confirm') !== 'yes') {
      let status: number = HttpStatus.OK;
      let problem: string | undefined;
      try {
        await validForm(EraseTipDto, { reason: reasonTyped });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        status = error.status;
        problem = refusalText(error);
      }
      return sendPage(res, status, await this.confirmPage(caller, id, reasonTyped, problem));
    }
    await answerForm(
      res,
      async () => {
        const { reason } = await validForm(EraseTipDto, { reason: reasonTyped });
        await this.privacy.erase(caller.user, id, reason);
        return `/desk/tips/${id}?notice=tip-erased#privacy-panel`;
      },
      async (error) => this.confirmPage(caller, id, reasonTyped, refusalText(error)),
      codes('TIP_NOT_FOUND'),
    );
  }

  private async confirmPage(caller: StaffCaller, id: string, reason: string, error?: string, erasing = true): Promise<string> {
    const tip = await this.desk.detail(caller.user, id);
    return this.views.confirmErase(caller, tip, reason, error, erasing);
  }
}
