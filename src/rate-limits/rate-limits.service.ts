import { HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DomainError } from '../http/errors.js';
import { addressGroup } from '../network/ip-addresses.js';
import { RateLimitsRepository } from './rate-limits.repository.js';

export interface RateLimitRule {
  /** What is being limited, e.g. `tips`. */
  purpose: string;
  limit: number;
  windowSeconds: number;
  /** What the client is told when over the limit (default: about submissions). */
  tooMany?: string;
}

/**
 * Fixed-window counters in PostgreSQL, so a limit holds across every app process. Clients are
 * keyed by an HMAC of their address group (IPv4 address, IPv6 /64: see address-group.ts) under a
 * server key that changes daily: nothing stored can be turned back into an address, or linked
 * across days.
 */
@Injectable()
export class RateLimitsService {
  constructor(
    private readonly windows: RateLimitsRepository,
    private readonly cipher: FieldCipher,
    private readonly config: AppConfig,
  ) {}

  clientKey(address: string, now = new Date()): string {
    return this.cipher.keyedHash(`client-address:${now.toISOString().slice(0, 10)}`, addressGroup(address, this.config.RATE_LIMIT_IPV6_PREFIX));
  }

  /** Counts one hit; throws 429 with Retry-After once the window's limit is passed. */
  async hit(rule: RateLimitRule, address: string): Promise<void> {
    const bucket = `${rule.purpose}:${this.clientKey(address)}`;
    const row = await this.windows.countHit(bucket, rule.windowSeconds);
    if (row.hits > rule.limit) {
      throw new DomainError(
        HttpStatus.TOO_MANY_REQUESTS,
        'RATE_LIMITED',
        `${rule.tooMany ?? 'Too many submissions from your connection.'} Please try again in ${Math.ceil(row.retryAfter / 60)} minutes.`,
        undefined,
        { 'Retry-After': String(Math.max(1, row.retryAfter)) },
      );
    }
  }

  /** Forgets windows that have ended. */
  async sweep(): Promise<number> {
    return this.windows.deleteEndedWindows();
  }
}
