import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuditController } from './audit.controller.js';

/**
 * The admins' audit log over HTTP (GET /api/audit-events, its signed export). Apart from
 * AuditModule because it sits behind staff access (staff/access.ts), while staff itself records
 * audit events: audit/ stays below staff/, this folder above both.
 */
@Module({ imports: [AuditModule], controllers: [AuditController] })
export class AuditLogModule {}
