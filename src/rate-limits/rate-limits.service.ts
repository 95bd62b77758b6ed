import { HttpStatus, Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../http/errors.js';
import { LOGGER } from '../logging/logger.js';
import { addressGroup } from '../network/ip-addresses.js';
import { pepperedKey } from './rate-limit-keys.js';
import { RateLimitsRepository, type WindowPepper } from './rate-limits.repository.js';

export interface RateLimitRule {
  /** What is being limited, e.g. `tips`. */
  purpose: string;
  limit: number;
  windowSeconds: number;
  /** What the client is told when over the limit (default: about submissions). */
  tooMany?: string;
}

/** How long after a window's end its closing runs, so a process clock a little ahead of the database's does not run it early. */
const CLOSE_MARGIN_MS = 2000;

/**
 * Fixed-window counters in PostgreSQL, so a limit holds across every app process. Clients are
 * keyed by an HMAC of their address group (IPv4 address, IPv6 /64: network/ip-addresses.ts)
 * under a random pepper of the window, made in the database by the window's first hit and
 * deleted when the window closes (by a timer in each process that saw the window, by the next
 * window's first hit, and by the sweep): once it is gone, nothing stored can be matched to an
 * address, even by someone holding the database and every server key.
 */
@Injectable()
export class RateLimitsService implements OnApplicationShutdown {
  private readonly closing = new Map<string, NodeJS.Timeout>();
  // Each window's pepper, kept until shortly before the window ends: a pepper never changes once
  // made, and asking for it upserted one hot row per request, which serialised every tip post.
  private readonly peppers = new Map<number, WindowPepper>();
  private readonly logger: Logger;

  constructor(
    private readonly windows: RateLimitsRepository,
    private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'rate-limits' });
  }

  /**
   * Counts one hit from a client address (its group); throws 429 with Retry-After once the
   * window's limit is passed. Returns the hits in the window so far, this one included.
   */
  async hit(rule: RateLimitRule, address: string): Promise<number> {
    const window = await this.pepper(rule.windowSeconds);
    return this.count(rule, window, this.addressKey(window, address));
  }

  /** The same for something that is not an address: a tip's contributor, a sender (the key is peppered too). */
  async hitFor(rule: RateLimitRule, subject: string): Promise<void> {
    const window = await this.pepper(rule.windowSeconds);
    await this.count(rule, window, pepperedKey(window.pepper, 'subject', subject));
  }

  private async pepper(windowSeconds: number): Promise<WindowPepper> {
    const known = this.peppers.get(windowSeconds);
    // Near the end, ask the database: its clock, not this process's, says which window it is.
    if (known && Date.now() < known.windowEnd.getTime() - CLOSE_MARGIN_MS) return known;
    const window = await this.windows.currentPepper(windowSeconds, randomBytes(32));
    // A window's first hit closes the windows before it at once, whatever the timers did.
    if (window.created) await this.closeEndedWindows();
    this.closeWhenEnded(windowSeconds, window);
    this.peppers.set(windowSeconds, { ...window, created: false });
    return window;
  }

  private closeWhenEnded(windowSeconds: number, window: WindowPepper): void {
    const id = `${windowSeconds}:${window.windowStart.toISOString()}`;
    if (this.closing.has(id)) return;
    const timer = setTimeout(
      () => {
        this.closing.delete(id);
        // Once the window is over its pepper is forgotten here too, as in the database.
        if (this.peppers.get(windowSeconds)?.windowStart.getTime() === window.windowStart.getTime()) this.peppers.delete(windowSeconds);
        this.closeEndedWindows().catch((error: unknown) => this.logger.error({ err: error }, 'closing rate-limit windows failed'));
      },
      Math.max(0, window.windowEnd.getTime() - Date.now()) + CLOSE_MARGIN_MS,
    );
    timer.unref();
    this.closing.set(id, timer);
  }

  private async count(rule: RateLimitRule, window: WindowPepper, key: string): Promise<number> {
    const row = await this.windows.countHit(`${rule.purpose}:${key}`, window.windowStart, rule.windowSeconds);
    if (row.hits > rule.limit) {
      throw new DomainError(
        HttpStatus.TOO_MANY_REQUESTS,
        'RATE_LIMITED',
        `${rule.tooMany ?? 'Too many submissions from your connection.'} Please try again in ${Math.ceil(row.retryAfter / 60)} minutes.`,
        undefined,
        { 'Retry-After': String(Math.max(1, row.retryAfter)) },
      );
    }
    return row.hits;
  }

  /**
   * Adds `amount` (bytes, say) to the client's window unless that passes `rule.limit`; false (and
   * nothing added) when it would.
   */
  async addWithinLimit(rule: Omit<RateLimitRule, 'tooMany'>, address: string, amount: number): Promise<{ added: boolean; windowEnd: Date }> {
    const window = await this.pepper(rule.windowSeconds);
    const total = await this.windows.addWithinLimit(`${rule.purpose}:${this.addressKey(window, address)}`, window.windowStart, amount, rule.limit);
    return { added: total !== undefined, windowEnd: window.windowEnd };
  }

  private addressKey(window: WindowPepper, address: string): string {
    return pepperedKey(window.pepper, 'client-address', addressGroup(address, this.config.RATE_LIMIT_IPV6_PREFIX));
  }

  /** Forgets the peppers this process holds, as the end of their windows does (tests move the database's windows back in time). */
  forgetPeppers(): void {
    this.peppers.clear();
  }

  /** Deletes the peppers of closed windows, then their counters; returns how many counters went. */
  async closeEndedWindows(): Promise<number> {
    await this.windows.deleteClosedPeppers();
    return this.windows.deleteClosedWindows();
  }

  /** The sweep's share: whatever closed while no timer was running (a process that stopped). */
  async sweep(): Promise<number> {
    return this.closeEndedWindows();
  }

  onApplicationShutdown(): void {
    for (const timer of this.closing.values()) clearTimeout(timer);
    this.closing.clear();
    this.forgetPeppers();
  }
}
