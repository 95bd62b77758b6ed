import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../staff/access.js';
import { AuditExportService } from '../audit/audit-export.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AuditEventPageDto, AuditEventsQueryDto } from '../audit/dto/audit-events.dto.js';

@ApiTags('audit')
@Controller('api/audit-events')
@Access('admin')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly exports: AuditExportService,
  ) {}

  @Get('export')
  @ApiOperation({
    summary:
      'Every audit event with its hash, in chain order, as NDJSON; the last line is the chain head signed (HMAC-SHA256 under a key derived from ENCRYPTION_KEY). Check it later with `npm run cli -- audit:verify-export FILE`.',
  })
  @ApiProduces('application/x-ndjson')
  async export(@Res() res: Response): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="tipdesk-audit-${new Date().toISOString().slice(0, 10)}.ndjson"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await this.exports.writeTo(res);
      res.end();
    } catch (error) {
      // Once lines have gone out the only honest answer is a cut connection: no signed head follows.
      if (!res.headersSent) throw error;
      res.destroy(error as Error);
    }
  }

  @Get()
  @ApiOperation({ summary: 'The audit log, newest first: who changed what, filtered, a page at a time (INVALID_CURSOR on a bad cursor)' })
  @ApiOkResponse({ type: AuditEventPageDto })
  search(@Query() query: AuditEventsQueryDto, @Res({ passthrough: true }) res: Response): Promise<AuditEventPageDto> {
    res.setHeader('Cache-Control', 'no-store');
    return this.audit.search(query);
  }
}
