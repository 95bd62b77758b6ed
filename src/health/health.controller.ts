import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '../logging/logger.js';
import { Access } from '../staff/access.js';
import { BLOB_STORE, type BlobStore } from '../storage/blob-store.js';

type Check = 'up' | 'down';

@ApiTags('operations')
@Controller('health')
@Access('public')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Is the database reachable and file storage writable? 200 if both, else 503' })
  async health(@Res({ passthrough: true }) res: Response) {
    const [database, storage] = await Promise.all([
      this.probe('database', () => this.dataSource.query('SELECT 1')),
      this.probe('storage', () => this.store.check()),
    ]);
    const ok = database === 'up' && storage === 'up';
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).setHeader('Cache-Control', 'no-store');
    return { status: ok ? 'ok' : 'degraded', database, storage: { driver: this.store.driver, status: storage } };
  }

  private async probe(name: string, check: () => Promise<unknown>): Promise<Check> {
    try {
      await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 5 s')), 5000).unref())]);
      return 'up';
    } catch (error) {
      this.logger.warn({ check: name, reason: (error as Error).message }, 'health check failed');
      return 'down';
    }
  }
}
