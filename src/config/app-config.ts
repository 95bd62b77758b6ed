import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { isAbsolute, resolve } from 'node:path';

const GIB = 1024 ** 3;
const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  const text = String(value).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every setting tipdesk reads from the environment, validated once at boot.
 * Nothing else in the code base reads process.env: ask for AppConfig instead.
 */
export class AppConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @Transform(emptyToUndefined) @IsString() @MaxLength(255)
  HOST = '0.0.0.0';

  @Transform(emptyToUndefined) @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_BASE_URL?: string;

  @Transform(emptyToUndefined) @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(emptyToUndefined) @IsString()
  DATA_DIR = './.tipdesk';

  @Transform(emptyToUndefined) @IsIn(['local', 's3'])
  STORAGE_DRIVER: 'local' | 's3' = 'local';

  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false, require_protocol: true })
  S3_ENDPOINT?: string;

  @Transform(emptyToUndefined) @ValidateIf((c: AppConfig) => c.STORAGE_DRIVER === 's3')
  @IsString({ message: 'S3_BUCKET is required when STORAGE_DRIVER=s3' })
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a valid bucket name' })
  S3_BUCKET?: string;

  @Transform(emptyToUndefined) @IsString()
  S3_REGION = 'us-east-1';

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Transform(toBool) @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  // S3's single CopyObject (used to move a finished upload out of tmp/) stops at 5 GiB.
  @Transform(toInt) @IsInt() @Min(1024)
  @Max(Number.MAX_SAFE_INTEGER)
  MAX_FILE_BYTES = 4 * GIB;

  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  MAX_FILES_PER_TIP = 10;

  @Transform(emptyToUndefined) @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, {
    message: 'ENCRYPTION_KEY must be 32 bytes, written as base64 (44 characters) or hex (64 characters)',
  })
  ENCRYPTION_KEY?: string;

  @Transform(emptyToUndefined) @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  // Express's `trust proxy` value: only a proxy on this host may name the client by default.
  @Transform(emptyToUndefined) @IsString() @MaxLength(500)
  TRUST_PROXY = 'loopback';

  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  RATE_LIMIT_TIPS_PER_HOUR = 30;

  // A 4 GB video on mobile data takes far longer than Node's default 300 s request timeout.
  @Transform(toInt) @IsInt() @Min(60) @Max(7 * 24 * 3600)
  UPLOAD_TIMEOUT_SECONDS = 6 * 3600;

  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 60)
  SWEEP_INTERVAL_MINUTES = 15;

  // Staff sign-in: everyone must enrol a TOTP second factor before they can use the desk.
  @Transform(toBool) @IsBoolean()
  REQUIRE_2FA = false;

  // A staff session ends after this long without a request...
  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 60)
  SESSION_IDLE_MINUTES = 60;

  // ...and after this long in any case, however busy.
  @Transform(toInt) @IsInt() @Min(1) @Max(30 * 24)
  SESSION_ABSOLUTE_HOURS = 12;

  // Sign-in attempts from one client address in 15 minutes, across all accounts.
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  RATE_LIMIT_SIGN_INS_PER_15_MINUTES = 30;

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
  const raw = Object.fromEntries(Object.entries(env).filter(([key]) => known.includes(key)));
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false });
  if (config.STORAGE_DRIVER === 's3' && config.MAX_FILE_BYTES > 5 * GIB) {
    throw new ConfigError('Invalid configuration:\n  MAX_FILE_BYTES: with STORAGE_DRIVER=s3 it may be at most 5 GiB (5368709120)');
  }
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const value = error.property.match(/KEY|SECRET|PASSWORD|DATABASE_URL/) ? '(hidden)' : JSON.stringify(error.value);
      return `  ${error.property}=${value}: ${Object.values(error.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}
