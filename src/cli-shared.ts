import type { AppConfig } from './config/app-config.js';
import type { RunningDatabase } from './database/embedded-postgres.js';
import type { createLogger } from './logging/logger.js';

/** The commands, for a mistake's answer (roles as the staff module names them). */
export async function usage(): Promise<string> {
  const { STAFF_ROLES } = await import('./staff/staff.entities.js');
  const roles = STAFF_ROLES.join('|');
  return `Usage:
  npm run cli -- staff:add --email EMAIL --role ${roles} [--name NAME]
      Creates a staff account. The password is read from standard input
      (typed without echo on a terminal, or piped: printf '%s' "$PASSWORD" | npm run cli -- staff:add ...).
  npm run cli -- audit:verify
      Walks the hash chains of the audit log and the payout events from the first event to the
      head: exit 0 with "N events, chain intact", or 1 naming the first event that does not match.
  npm run cli -- audit:verify-export FILE
      Checks an export from GET /api/audit-events/export without the database: every event's hash,
      the links between them and the signed head (needs the same ENCRYPTION_KEY).
  npm run cli -- certificate:verify FILE
      Checks an erasure certificate (the PDF from GET /api/tips/:id/erasure-certificate, or its
      ?format=json twin) against this server's signing key (derived from ENCRYPTION_KEY): exit 0
      with "signature valid", or 1 saying why it is not.
  npm run cli -- retention:report [--at DATE]
      What the retention rules would remove now (or at DATE), rule by rule, and what a legal hold
      keeps: a dry run, nothing is removed.
  npm run cli -- keys:rotate [--batch-size N]
      Re-encrypts every encrypted field under ENCRYPTION_KEY, N rows a statement (default 500),
      reading old values with ENCRYPTION_KEY_PREVIOUS. Safe to interrupt: run it again to finish.
  npm run cli -- staff:password --email EMAIL
      Sets a new password for someone who forgot theirs (also when no admin can sign in), signs
      them out everywhere and lifts any sign-in lock. The password is read from standard input,
      as for staff:add.
`;
}

export class UsageError extends Error {}

/** The database the app uses: DATABASE_URL, the embedded server a running tipdesk holds, or one started here. */
export async function openDatabase(config: AppConfig, logger: ReturnType<typeof createLogger>): Promise<{ url: string; own?: RunningDatabase }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  // Loaded only when needed: a command against DATABASE_URL stays small (audit:verify's memory).
  const { runningEmbeddedPostgresUrl, startEmbeddedPostgres } = await import('./database/embedded-postgres.js');
  const running = await runningEmbeddedPostgresUrl(config.dataDir);
  if (running) return { url: running };
  const own = await startEmbeddedPostgres(config.dataDir, logger);
  return { url: own.url, own };
}

export const fieldLines = (errors: Record<string, string[]>) =>
  Object.entries(errors)
    .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
    .join('\n');
