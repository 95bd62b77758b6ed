import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Scrape-time values: each function's result is cached briefly, so a busy scraper costs one query per window. */
export interface CachedReading<T> {
  (): Promise<T>;
}

/** Caches an async reading for `ttlMs` (one refresh at a time); a failed read answers the last good value, or rethrows. */
export function cachedReading<T>(ttlMs: number, read: () => Promise<T>): CachedReading<T> {
  let value: { at: number; data: T } | undefined;
  let pending: Promise<T> | undefined;
  return () => {
    if (value && Date.now() - value.at < ttlMs) return Promise.resolve(value.data);
    pending ??= read()
      .then((data) => ((value = { at: Date.now(), data }), data))
      .catch((error: unknown) => {
        if (value) return value.data;
        throw error;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}

// Request durations: from a cached page (ms) to a long upload chunk (minutes).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The app's Prometheus metrics, in a registry of its own (so two apps in one test process do not
 * collide). Counters and histograms are fed where things happen; gauges that describe the
 * database (queue depth, payouts, jobs) are read when scraped, cached (see MetricsCollector).
 * Labels are bounded sets: route templates, never raw paths or ids.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'tipdesk_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status, until the response was done',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly uploadBytes = new Counter({
    name: 'tipdesk_upload_bytes_received_total',
    help: 'Bytes of media received and stored, by upload path (multipart form or tus)',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });

  readonly tusInFlight = new Gauge({
    name: 'tipdesk_tus_uploads_in_flight',
    help: 'tus requests carrying bytes (PATCH) being received by this process now',
    registers: [this.registry],
  });

  readonly tipsCreated = new Counter({
    name: 'tipdesk_tips_created_total',
    help: 'Tips created by this process, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  readonly clamdFailures = new Counter({
    name: 'tipdesk_clamd_failures_total',
    help: 'Virus scans that failed to get a verdict from clamd (each try), by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly ffprobeFailures = new Counter({
    name: 'tipdesk_ffprobe_failures_total',
    help: 'Media processing tries (ffprobe, poster frame) that failed, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Event-loop lag, heap, RSS, GC, handles: prom-client's default collectors.
    collectDefaultMetrics({ register: this.registry });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method: METHODS.has(method) ? method : 'OTHER', route, status: String(status) }, seconds);
  }

  /** A gauge read at scrape time: `read` gives each label set's value. */
  gaugeFromReading<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<{ labels: Record<L, string>; value: number }[]>,
  ): void {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { labels, value } of await read()) this.set(labels as Partial<Record<L, string | number>>, value);
      },
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
