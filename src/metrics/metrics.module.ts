import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics.js';

/**
 * Global: whoever sees something worth counting (uploads, tips, jobs, http) asks for Metrics. The
 * registry only: /metrics and the database gauges are operations/metrics-scrape.module.ts, above the modules.
 */
@Global()
@Module({
  providers: [Metrics],
  exports: [Metrics],
})
export class MetricsModule {}
