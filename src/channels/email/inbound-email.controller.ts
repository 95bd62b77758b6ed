import { Controller, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../http/errors.js';
import { Access } from '../../staff/access.js';
import { EmailIntakeService } from './email-intake.service.js';
import { EmailTooLargeError } from './inbound-email.parser.js';
import { InboundEmailTokenGuard } from './inbound-email-token.guard.js';

/** What Postfix, a pipe script or a provider's inbound hook may send: the raw message, unparsed by anyone. */
const RAW_MAIL_TYPES = ['message/rfc822', 'text/plain', 'application/octet-stream'];

export interface InboundEmailReceipt {
  reference: string;
  /** A new tip (201); false when the mail joined a tip's thread (201) or was a duplicate (200). */
  createdTip: boolean;
  /** The same Message-ID came before: nothing was stored again (200). */
  duplicate: boolean;
}

/**
 * Raw RFC 5322 mail posted by the operator's mail server. Public to the network, but only with
 * the inbound token (InboundEmailTokenGuard); no session, so no CSRF token either. The body is
 * read by nobody but the mail parser, as a stream.
 */
@ApiTags('channels')
@Controller('api/channels/email')
@Access('public')
export class InboundEmailController {
  constructor(
    private readonly email: EmailIntakeService,
    private readonly config: AppConfig,
  ) {}

  @Post('inbound')
  @UseGuards(InboundEmailTokenGuard)
  @ApiBearerAuth()
  @ApiConsumes(...RAW_MAIL_TYPES)
  @ApiOperation({ summary: 'One raw RFC 5322 message: 201 stored (new tip or a thread), 200 a duplicate, 400 EMAIL_MALFORMED, 413 EMAIL_TOO_LARGE' })
  async inbound(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<InboundEmailReceipt> {
    if (!req.is(RAW_MAIL_TYPES)) {
      throw new DomainError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_CONTENT_TYPE', `Send the raw message as ${RAW_MAIL_TYPES.join(', ')}`);
    }
    const declared = Number(req.header('content-length'));
    if (declared > this.config.INBOUND_EMAIL_MAX_BYTES) throw new EmailTooLargeError(this.config.INBOUND_EMAIL_MAX_BYTES);
    const result = await this.email.receive(req, 'webhook');
    res.status(result.duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return { reference: result.reference, createdTip: result.createdTip, duplicate: result.duplicate };
  }
}
