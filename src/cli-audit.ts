// The audit commands of the CLI: only pg and the chain's own code, so walking a million events
// stays within a small memory (no TypeORM, no app modules). See cli.ts.
import { createReadStream } from 'node:fs';
import { verifyExport } from './audit/audit-export.js';
import { verifyChains } from './audit/chain-verifier.js';
import type { AppConfig } from './config/app-config.js';
import { previousKeys, resolveEncryptionKey } from './crypto/encryption-key.js';
import { FieldCipher } from './crypto/field-cipher.js';
import { createLogger } from './logging/logger.js';
import { openDatabase, UsageError } from './cli-shared.js';

/** audit:verify: both chains, streamed; the first broken event named. */
export async function verifyAudit(args: string[], config: AppConfig): Promise<number> {
  if (args.length > 0) throw new UsageError('audit:verify takes no arguments');
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openDatabase(config, logger);
  try {
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
export async function verifyAuditExport(args: string[], config: AppConfig): Promise<number> {
  const [file, ...rest] = args;
  if (!file || rest.length > 0) throw new UsageError('audit:verify-export needs the export file');
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  // Every encryption key it holds (no hash key: a check writes nothing): an export signed before a
  // rotation still verifies while its key is in ENCRYPTION_KEY_PREVIOUS.
  const cipher = new FieldCipher(await resolveEncryptionKey(config, logger), previousKeys(config));
  const result = await verifyExport(createReadStream(file), cipher);
  if (!result.ok) {
    process.stdout.write(`${file}: not intact after ${result.events} events: ${result.problem}.\n`);
    return 1;
  }
  process.stdout.write(`${file}: ${result.events} events, chain intact, signature valid\n`);
  return 0;
}
