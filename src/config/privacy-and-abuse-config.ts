import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ChannelsConfig } from './channels-config.js';
import { emptyToUndefined, toBool, toInt } from './env-values.js';

/** Retention by status (issue 14), the proof of work asked of busy clients and the tus request limits (issue 15): a base class of AppConfig. */
export class PrivacyAndAbuseConfig extends ChannelsConfig {
  // Retention by status (privacy/retention-rules.ts): days after a tip's last change, years after its last payout.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36500)
  RETENTION_SPAM_DAYS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36500)
  RETENTION_REJECTED_DAYS = 180;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36500)
  RETENTION_ARCHIVED_DAYS = 365;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  RETENTION_PAYMENT_RECORD_YEARS = 6;

  // How often each process offers the retention job to the queue (one runs at a time across processes).
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 60)
  RETENTION_INTERVAL_MINUTES = 60;

  /**
   * Proof of work (ALTCHA): a tip post or a tus creation from an address group past this many tip
   * posts in the hour (tus creations: this many times MAX_FILES_PER_TIP) must carry a solved
   * challenge. 0 asks it of every post, as does POW_ALWAYS.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  POW_AFTER_TIPS_PER_HOUR = 5;

  @Transform(toBool)
  @IsBoolean()
  POW_ALWAYS = false;

  /** Signs the challenges (HMAC); every app process needs the same one. Unset: derived from ENCRYPTION_KEY. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'POW_HMAC_KEY must be at least 32 characters' })
  @MaxLength(500)
  POW_HMAC_KEY?: string;

  /** PBKDF2 iterations per guess: with POW_COUNTER_MAX, how long a browser works (a few seconds by default). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  POW_COST = 5_000;

  /** The solution is a counter drawn between half of this and this. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(10_000_000)
  POW_COUNTER_MAX = 10_000;

  /**
   * tus requests (creations, chunks, offsets, terminations) one address group may have in flight at
   * once in one app process; the next gets 429 TOO_MANY_UPLOADS_AT_ONCE with Retry-After.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  UPLOADS_CONCURRENT_PER_CLIENT = 4;

  /**
   * A tus PATCH whose body brings fewer bytes than this per second over UPLOAD_MIN_BYTES_WINDOW_SECONDS
   * is cut (its connection closed); what arrived is kept and the upload resumes from it. 0: never cut.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  UPLOAD_MIN_BYTES_PER_SECOND = 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  UPLOAD_MIN_BYTES_WINDOW_SECONDS = 60;

  /** A challenge must be solved and used within this long; each solution is accepted once. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(24 * 3600)
  POW_CHALLENGE_SECONDS = 600;
}
