import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ChannelsModule } from '../channels.module.js';
import { CHANNEL_SENDERS } from '../inbound-message.js';
import { WhatsAppChannelSender } from './whatsapp-channel.sender.js';
import { WhatsAppGraphClient } from './whatsapp-graph.client.js';
import { WhatsAppMediaFetcher } from './whatsapp-media.fetcher.js';
import { WhatsAppMediaRetryService } from './whatsapp-media-retry.service.js';
import { WhatsAppWebhookController } from './whatsapp-webhook.controller.js';
import { WhatsAppWebhookService } from './whatsapp-webhook.service.js';

/**
 * The WhatsApp Business Cloud API channel: the webhook in, media downloads and retries, replies
 * out. The sender is offered under CHANNEL_SENDERS (NotificationsService collects every one)
 * only when replies can be sent; otherwise a WhatsApp tip's contributor gets what a web tip's does.
 */
@Module({
  imports: [ChannelsModule],
  controllers: [WhatsAppWebhookController],
  providers: [
    WhatsAppGraphClient,
    WhatsAppMediaFetcher,
    WhatsAppWebhookService,
    WhatsAppMediaRetryService,
    WhatsAppChannelSender,
    {
      provide: CHANNEL_SENDERS,
      inject: [AppConfig, WhatsAppChannelSender],
      useFactory: (config: AppConfig, sender: WhatsAppChannelSender) => (config.WHATSAPP_ACCESS_TOKEN && config.WHATSAPP_PHONE_NUMBER_ID ? sender : []),
    },
  ],
  exports: [WhatsAppChannelSender, CHANNEL_SENDERS],
})
export class WhatsAppChannelModule {}
