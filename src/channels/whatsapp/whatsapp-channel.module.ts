import { Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ChannelSenderRegistry } from '../../notifications/channel-senders.js';
import { ChannelsModule } from '../channels.module.js';
import { WhatsAppChannelSender } from './whatsapp-channel.sender.js';
import { WhatsAppGraphClient } from './whatsapp-graph.client.js';
import { WhatsAppMediaFetcher } from './whatsapp-media.fetcher.js';
import { WhatsAppMediaRetryService } from './whatsapp-media-retry.service.js';
import { WhatsAppWebhookController } from './whatsapp-webhook.controller.js';
import { WhatsAppWebhookService } from './whatsapp-webhook.service.js';

/**
 * The WhatsApp Business Cloud API channel: the webhook in, media downloads and retries, replies
 * out. The sender registers with notifications' ChannelSenderRegistry only when replies can be
 * sent; otherwise a WhatsApp tip's contributor gets what a web tip's does.
 */
@Module({
  imports: [ChannelsModule],
  controllers: [WhatsAppWebhookController],
  providers: [WhatsAppGraphClient, WhatsAppMediaFetcher, WhatsAppWebhookService, WhatsAppMediaRetryService, WhatsAppChannelSender],
  exports: [WhatsAppChannelSender],
})
export class WhatsAppChannelModule implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly senders: ChannelSenderRegistry,
    private readonly sender: WhatsAppChannelSender,
  ) {}

  onModuleInit(): void {
    if (this.config.WHATSAPP_ACCESS_TOKEN && this.config.WHATSAPP_PHONE_NUMBER_ID) this.senders.register(this.sender);
  }
}
