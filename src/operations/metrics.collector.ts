import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PAYOUT_STATES } from '../payouts/payouts.entities.js';
import { TIP_STATUSES } from '../tips/tips.entities.js';
import { cachedReading, Metrics } from '../metrics/metrics.js';
import { MetricsRepository } from './metrics.repository.js';

// Scrapers come every 15-60 s; a count over a million tips is not worth doing more often than this.
const COUNTS_TTL_MS = 10_000;

/** The gauges that describe the database: queue depth by tip status and payouts by state. */
@Injectable()
export class MetricsCollector implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly repository: MetricsRepository,
  ) {}

  onModuleInit(): void {
    const tips = cachedReading(COUNTS_TTL_MS, () => this.repository.tipsByStatus());
    this.metrics.gaugeFromReading('tipdesk_tips', 'Tips by status (the desk queue is status="new"); cached 10 s', ['status'], async () => {
      const counts = new Map((await tips()).map((row) => [row.status, row.count]));
      // Every status, zeros included, so a series never disappears from a dashboard.
      return TIP_STATUSES.map((status) => ({ labels: { status }, value: counts.get(status) ?? 0 }));
    });
    const payouts = cachedReading(COUNTS_TTL_MS, () => this.repository.payoutsByState());
    this.metrics.gaugeFromReading('tipdesk_payouts', 'Payouts by state; cached 10 s', ['state'], async () => {
      const counts = new Map((await payouts()).map((row) => [row.state, row.count]));
      return PAYOUT_STATES.map((state) => ({ labels: { state }, value: counts.get(state) ?? 0 }));
    });
  }
}
