import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { DeskController } from './desk.controller.js';
import { DeskService } from './desk.service.js';
import { MessageBodiesRepository } from './message-bodies.repository.js';
import { TipNewsRepository } from './tip-news.repository.js';

/** The editors' queue: list, search, claim, change, notes and messages (API here; the /desk pages call DeskService). */
@Module({
  imports: [AuditModule, StaffModule],
  controllers: [DeskController],
  providers: [DeskService, TipNewsRepository, MessageBodiesRepository],
  exports: [DeskService],
})
export class DeskModule {}
