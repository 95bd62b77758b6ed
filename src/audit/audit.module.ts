import { Module } from '@nestjs/common';
import { AuditExportService } from './audit-export.service.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/** The append-only audit trail every module writes to (its page and export: audit-log/). */
@Module({ providers: [AuditService, AuditRepository, AuditExportService], exports: [AuditService, AuditExportService] })
export class AuditModule {}
