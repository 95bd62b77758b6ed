// keys:rotate: re-encrypts every encrypted field under the current ENCRYPTION_KEY. Each module
// that owns an encrypted column offers it through its own *-ciphertexts.repository.ts; the loop
// (crypto/key-rotation.ts) is resumable: run it again after an interruption. See README
// "Rotating the encryption key".
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parseArgs } from 'node:util';
import type { AppConfig } from './config/app-config.js';
import { CoreModule, type CoreOptions } from './core.module.js';
import { resolveKeyRing } from './crypto/encryption-key.js';
import { FieldCipher } from './crypto/field-cipher.js';
import { rotateColumns } from './crypto/key-rotation.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { runMigrations } from './database/migrate.js';
import { createLogger } from './logging/logger.js';
import { PayoutCiphertextsRepository } from './payouts/payout-ciphertexts.repository.js';
import { StaffCiphertextsRepository } from './staff/staff-ciphertexts.repository.js';
import { TipCiphertextsRepository } from './tips/tip-ciphertexts.repository.js';
import { openDatabase, UsageError } from './cli-shared.js';

const REPOSITORIES = [TipCiphertextsRepository, StaffCiphertextsRepository, PayoutCiphertextsRepository] as const;

/** Only what re-encryption needs: the cipher, the database and the modules' ciphertext repositories. */
@Module({})
class KeyCommandsModule {
  static forRoot(options: CoreOptions & { databaseUrl: string }): DynamicModule {
    return {
      module: KeyCommandsModule,
      imports: [CoreModule.forRoot(options), TypeOrmModule.forRoot(dataSourceOptions(options.databaseUrl, 2))],
      providers: [...REPOSITORIES],
    };
  }
}

export async function rotateKeys(args: string[], config: AppConfig): Promise<number> {
  const { values } = parseArgs({ args, options: { 'batch-size': { type: 'string' } }, strict: true });
  const batchSize = Number(values['batch-size'] ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new UsageError('--batch-size must be a whole number from 1 to 10000');
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const keys = await resolveKeyRing(config, logger);
  const database = await openDatabase(config, logger);
  let context: INestApplicationContext | undefined;
  try {
    await runMigrations(database.url);
    context = await NestFactory.createApplicationContext(
      KeyCommandsModule.forRoot({ config, logger, encryptionKey: keys.current, previousKeys: keys.previous, hashKey: keys.hashKey, databaseUrl: database.url }),
      { logger: false, abortOnError: false },
    );
    const columns = REPOSITORIES.flatMap((type) => context!.get(type).columns());
    process.stdout.write(`Re-encrypting under key ${keys.current.id} (batches of ${batchSize}); safe to interrupt and run again.\n`);
    const result = await rotateColumns(columns, context.get(FieldCipher), {
      batchSize,
      onBatch: (column, rewritten) => process.stdout.write(`${column}: ${rewritten} re-encrypted\n`),
    });
    let changed = 0;
    for (const column of result.columns) {
      changed += column.changedMeanwhile;
      process.stdout.write(`${column.column}: ${column.rewritten} in all${column.changedMeanwhile ? `, ${column.changedMeanwhile} changed meanwhile` : ''}\n`);
    }
    if (changed > 0) {
      process.stdout.write(`${changed} values changed while this ran: run keys:rotate again to finish.\n`);
      return 1;
    }
    process.stdout.write(
      `Done: every encrypted field is under key ${keys.current.id}. ENCRYPTION_KEY_PREVIOUS can be removed once every app process runs with this key (keep it if you still need to verify audit exports signed under the old key).\n`,
    );
    return 0;
  } finally {
    await context?.close();
    await database.own?.stop();
  }
}
