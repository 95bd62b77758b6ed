import { Controller, Get, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config.js';
import { Access } from '../staff/access.js';
import { mayReadMetrics } from './metrics-access.js';
import { Metrics } from '../metrics/metrics.js';

/** Prometheus text at /metrics, for the operators' scraper (see README, Operations). */
@ApiExcludeController()
@Controller('metrics')
@Access('public')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    // The access decision lives here, not in the guard: to a stranger this path does not exist.
    if (!mayReadMetrics(req.ip, req.header('authorization'), this.config.METRICS_TOKEN)) throw new NotFoundException(`Cannot GET ${req.path}`);
    const text = await this.metrics.text();
    res.status(200).setHeader('Content-Type', this.metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(text);
  }
}
