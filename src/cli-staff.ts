// The staff commands of the CLI (loaded only for them: see cli.ts). They run on the application's own
// wiring (StaffModule in a Nest application context), so a service's dependencies are never built by hand.
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { AppConfig } from './config/app-config.js';
import { CoreModule } from './core.module.js';
import { resolveKeyRing } from './crypto/encryption-key.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { runMigrations } from './database/migrate.js';
import { NotFoundError } from './http/errors.js';
import { validateInput } from './http/validation.js';
import { createLogger } from './logging/logger.js';
import { fieldLines, openDatabase, UsageError } from './cli-shared.js';
import { CreateStaffDto, SetStaffPasswordDto } from './staff/dto/staff.dto.js';
import { StaffModule } from './staff/staff.module.js';
import { StaffService } from './staff/staff.service.js';

/** Reads the password: hidden typing on a terminal, else everything piped in (one trailing newline dropped). */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  // readline puts the terminal in raw mode (no echo by the terminal) and echoes what is typed to
  // its output itself: give it an output that writes nothing. Prompt only once raw mode is on.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  process.stderr.write('Password (at least 12 characters): ');
  const password = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return password;
}

/** The part of the app the staff commands need: config, logger, cipher, the database and the staff module. */
@Module({})
class StaffCommandsModule {
  static forRoot(options: Parameters<typeof CoreModule.forRoot>[0] & { databaseUrl: string }): DynamicModule {
    return {
      module: StaffCommandsModule,
      imports: [CoreModule.forRoot(options), TypeOrmModule.forRoot(dataSourceOptions(options.databaseUrl, 2)), StaffModule],
    };
  }
}

/** Runs `work` with a StaffService on the app's database (migrated first), and closes everything after. */
async function withStaffService(config: AppConfig, work: (staff: StaffService, dataSource: DataSource) => Promise<void>): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const keys = await resolveKeyRing(config, logger);
  const database = await openDatabase(config, logger);
  let context: INestApplicationContext | undefined;
  try {
    await runMigrations(database.url);
    context = await NestFactory.createApplicationContext(
      StaffCommandsModule.forRoot({
        config,
        logger,
        encryptionKey: keys.current,
        previousKeys: keys.previous,
        hashKey: keys.hashKey,
        databaseUrl: database.url,
      }),
      {
        logger: false,
        abortOnError: false,
      },
    );
    await work(context.get(StaffService), context.get(DataSource));
  } finally {
    await context?.close();
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
