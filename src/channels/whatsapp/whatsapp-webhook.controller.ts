import { Controller, Get, Header, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access } from '../../staff/access.js';
import { WhatsAppWebhookService, type WebhookReceipt } from './whatsapp-webhook.service.js';

/** Where Meta calls; app-setup gives this path (and no other) a raw-bytes body parser. */
export const WHATSAPP_WEBHOOK_PATH = '/api/channels/whatsapp/webhook';
/** Meta's payloads are a few KB; a body past this is not from Meta. */
export const WHATSAPP_WEBHOOK_BODY_LIMIT = '1mb';

/** Public to the network, but a delivery counts only with Meta's signature over its bytes. */
@ApiExcludeController()
@Controller(WHATSAPP_WEBHOOK_PATH.slice(1))
@Access('public')
export class WhatsAppWebhookController {
  constructor(private readonly webhook: WhatsAppWebhookService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  verify(
    @Query('hub.mode') mode: unknown,
    @Query('hub.verify_token') token: unknown,
    @Query('hub.challenge') challenge: unknown,
    @Res({ passthrough: true }) res: Response,
  ): string {
    const answer = this.webhook.verifySubscription(mode, token, challenge);
    // Meta reads the challenge back as the whole body; set only on success so errors stay JSON.
    res.type('text/plain');
    return answer;
  }

  @Post()
  @HttpCode(200)
  receive(@Req() req: Request, @Headers('x-hub-signature-256') signature: string | undefined): Promise<WebhookReceipt> {
    return this.webhook.receiveDelivery(req.body, signature);
  }
}
