import { Body, Controller, Headers, HttpCode, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { MediaUploadInterceptor, uploadedMedia } from '../media/media-upload.interceptor.js';
import { Access } from '../staff/access.js';
import { CreateTipDto, TipReceiptDto } from './dto/create-tip.dto.js';
import { IdempotencyKeyCheck, TipRateLimitGuard } from './tip-post.guards.js';
import { TipIntakeService } from './tip-intake.service.js';

@ApiTags('public')
@Controller('api/tips')
@Access('public')
export class TipsController {
  constructor(private readonly intake: TipIntakeService) {}

  @Post()
  @HttpCode(201)
  @UseGuards(TipRateLimitGuard, IdempotencyKeyCheck)
  @UseInterceptors(MediaUploadInterceptor)
  @ApiOperation({ summary: 'Send a tip, as JSON or as multipart/form-data with files in `files`' })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ type: CreateTipDto })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'A retry of the same request (fields and files) with the same key returns the first answer; another request under a used key is 422 IDEMPOTENCY_KEY_REUSED. 16–255 visible ASCII characters',
  })
  @ApiCreatedResponse({ type: TipReceiptDto })
  async create(
    @Body() tip: CreateTipDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<TipReceiptDto> {
    const { receipt, replayed } = await this.intake.submit({
      tip,
      files: uploadedMedia(req),
      channel: 'api',
      clientAddress: req.ip ?? 'unknown',
      userAgent: req.header('user-agent'),
      idempotencyKey,
    });
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Cache-Control', 'no-store');
    return receipt;
  }
}
