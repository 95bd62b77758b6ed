import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DeskModule } from '../desk/desk.module.js';
import { MediaModule } from '../media/media.module.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { ChannelIntakeService } from './channel-intake.service.js';
import { ChannelsRepository } from './channels.repository.js';
import { PhoneController } from './phone/phone.controller.js';
import { PhoneService } from './phone/phone.service.js';

/**
 * The intake every channel goes through (ChannelIntakeService), and the desk's phone log. The
 * email and WhatsApp modules import this one and call receive(); replies go back out through
 * NotificationsService, with which the email and WhatsApp modules register their senders.
 */
@Module({
  imports: [AuditModule, DeskModule, MediaModule, RateLimitsModule, TipsModule],
  controllers: [PhoneController],
  providers: [ChannelIntakeService, ChannelsRepository, PhoneService],
  exports: [ChannelIntakeService, PhoneService],
})
export class ChannelsModule {}
