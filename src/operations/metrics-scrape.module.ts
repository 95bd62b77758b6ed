import { Module } from '@nestjs/common';
import { MetricsCollector } from './metrics.collector.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRepository } from './metrics.repository.js';

/**
 * The scrape side of the metrics: /metrics and the gauges read from the database (tips by
 * status, payouts by state). It sits above the modules it counts; the registry every module
 * records into (Metrics, in metrics/metrics.module.ts) sits below them all, so http/, tips/ or
 * uploads/ may count things without depending on what the scrape reads.
 */
@Module({
  controllers: [MetricsController],
  providers: [MetricsRepository, MetricsCollector],
})
export class MetricsScrapeModule {}
