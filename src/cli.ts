import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { createReadStream } from 'node:fs';
import { verifyExport } from './audit/audit-export.js';
import { AuditService } from './audit/audit.service.js';
import { verifyChains } from './audit/chain-verifier.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { resolveEncryptionKey } from './crypto/encryption-key.js';
import { FieldCipher } from './crypto/field-cipher.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { runningEmbeddedPostgresUrl, startEmbeddedPostgres, type RunningDatabase } from './database/embedded-postgres.js';
import { runMigrations } from './database/migrate.js';
import { DomainError, NotFoundError } from './http/errors.js';
import { createLogger } from './logging/logger.js';
import { validateInput } from './http/validation.js';
import { CreateStaffDto, SetStaffPasswordDto } from './staff/dto/staff.dto.js';
import { SessionsService } from './staff/sessions.service.js';
import { SignInThrottleService } from './staff/sign-in-throttle.service.js';
import { STAFF_ROLES } from './staff/staff.entities.js';
import { StaffService } from './staff/staff.service.js';

const USAGE = `Usage:
  npm run cli -- staff:add --email EMAIL --role ${STAFF_ROLES.join('|')} [--name NAME]
      Creates a staff account. The password is read from standard input
      (typed without echo on a terminal, or piped: printf '%s' "$PASSWORD" | npm run cli -- staff:add ...).
  npm run cli -- audit:verify
      Walks the hash chains of the audit log and the payout events from the first event to the
      head: exit 0 with "N events, chain intact", or 1 naming the first event that does not match.
  npm run cli -- audit:verify-export FILE
      Checks an export from GET /api/audit-events/export without the database: every event's hash,
      the links between them and the signed head (needs the same ENCRYPTION_KEY).
  npm run cli -- staff:password --email EMAIL
      Sets a new password for someone who forgot theirs (also when no admin can sign in), signs
      them out everywhere and lifts any sign-in lock. The password is read from standard input,
      as for staff:add.
`;

class UsageError extends Error {}

/** Reads the password: hidden typing on a terminal, else everything piped in (one trailing newline dropped). */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write('Password (at least 12 characters): ');
  // Swallow the echo of what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const password = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return password;
}

/** The database the app uses: DATABASE_URL, the embedded server a running tipdesk holds, or one started here. */
async function openDatabase(config: AppConfig, logger: ReturnType<typeof createLogger>): Promise<{ url: string; own?: RunningDatabase }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const running = await runningEmbeddedPostgresUrl(config.dataDir);
  if (running) return { url: running };
  const own = await startEmbeddedPostgres(config.dataDir, logger);
  return { url: own.url, own };
}

const fieldLines = (errors: Record<string, string[]>) => Object.entries(errors).map(([field, messages]) => `${field}: ${messages.join('; ')}`).join('\n');

/** Runs `work` with a StaffService on the app's database (migrated first), and closes everything after. */
async function withStaffService(config: AppConfig, work: (staff: StaffService, dataSource: DataSource) => Promise<void>): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const cipher = new FieldCipher(await resolveEncryptionKey(config, logger));
  const database = await openDatabase(config, logger);
  const dataSource = new DataSource(dataSourceOptions(database.url));
  try {
    await runMigrations(database.url);
    await dataSource.initialize();
    await work(new StaffService(dataSource, new AuditService(dataSource), new SessionsService(dataSource, config), new SignInThrottleService(dataSource, cipher)), dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.own?.stop();
  }
}

async function addStaff(args: string[], config: AppConfig): Promise<void> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } }, strict: true });
  if (!values.email || !values.role) throw new UsageError('staff:add needs --email and --role');
  const password = await readPassword();
  const { value: input, errors } = await validateInput(CreateStaffDto, {
    email: values.email,
    role: values.role,
    name: values.name ?? values.email.split('@')[0],
    password,
  });
  if (errors) throw new UsageError(fieldLines(errors));

  await withStaffService(config, async (staff, dataSource) => {
    const user = await dataSource.transaction((manager) => staff.create('system', input, manager));
    process.stdout.write(`Created ${user.role} ${user.email} (${user.id})\n`);
  });
}

/** The way back in when nobody who could reset a password can sign in. */
async function setStaffPassword(args: string[], config: AppConfig): Promise<void> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' } }, strict: true });
  if (!values.email) throw new UsageError('staff:password needs --email');
  const password = await readPassword();
  const { value: input, errors } = await validateInput(SetStaffPasswordDto, { password });
  if (errors) throw new UsageError(fieldLines(errors));

  await withStaffService(config, async (staff) => {
    const found = await staff.findByEmail(values.email!);
    if (!found) throw new NotFoundError('STAFF_NOT_FOUND', `There is no staff account with the email address ${values.email!.trim().toLowerCase()}.`);
    const user = await staff.setPassword('system', found.id, input.password);
    process.stdout.write(`New password set for ${user.role} ${user.email} (${user.id}); they have been signed out everywhere\n`);
  });
}

/** audit:verify: both chains, streamed; the first broken event named. */
async function verifyAudit(args: string[], config: AppConfig): Promise<number> {
  if (args.length > 0) throw new UsageError('audit:verify takes no arguments');
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openDatabase(config, logger);
  try {
    await runMigrations(database.url);
    const reports = await verifyChains(database.url);
    let total = 0;
    for (const report of reports) {
      total += report.events;
      if (report.broken) {
        const { seq, id, problem } = report.broken;
        process.stdout.write(`${report.chain}: chain broken at event ${seq}${id ? ` (${id})` : ''}: ${problem}. ${report.events} events before it match.\n`);
        return 1;
      }
      process.stdout.write(`${report.chain}: ${report.events} events, chain intact\n`);
    }
    process.stdout.write(`${total} events, chain intact\n`);
    return 0;
  } finally {
    await database.own?.stop();
  }
}

/** audit:verify-export FILE: the export checked by its own hashes and signature, no database. */
async function verifyAuditExport(args: string[], config: AppConfig): Promise<number> {
  const [file, ...rest] = args;
  if (!file || rest.length > 0) throw new UsageError('audit:verify-export needs the export file');
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const cipher = new FieldCipher(await resolveEncryptionKey(config, logger));
  const result = await verifyExport(createReadStream(file), cipher);
  if (!result.ok) {
    process.stdout.write(`${file}: not intact after ${result.events} events: ${result.problem}.\n`);
    return 1;
  }
  process.stdout.write(`${file}: ${result.events} events, chain intact, signature valid\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    throw error;
  }
  try {
    if (command === 'audit:verify') return await verifyAudit(args, config);
    if (command === 'audit:verify-export') return await verifyAuditExport(args, config);
    if (command === 'staff:add') await addStaff(args, config);
    else if (command === 'staff:password') await setStaffPassword(args, config);
    else throw new UsageError(command ? `Unknown command: ${command}` : 'No command given');
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof DomainError) {
      const fields = error instanceof DomainError && error.fields ? `\n${fieldLines(error.fields)}` : '';
      process.stderr.write(`${error.message}${fields}\n${error instanceof UsageError ? `\n${USAGE}` : ''}`);
      return 64; // EX_USAGE
    }
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
      return 64;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tipdesk cli failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
