import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { DomainError } from '../http/errors.js';

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
 * keyed by an HMAC of their address under a server key that changes daily: nothing stored can
 * be turned back into an address, or linked across days.
 */
@Injectable()
export class RateLimitsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  clientKey(address: string, now = new Date()): string {
    return this.cipher.keyedHash(`client-address:${now.toISOString().slice(0, 10)}`, address);
  }

  /** Counts one hit; throws 429 with Retry-After once the window's limit is passed. */
  async hit(rule: RateLimitRule, address: string): Promise<void> {
    const bucket = `${rule.purpose}:${this.clientKey(address)}`;
    const [row] = await this.dataSource.query<{ hits: number; retry_after: number }[]>(
      `INSERT INTO rate_limit_windows AS w (bucket, window_start, hits)
       VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
       RETURNING hits, ceil(extract(epoch FROM w.window_start + make_interval(secs => $2) - now()))::int AS retry_after`,
      [bucket, rule.windowSeconds],
    );
    if (row.hits > rule.limit) {
      throw new DomainError(
        HttpStatus.TOO_MANY_REQUESTS,
        'RATE_LIMITED',
        `${rule.tooMany ?? 'Too many submissions from your connection.'} Please try again in ${Math.ceil(row.retry_after / 60)} minutes.`,
        undefined,
        { 'Retry-After': String(Math.max(1, row.retry_after)) },
      );
    }
  }

  /** Forgets windows that have ended. */
  async sweep(): Promise<number> {
    const result = await this.dataSource.query(`DELETE FROM rate_limit_windows WHERE window_start < now() - interval '1 day'`);
    return result[1] ?? 0;
  }
}
