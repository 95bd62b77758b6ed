import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  MinLength,
  Min,
  ValidateBy,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { isAbsolute, resolve } from 'node:path';
import { PrivacyAndAbuseConfig } from './privacy-and-abuse-config.js';
import {
  DATE_STYLES,
  emptyToUndefined,
  GIB,
  isSmtpUrl,
  isTimeZone,
  LOG_LEVELS,
  MAIL_FROM_PATTERN,
  PUBLIC_PHONE,
  toBool,
  toInt,
  type DateStyle,
  type LogLevel,
} from './env-values.js';

// What other modules have always imported from here; defined in the files named.
export { DATE_STYLES, isTimeZone, LOG_LEVELS, PUBLIC_PHONE, type DateStyle, type LogLevel } from './env-values.js';
export type { Payer } from './money-config.js';

/**
 * Every setting tipdesk reads from the environment, validated once at boot.
 * Nothing else in the code base reads process.env: ask for AppConfig instead.
 */
export class AppConfig extends PrivacyAndAbuseConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(255)
  HOST = '0.0.0.0';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  /** Connections of the app's own PostgreSQL pool, per process (README, Connection budget: every pool a process opens). */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @Transform(emptyToUndefined)
  @IsString()
  DATA_DIR = './.tipdesk';

  @Transform(emptyToUndefined)
  @IsIn(['local', 's3'])
  STORAGE_DRIVER: 'local' | 's3' = 'local';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  S3_ENDPOINT?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((c: AppConfig) => c.STORAGE_DRIVER === 's3')
  @IsString({ message: 'S3_BUCKET is required when STORAGE_DRIVER=s3' })
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a valid bucket name' })
  S3_BUCKET?: string;

  @Transform(emptyToUndefined)
  @IsString()
  S3_REGION = 'us-east-1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  // S3's single CopyObject (used to move a finished upload out of tmp/) stops at 5 GiB.
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(Number.MAX_SAFE_INTEGER)
  MAX_FILE_BYTES = 4 * GIB;

  /** Free space kept on DATA_DIR's disk: below it new uploads get 507 (finishing ones continue). 0 turns the check off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  STORAGE_MIN_FREE_BYTES = 5 * GIB;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  MAX_FILES_PER_TIP = 10;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, {
    message: 'ENCRYPTION_KEY must be 32 bytes, written as base64 (44 characters) or hex (64 characters)',
  })
  ENCRYPTION_KEY?: string;

  /** Older encryption keys, comma-separated: still read, never written with (README "Rotating the encryption key"). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\s*([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})\s*(,\s*([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})\s*)*$/, {
    message: 'ENCRYPTION_KEY_PREVIOUS must be keys like ENCRYPTION_KEY (32 bytes as base64 or hex), separated by commas',
  })
  ENCRYPTION_KEY_PREVIOUS?: string;

  /** The key of keyed hashes that must outlive a rotation of ENCRYPTION_KEY (payee accounts, channel senders). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, {
    message: 'HASH_KEY must be 32 bytes, written as base64 (44 characters) or hex (64 characters)',
  })
  HASH_KEY?: string;

  @Transform(emptyToUndefined)
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  // Express's `trust proxy` value: only a proxy on this host may name the client by default.
  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(500)
  TRUST_PROXY = 'loopback';

  /** Bearer token that lets a scraper outside the private networks read /metrics. Unset: loopback and private addresses only. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'METRICS_TOKEN must be at least 24 characters' })
  @MaxLength(500)
  METRICS_TOKEN?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_TIPS_PER_HOUR = 30;

  /** Every limit counts an IPv6 client by this prefix: one connection is given a whole /64 (or a /56, /48). */
  @Transform(toInt)
  @IsInt()
  @Min(16)
  @Max(128)
  RATE_LIMIT_IPV6_PREFIX = 64;

  // A 4 GB video on mobile data takes far longer than Node's default 300 s request timeout.
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  UPLOAD_TIMEOUT_SECONDS = 6 * 3600;

  // New resumable (tus) uploads per client address per hour; the chunks of an upload do not count.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  UPLOADS_PER_HOUR = 60;

  /**
   * Bytes a client address group (IPv4 address, IPv6 /64) may upload in a UTC day, form files and
   * tus creations (their Upload-Length) together; over it: 429 UPLOAD_QUOTA_REACHED.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  UPLOAD_BYTES_PER_DAY = 20 * GIB;

  // An unfinished tus upload expires this long after it began; a finished one not attached to a
  // tip this long after it finished. The sweep then deletes its bytes and row.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 24)
  UPLOAD_EXPIRY_HOURS = 24;

  // On SIGTERM, requests in flight (a long upload chunk, say) get this long to finish; unfinished
  // uploads are then stopped with their bytes kept, and resume on the next process.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  SHUTDOWN_GRACE_SECONDS = 25;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  SWEEP_INTERVAL_MINUTES = 15;

  // Staff sign-in: everyone must enrol a TOTP second factor before they can use the desk.
  @Transform(toBool)
  @IsBoolean()
  REQUIRE_2FA = false;

  // A staff session ends after this long without a request...
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  SESSION_IDLE_MINUTES = 60;

  // ...and after this long in any case, however busy.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 24)
  SESSION_ABSOLUTE_HOURS = 12;

  // How long a process may answer a session cookie from memory instead of PostgreSQL. A sign-out,
  // a disabled account or a role change reaches every process at once through NOTIFY; 0 turns it off.
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60)
  SESSION_CACHE_SECONDS = 5;

  // Sign-in attempts from one client address in 15 minutes, across all accounts.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_SIGN_INS_PER_15_MINUTES = 30;

  /** Replies one contributor may send the desk from the status page (or the API) in an hour: a flood must not bury a tip page. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  CONTRIBUTOR_MESSAGES_PER_HOUR = 20;

  // The paper as the public sees it: defaults for the paper settings page, which overrides each one.
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(80)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'PAPER_NAME must be one line of at most 80 characters' })
  PAPER_NAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'PAPER_CONTACT_EMAIL must be an email address' })
  @MaxLength(254)
  PAPER_CONTACT_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(PUBLIC_PHONE, { message: 'PAPER_CONTACT_PHONE must be a phone number (digits, spaces, + ( ) -)' })
  PAPER_CONTACT_PHONE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(PUBLIC_PHONE, { message: 'PAPER_CONTACT_WHATSAPP must be a phone number (digits, spaces, + ( ) -)' })
  PAPER_CONTACT_WHATSAPP?: string;

  /** The desk's time zone for every date people read (an IANA name). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy({
    name: 'isTimeZone',
    validator: { validate: isTimeZone, defaultMessage: () => 'DESK_TIME_ZONE must be an IANA time zone such as Europe/London' },
  })
  DESK_TIME_ZONE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(DATE_STYLES, { message: `DESK_DATE_STYLE must be one of ${DATE_STYLES.join(', ')}` })
  DESK_DATE_STYLE?: DateStyle;

  // Contributor notifications: SMTP when set (it may carry a password, so it is hidden in errors);
  // without it, each mail is written as an .eml file under DATA_DIR/outbox.
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy({ name: 'isSmtpUrl', validator: { validate: isSmtpUrl, defaultMessage: () => 'SMTP_URL must be an smtp:// or smtps:// URL with a host name' } })
  SMTP_URL?: string;

  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(200)
  @Matches(MAIL_FROM_PATTERN, { message: 'MAIL_FROM must be an address, optionally with a display name: "Name <address@host>"' })
  MAIL_FROM = 'tipdesk <no-reply@localhost>';

  /** Absolute data directory (DATA_DIR resolved against the working directory). */
  get dataDir(): string {
    return isAbsolute(this.DATA_DIR) ? this.DATA_DIR : resolve(this.DATA_DIR);
  }

  get publicBaseUrl(): string {
    return (this.PUBLIC_BASE_URL ?? `http://localhost:${this.PORT}`).replace(/\/+$/, '');
  }
}

export class ConfigError extends Error {}

/** Validates the environment into AppConfig; throws one message naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  // An empty variable counts as unset: docker-compose passes `${X:-}` through as ''.
  const raw = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''));
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false });
  if (config.STORAGE_DRIVER === 's3' && config.MAX_FILE_BYTES > 5 * GIB) {
    throw new ConfigError('Invalid configuration:\n  MAX_FILE_BYTES: with STORAGE_DRIVER=s3 it may be at most 5 GiB (5368709120)');
  }
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const value = error.property.match(/KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|SMTP_URL/) ? '(hidden)' : JSON.stringify(error.value);
      return `  ${error.property}=${value}: ${Object.values(error.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}
