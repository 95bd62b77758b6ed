import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { PaperLogoController } from './settings.controller.js';
import { SettingsRepository } from './settings.repository.js';
import { PaperSettingsService } from './settings.service.js';

/** The paper settings: name, logo, public contacts, privacy notice, dates and the paying account. */
@Module({
  imports: [AuditModule],
  controllers: [PaperLogoController],
  providers: [SettingsRepository, PaperSettingsService],
  exports: [PaperSettingsService],
})
export class SettingsModule {}
