import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { TipsModule } from '../tips/tips.module.js';
import { DeskController } from './desk.controller.js';
import { DeskRepository } from './desk.repository.js';
import { DeskService } from './desk.service.js';
import { TipDetailReadModel } from './tip-detail.read-model.js';
import { MessageBodiesRepository } from './message-bodies.repository.js';
import { TipNewsRepository } from './tip-news.repository.js';

/** The editors' queue: list, search, claim, change, notes and messages (API here; the /desk pages call DeskService). */
@Module({
  imports: [AuditModule, StaffModule, TipsModule],
  controllers: [DeskController],
  providers: [DeskService, DeskRepository, TipDetailReadModel, TipNewsRepository, MessageBodiesRepository],
  exports: [DeskService],
})
export class DeskModule {}
