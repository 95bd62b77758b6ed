import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';
import { parseAddressList } from '../network/ip-addresses.js';
import { emptyToUndefined, GIB, toBool, toInt } from './env-values.js';
import { MoneyConfig } from './money-config.js';

/**
 * The channels', background jobs' and virus scanner's settings of AppConfig (its base class):
 * each channel is off until its settings are given.
 */
export class ChannelsConfig extends MoneyConfig {
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

  /**
   * The authserv-id the paper's own MX writes in Authentication-Results (`mx.paper.example`).
   * Set: only its topmost header is believed, and a sender it did not verify (DMARC) never joins
   * an existing tip. Unset: every Authentication-Results header is ignored (they can be forged).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, { message: 'INBOUND_AUTHSERV_ID must be a host name, as the MX writes it in Authentication-Results' })
  INBOUND_AUTHSERV_ID?: string;

  /** Mails one sender address may send in an hour (SMTP and webhook); the rest are refused (450 over SMTP, so the MX retries later; 429 on the webhook). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  INBOUND_EMAILS_PER_SENDER_PER_HOUR = 20;

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

  /** The longest one ffprobe or ffmpeg run may take before it is killed (SIGKILL) and the file counts as unreadable. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  MEDIA_TOOL_TIMEOUT_SECONDS = 60;

  /** Threads one ffprobe or ffmpeg run may use (`-threads`): the jobs share the machine with the web requests. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  MEDIA_TOOL_THREADS = 2;

  /** Address space one ffprobe or ffmpeg run may map (`prlimit --as`; without prlimit, ffmpeg's `-max_alloc` per allocation). */
  @Transform(toInt)
  @IsInt()
  @Min(512 * 1024 * 1024)
  @Max(64 * GIB)
  MEDIA_TOOL_MEMORY_BYTES = GIB;

  /** Photos and videos with more pixels a frame than this are stored and served but never decoded (a decompression bomb). */
  @Transform(toInt)
  @IsInt()
  @Min(1_000_000)
  @Max(1_000_000_000)
  MEDIA_MAX_PIXELS = 120_000_000;

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
}
