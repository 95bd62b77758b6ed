// retention:report: what the retention rules would remove, and why (a dry run: nothing changes).
// It runs on the few repositories the report reads, in a Nest application context of its own (no
// job queue, no sweep, no storage), so a dry run has no side effects. See cli.ts.
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parseArgs } from 'node:util';
import type { AppConfig } from './config/app-config.js';
import { CoreModule } from './core.module.js';
import { resolveEncryptionKey } from './crypto/encryption-key.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { runMigrations } from './database/migrate.js';
import { createLogger } from './logging/logger.js';
import { openDatabase, UsageError } from './cli-shared.js';
import { PayeeDetailsRepository } from './payouts/payee-details.repository.js';
import { PayoutErasureService } from './payouts/payout-erasure.service.js';
import { PrivacyRepository } from './privacy/privacy.repository.js';
import { RetentionReporter } from './privacy/retention-report.js';
import { TipPrivacyRepository } from './tips/tip-privacy.repository.js';

@Module({})
class RetentionReportModule {
  static forRoot(options: Parameters<typeof CoreModule.forRoot>[0] & { databaseUrl: string }): DynamicModule {
    return {
      module: RetentionReportModule,
      imports: [CoreModule.forRoot(options), TypeOrmModule.forRoot(dataSourceOptions(options.databaseUrl, 2))],
      providers: [TipPrivacyRepository, PayeeDetailsRepository, PayoutErasureService, PrivacyRepository, RetentionReporter],
    };
  }
}

export async function retentionReport(args: string[], config: AppConfig): Promise<number> {
  const { values } = parseArgs({ args, options: { at: { type: 'string' } }, strict: true });
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime())) throw new UsageError('--at takes a date and time, e.g. 2027-01-31T00:00:00Z');
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const encryptionKey = await resolveEncryptionKey(config, logger);
  const database = await openDatabase(config, logger);
  let context: INestApplicationContext | undefined;
  try {
    await runMigrations(database.url);
    context = await NestFactory.createApplicationContext(RetentionReportModule.forRoot({ config, logger, encryptionKey, databaseUrl: database.url }), {
      logger: false,
      abortOnError: false,
    });
    const report = await context.get(RetentionReporter).report(at);
    process.stdout.write(`Retention report at ${report.at} (a dry run: nothing is removed)\n`);
    for (const rule of report.rules) {
      process.stdout.write(`${rule.description}: ${rule.count} due\n`);
      for (const tip of rule.tips) process.stdout.write(`  ${tip.reference} (${tip.tipId})\n`);
    }
    process.stdout.write(`Kept by a legal hold: ${report.held.length}\n`);
    for (const tip of report.held) process.stdout.write(`  ${tip.reference} (${tip.tipId})\n`);
    return 0;
  } finally {
    await context?.close();
    await database.own?.stop();
  }
}
