import { Global, Module } from '@nestjs/common';
import { MetricsCollector } from './metrics.collector.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRepository } from './metrics.repository.js';
import { Metrics } from './metrics.js';

/** Global: whoever sees something worth counting (uploads, tips, jobs) asks for Metrics. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, MetricsRepository, MetricsCollector],
  exports: [Metrics],
})
export class MetricsModule {}
