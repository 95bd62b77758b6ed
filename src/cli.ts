import 'reflect-metadata';
import { fieldLines, usage, UsageError } from './cli-shared.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';

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
    // Each command loads only what it needs (audit:verify must walk a million events in little memory).
    if (command === 'audit:verify') return await (await import('./cli-audit.js')).verifyAudit(args, config);
    if (command === 'audit:verify-export') return await (await import('./cli-audit.js')).verifyAuditExport(args, config);
    if (command === 'certificate:verify') return await (await import('./cli-certificate.js')).verifyCertificate(args, config);
    if (command === 'retention:report') return await (await import('./cli-retention.js')).retentionReport(args, config);
    if (command === 'keys:rotate') return await (await import('./cli-keys.js')).rotateKeys(args, config);
    if (command === 'staff:add') await (await import('./cli-staff.js')).addStaff(args, config);
    else if (command === 'staff:password') await (await import('./cli-staff.js')).setStaffPassword(args, config);
    else throw new UsageError(command ? `Unknown command: ${command}` : 'No command given');
    return 0;
  } catch (error) {
    const { DomainError } = await import('./http/errors.js');
    if (error instanceof UsageError || error instanceof DomainError) {
      const fields = error instanceof DomainError && error.fields ? `\n${fieldLines(error.fields)}` : '';
      process.stderr.write(`${error.message}${fields}\n${error instanceof UsageError ? `\n${await usage()}` : ''}`);
      return 64; // EX_USAGE
    }
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`${(error as Error).message}\n\n${await usage()}`);
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
