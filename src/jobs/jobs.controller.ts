import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../staff/access.js';
import { JobsService, type DeadLetter } from './jobs.service.js';

@ApiTags('jobs')
@Controller('api/jobs')
@Access('admin')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get('dead-letters')
  @ApiOperation({ summary: 'Background jobs that failed for good (newest first): queue, media id, error code, attempts, when' })
  @ApiResponse({ status: 200, description: '`{items: [{id, queue, mediaId, errorCode, attempts, failedAt}]}`' })
  async deadLetters(): Promise<{ items: DeadLetter[] }> {
    return { items: await this.jobs.deadLetters() };
  }
}
