import { HttpStatus, Injectable } from '@nestjs/common';
import { Transform, type TransformCallback } from 'node:stream';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../http/errors.js';
import { formatBytes } from '../text/format-bytes.js';
import { RateLimitsService } from './rate-limits.service.js';

const DAY_SECONDS = 24 * 3600;
/** A form file is charged in steps of this much as it arrives: one query per step, never one per chunk. */
const METER_STEP_BYTES = 8 * 1024 * 1024;

/**
 * Over the day's upload bytes. 429, not 507: 507 says the server's storage is short for everyone
 * (STORAGE_RESERVE_REACHED); this is one client that has sent too much, which is what 429 with
 * Retry-After means, and it tells the client when it may send again.
 */
export class UploadQuotaReachedError extends DomainError {
  constructor(limitBytes: number, retryAfterSeconds: number) {
    const hours = Math.max(1, Math.ceil(retryAfterSeconds / 3600));
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'UPLOAD_QUOTA_REACHED',
      `Your connection has sent as much as we can take in one day (${formatBytes(limitBytes)}), so this file was not kept. ` +
        `Uploads already under way carry on. Please try again in ${hours} ${hours === 1 ? 'hour' : 'hours'}.`,
      undefined,
      { 'Retry-After': String(Math.max(1, retryAfterSeconds)) },
    );
  }
}

/**
 * UPLOAD_BYTES_PER_DAY for each client address group (IPv4 address, IPv6 /64), counted through
 * the rate limits' windows (a UTC day, keyed under the day's pepper): a tus upload's
 * Upload-Length at its creation, a form's files as their bytes arrive. What was refused is not
 * counted, so a file too big for what is left does not use it up.
 */
@Injectable()
export class UploadQuota {
  constructor(
    private readonly rateLimits: RateLimitsService,
    private readonly config: AppConfig,
  ) {}

  /** Counts `bytes` against the client's day, or throws UploadQuotaReachedError (nothing counted). */
  async charge(clientAddress: string, bytes: number): Promise<void> {
    const limit = this.config.UPLOAD_BYTES_PER_DAY;
    const { added, windowEnd } = await this.rateLimits.addWithinLimit({ purpose: 'upload-bytes', limit, windowSeconds: DAY_SECONDS }, clientAddress, bytes);
    if (!added) throw new UploadQuotaReachedError(limit, Math.ceil((windowEnd.getTime() - Date.now()) / 1000));
  }

  /**
   * A pass-through that charges the bytes flowing through it (in steps, the rest at the end) and
   * fails the stream with UploadQuotaReachedError once the day's quota would be passed.
   */
  meter(clientAddress: string): Transform {
    let seen = 0;
    let charged = 0;
    const charge = (callback: (error?: Error | null) => void) => {
      const amount = seen - charged;
      charged = seen;
      this.charge(clientAddress, amount).then(() => callback(), callback);
    };
    return new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        seen += chunk.length;
        // The first chunk is charged at once: a client already at its quota is refused before a byte is stored.
        if (charged > 0 && seen - charged < METER_STEP_BYTES) return callback(null, chunk);
        charge((error) => (error ? callback(error) : callback(null, chunk)));
      },
      flush(callback: TransformCallback) {
        if (seen === charged) return callback();
        charge((error) => callback(error));
      },
    });
  }
}
