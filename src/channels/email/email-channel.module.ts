import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels.module.js';
import { CHANNEL_SENDERS } from '../inbound-message.js';
import { EmailChannelSender } from './email-channel.sender.js';
import { EmailIntakeService } from './email-intake.service.js';
import { InboundEmailController } from './inbound-email.controller.js';
import { InboundEmailParser } from './inbound-email.parser.js';
import { InboundEmailTokenGuard } from './inbound-email-token.guard.js';
import { SmtpListener } from './smtp-listener.js';

/**
 * Email in (the webhook, and the SMTP listener when INBOUND_SMTP_PORT is set) and out (an
 * editor's message as a reply mail). The sender is offered under CHANNEL_SENDERS, where
 * NotificationsService finds it.
 */
@Module({
  imports: [ChannelsModule],
  controllers: [InboundEmailController],
  providers: [
    InboundEmailParser,
    EmailIntakeService,
    InboundEmailTokenGuard,
    SmtpListener,
    EmailChannelSender,
    { provide: CHANNEL_SENDERS, useExisting: EmailChannelSender },
  ],
  exports: [EmailIntakeService, SmtpListener, EmailChannelSender, CHANNEL_SENDERS],
})
export class EmailChannelModule {}
