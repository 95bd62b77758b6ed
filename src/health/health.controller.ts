import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../logging/logger.js';
import { bankHolidayCoverage, type BankHolidayCoverage } from '../calendar/bank-holidays.js';
import { Access } from '../staff/access.js';
import { BLOB_STORE, type BlobStore } from '../storage/blob-store.js';
import { HealthRepository } from './health.repository.js';

type Check = 'up' | 'down';

interface Readiness {
  status: 'ok' | 'degraded';
  database: Check;
  storage: { driver: string; status: Check };
  bankHolidays: BankHolidayCoverage;
}

// A load balancer polling every second from several places must not become the database's load.
const READY_CACHE_MS = 1000;

@ApiTags('operations')
@Controller('health')
@Access('public')
export class HealthController {
  private readonly logger: Logger;
  private ready?: { at: number; answer: Promise<Readiness> };

  constructor(
    private readonly repository: HealthRepository,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'health' });
  }

  @Get('live')
  @ApiOperation({ summary: 'Is the process up and its event loop turning? Always 200; no I/O (for a liveness probe)' })
  live(@Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    return { status: 'ok' };
  }

  @Get()
  @ApiOperation({ summary: 'The same as /health/ready (kept for existing monitors)' })
  health(@Res({ passthrough: true }) res: Response) {
    return this.readiness(res);
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Can this process serve? Database reachable and storage usable (read-only checks, cached 1 s): 200 if both, else 503; warns when the bank-holiday table runs out within 60 days',
  })
  readiness(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const now = Date.now();
    if (!this.ready || now - this.ready.at >= READY_CACHE_MS) this.ready = { at: now, answer: this.check() };
    return this.ready.answer.then((answer) => {
      res.status(answer.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).setHeader('Cache-Control', 'no-store');
      return answer;
    });
  }

  private async check(): Promise<Readiness> {
    const [database, storage] = await Promise.all([this.probe('database', () => this.repository.ping()), this.probe('storage', () => this.store.check())]);
    const bankHolidays = bankHolidayCoverage(this.config.bankHolidays, new Date());
    if (bankHolidays.warning) this.logger.warn({ coveredUntil: bankHolidays.coveredUntil }, bankHolidays.warning);
    return {
      status: database === 'up' && storage === 'up' ? 'ok' : 'degraded',
      database,
      storage: { driver: this.store.driver, status: storage },
      bankHolidays,
    };
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
