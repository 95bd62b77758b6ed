import { Module, type OnModuleInit } from '@nestjs/common';
import { ChannelSenderRegistry } from '../../notifications/channel-senders.js';
import { ChannelsModule } from '../channels.module.js';
import { EmailChannelSender } from './email-channel.sender.js';
import { EmailIntakeService } from './email-intake.service.js';
import { InboundEmailController } from './inbound-email.controller.js';
import { InboundEmailParser } from './inbound-email.parser.js';
import { InboundEmailTokenGuard } from './inbound-email-token.guard.js';
import { SmtpListener } from './smtp-listener.js';

/**
 * Email in (the webhook, and the SMTP listener when INBOUND_SMTP_PORT is set) and out (an
 * editor's message as a reply mail). The sender registers with notifications'
 * ChannelSenderRegistry, where NotificationsService finds it.
 */
@Module({
  imports: [ChannelsModule],
  controllers: [InboundEmailController],
  providers: [InboundEmailParser, EmailIntakeService, InboundEmailTokenGuard, SmtpListener, EmailChannelSender],
  exports: [EmailIntakeService, SmtpListener, EmailChannelSender],
})
export class EmailChannelModule implements OnModuleInit {
  constructor(
    private readonly senders: ChannelSenderRegistry,
    private readonly sender: EmailChannelSender,
  ) {}

  onModuleInit(): void {
    this.senders.register(this.sender);
  }
}
