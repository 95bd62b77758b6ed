import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../staff/access.js';
import { AuditService } from './audit.service.js';
import { AuditEventPageDto, AuditEventsQueryDto } from './dto/audit-events.dto.js';

@ApiTags('audit')
@Controller('api/audit-events')
@Access('admin')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit log, newest first: who changed what, filtered, a page at a time (INVALID_CURSOR on a bad cursor)' })
  @ApiOkResponse({ type: AuditEventPageDto })
  search(@Query() query: AuditEventsQueryDto, @Res({ passthrough: true }) res: Response): Promise<AuditEventPageDto> {
    res.setHeader('Cache-Control', 'no-store');
    return this.audit.search(query);
  }
}
