// The staff commands of the CLI (loaded only for them: see cli.ts).
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import type { AppConfig } from './config/app-config.js';
import { resolveEncryptionKey } from './crypto/encryption-key.js';
import { FieldCipher } from './crypto/field-cipher.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { runMigrations } from './database/migrate.js';
import { NotFoundError } from './http/errors.js';
import { validateInput } from './http/validation.js';
import { createLogger } from './logging/logger.js';
import { fieldLines, openDatabase, UsageError } from './cli-shared.js';
import { CreateStaffDto, SetStaffPasswordDto } from './staff/dto/staff.dto.js';
import { SessionsService } from './staff/sessions.service.js';
import { SignInThrottleService } from './staff/sign-in-throttle.service.js';
import { StaffService } from './staff/staff.service.js';

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

/** Runs `work` with a StaffService on the app's database (migrated first), and closes everything after. */
async function withStaffService(config: AppConfig, work: (staff: StaffService, dataSource: DataSource) => Promise<void>): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const cipher = new FieldCipher(await resolveEncryptionKey(config, logger));
  const database = await openDatabase(config, logger);
  const dataSource = new DataSource(dataSourceOptions(database.url));
  try {
    await runMigrations(database.url);
    await dataSource.initialize();
    await work(
      new StaffService(
        dataSource,
        new AuditService(new AuditRepository(dataSource)),
        new SessionsService(dataSource, config),
        new SignInThrottleService(dataSource, cipher),
      ),
      dataSource,
    );
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.own?.stop();
  }
}

export async function addStaff(args: string[], config: AppConfig): Promise<void> {
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
export async function setStaffPassword(args: string[], config: AppConfig): Promise<void> {
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
