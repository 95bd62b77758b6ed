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
import { parseAddressList } from '../network/ip-addresses.js';
import { PAYER_RULES } from './payer-rules.js';

/** Date styles the desk offers (see src/settings/desk-dates.ts for what each looks like). */
export const DATE_STYLES = ['day-month', 'numeric', 'iso'] as const;
export type DateStyle = (typeof DATE_STYLES)[number];

/** A phone number as the public types it: digits, spaces and + ( ) - only. */
export const PUBLIC_PHONE = /^\+?[0-9 ()-]{6,30}$/;

/** Whether Intl knows the time zone (an IANA name such as Europe/London, or UTC). */
export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const payerRule = (variable: string, field: keyof typeof PAYER_RULES) => ({
  name: `payer:${field}`,
  validator: {
    validate: (value: unknown) => typeof value === 'string' && PAYER_RULES[field].test(value),
    defaultMessage: () => `${variable} must be ${PAYER_RULES[field].words}`,
  },
});

const GIB = 1024 ** 3;
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  const text = String(value).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

// `address@host` or `Display Name <address@host>`, on one line (a newline would inject headers).
const MAIL_FROM_PATTERN = /^(?:[^<>\r\n]{0,150}<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;
function isDateList(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return value.split(',').every((part) => {
    const day = part.trim();
    const date = new Date(`${day}T00:00:00Z`);
    return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
  });
}

function isSmtpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !/^smtps?:\/\/\S+$/.test(value)) return false;
  try {
    return new URL(value).hostname.length > 0;
  } catch {
    return false;
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every setting tipdesk reads from the environment, validated once at boot.
 * Nothing else in the code base reads process.env: ask for AppConfig instead.
 */
export class AppConfig {
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

  // An unfinished tus upload expires this long after it began; a finished one not attached to a
  // tip this long after it finished. The sweep then deletes its bytes and row.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 24)
  UPLOAD_EXPIRY_HOURS = 24;

  // Each tus request in flight holds one PostgreSQL connection for its upload's lock (shared by
  // all app processes, so a resume can land on any of them); this caps them per process (a
  // request past it waits for one). See README, Connection budget.
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(500)
  UPLOAD_LOCK_CONNECTIONS = 12;

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

  // The paying account's defaults: the paper settings page (/desk/admin/settings) overrides each
  // one, after a second admin approves. Read only when a bank format is exported (PaperSettingsService.payerFor).
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('PAYER_NAME', 'name'))
  PAYER_NAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('PAYER_SORT_CODE', 'sortCode'))
  PAYER_SORT_CODE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('PAYER_ACCOUNT_NUMBER', 'accountNumber'))
  PAYER_ACCOUNT_NUMBER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('BACS_SERVICE_USER_NUMBER', 'serviceUserNumber'))
  BACS_SERVICE_USER_NUMBER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('SEPA_DEBTOR_NAME', 'sepaDebtorName'))
  SEPA_DEBTOR_NAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('SEPA_DEBTOR_IBAN', 'sepaDebtorIban'))
  SEPA_DEBTOR_IBAN?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('SEPA_DEBTOR_BIC', 'sepaDebtorBic'))
  SEPA_DEBTOR_BIC?: string;

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

  /** Bank holidays beyond the built-in 2026–2027 England and Wales table: comma-separated YYYY-MM-DD (gov.uk/bank-holidays.json). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  @ValidateBy({ name: 'isDateList', validator: { validate: isDateList, defaultMessage: () => 'BANK_HOLIDAYS must be comma-separated dates as YYYY-MM-DD' } })
  BANK_HOLIDAYS?: string;

  get bankHolidays(): string[] {
    return (this.BANK_HOLIDAYS ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
  }

  /** Payee details changed less than this many hours before acceptance or approval are a risk to acknowledge (PAYEE_CHANGED_RECENTLY). */
  @Transform(toInt)
  @IsInt({ message: 'PAYEE_COOLING_HOURS must be a whole number of hours' })
  @Min(0)
  @Max(24 * 90)
  PAYEE_COOLING_HOURS = 24;

  /**
   * At or above this amount (minor units) a payout needs two different approvers: one number for
   * every currency (`100000` = £1,000), or per currency (`GBP:100000,EUR:120000`; a currency not
   * named uses 100000).
   */
  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(200)
  @Matches(/^\s*(\d{1,10}|[A-Z]{3}:\d{1,10}(\s*,\s*[A-Z]{3}:\d{1,10})*)\s*$/, {
    message: 'PAYOUT_SECOND_APPROVAL_MINOR must be whole minor units (100000) or per currency (GBP:100000,EUR:120000)',
  })
  PAYOUT_SECOND_APPROVAL_MINOR = '100000';

  /** The largest camt.053 bank statement accepted (bytes); a statement of 50,000 entries is about 20 MB. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  BANK_STATEMENT_MAX_BYTES = 50 * 1024 * 1024;

  /** The second-approval threshold for one currency, in minor units. */
  secondApprovalMinor(currency: string): number {
    const text = this.PAYOUT_SECOND_APPROVAL_MINOR.trim();
    if (/^\d+$/.test(text)) return Number(text);
    const pair = text
      .split(',')
      .map((part) => part.trim().split(':'))
      .find(([code]) => code === currency);
    return pair ? Number(pair[1]) : 100_000;
  }

  // ---- channels (issue 6): each is off until its settings are given ----

  /** Bearer token for POST /api/channels/email/inbound (raw RFC 5322 from Postfix or a mail provider's hook). Unset: the route answers 404. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'INBOUND_EMAIL_TOKEN must be at least 24 characters' })
  INBOUND_EMAIL_TOKEN?: string;

  /** Port of the inbound SMTP listener. Unset: no listener. */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  INBOUND_SMTP_PORT?: number;

  /** Where the listener binds: this host only unless the paper's MX runs elsewhere (then also set INBOUND_SMTP_ALLOW). */
  @Transform(emptyToUndefined)
  @IsString()
  INBOUND_SMTP_HOST = '127.0.0.1';

  /** Addresses and CIDRs (comma-separated) that may deliver to the listener: the paper's MX. Unset: loopback only. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @ValidateBy({
    name: 'isAddressList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseAddressList(value) !== undefined,
      defaultMessage: () => 'INBOUND_SMTP_ALLOW must be comma-separated IP addresses or CIDRs (192.0.2.25, 2001:db8::/64)',
    },
  })
  INBOUND_SMTP_ALLOW?: string;

  /** Comma-separated recipient addresses the listener accepts (tips@paper.example); any other is refused at RCPT. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^\s*[^\s,@]+@[^\s,@]+(\s*,\s*[^\s,@]+@[^\s,@]+)*\s*$/, { message: 'INBOUND_EMAIL_ADDRESSES must be comma-separated email addresses' })
  INBOUND_EMAIL_ADDRESSES?: string;

  /** Largest inbound message, attachments included (SMTP SIZE and the webhook's body limit). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  INBOUND_EMAIL_MAX_BYTES = 50 * 1024 * 1024;

  /** The token Meta's webhook verification (GET hub.verify_token) must match. Unset: the WhatsApp routes answer 404. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8)
  WHATSAPP_VERIFY_TOKEN?: string;

  /** The app secret: every POST's X-Hub-Signature-256 is an HMAC-SHA256 of the raw body under it. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8)
  WHATSAPP_APP_SECRET?: string;

  /** Graph API base URL (tests point it at a local server). */
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  WHATSAPP_GRAPH_URL = 'https://graph.facebook.com/v21.0';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  WHATSAPP_ACCESS_TOKEN?: string;

  /** The business phone number's id, for sending replies (POST {GRAPH_URL}/{id}/messages). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\d{1,30}$/, { message: 'WHATSAPP_PHONE_NUMBER_ID must be digits' })
  WHATSAPP_PHONE_NUMBER_ID?: string;

  /** Messages from one number within this many hours of the last one join the same tip. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  WHATSAPP_CONVERSATION_HOURS = 24;

  // ---- background jobs and media processing (issue 5) ----

  /** Run the pg-boss queue and its workers in this process (off: nothing is processed here; other processes may). */
  @Transform(toBool)
  @IsBoolean()
  JOBS_ENABLED = true;

  /** How often an idle worker asks PostgreSQL for work (a job sent by this process wakes it at once). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  JOBS_POLL_SECONDS = 2;

  /** A media job that fails is tried again this many times, waiting about MEDIA_JOB_RETRY_DELAY_SECONDS × 2^n between tries. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  MEDIA_JOB_RETRY_LIMIT = 3;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  MEDIA_JOB_RETRY_DELAY_SECONDS = 30;

  /** A contributor notification that fails (relay down, refused) is tried again this many times, about NOTIFICATION_RETRY_DELAY_SECONDS × 2^n apart, then dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30)
  NOTIFICATION_RETRY_LIMIT = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  NOTIFICATION_RETRY_DELAY_SECONDS = 30;

  /** On shutdown, jobs under way get this long to finish; after it they are failed and retried by another process. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  JOBS_SHUTDOWN_GRACE_SECONDS = 20;

  /** The ffprobe and ffmpeg binaries (a name on PATH, or a path): Debian's `ffmpeg` package by default. */
  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(500)
  FFPROBE_PATH = 'ffprobe';

  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(500)
  FFMPEG_PATH = 'ffmpeg';

  // ---- virus scanning (issue 5): clamd's INSTREAM over TCP; off while CLAMAV_HOST is unset ----

  /** clamd's host name or address. Unset: media is not scanned (and no scan job is sent). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(/^[A-Za-z0-9.:[\]_-]+$/, { message: 'CLAMAV_HOST must be a host name or an IP address' })
  CLAMAV_HOST?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  CLAMAV_PORT = 3310;

  /** The longest clamd may stay silent: not reading what we send, or scanning after the last byte, before the try fails (and is retried). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  CLAMAV_TIMEOUT_SECONDS = 120;

  /** Larger files are not sent to clamd and are marked "not scanned (too large)"; keep it at or under clamd's StreamMaxLength (ClamAV stops at 2 GiB). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  CLAMAV_MAX_BYTES = 2 * GIB;

  /** The inbound addresses, lower-cased, as a list. */
  get inboundEmailAddresses(): string[] {
    return (this.INBOUND_EMAIL_ADDRESSES ?? '')
      .split(',')
      .map((a) => a.trim().toLowerCase())
      .filter(Boolean);
  }

  /** The paying account as the environment gives it (the defaults under the paper settings page's values). */
  get payer(): Payer {
    return {
      name: this.PAYER_NAME,
      sortCode: this.PAYER_SORT_CODE,
      accountNumber: this.PAYER_ACCOUNT_NUMBER,
      serviceUserNumber: this.BACS_SERVICE_USER_NUMBER,
      sepaDebtorName: this.SEPA_DEBTOR_NAME,
      sepaDebtorIban: this.SEPA_DEBTOR_IBAN,
      sepaDebtorBic: this.SEPA_DEBTOR_BIC,
    };
  }

  /** Absolute data directory (DATA_DIR resolved against the working directory). */
  get dataDir(): string {
    return isAbsolute(this.DATA_DIR) ? this.DATA_DIR : resolve(this.DATA_DIR);
  }

  get publicBaseUrl(): string {
    return (this.PUBLIC_BASE_URL ?? `http://localhost:${this.PORT}`).replace(/\/+$/, '');
  }
}

export class ConfigError extends Error {}

/** The paying account that bank files name as originator/debtor. */
export interface Payer {
  name?: string;
  sortCode?: string;
  accountNumber?: string;
  serviceUserNumber?: string;
  sepaDebtorName?: string;
  sepaDebtorIban?: string;
  sepaDebtorBic?: string;
}

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
