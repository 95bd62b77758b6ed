// certificate:verify FILE: an erasure certificate (its PDF or JSON twin) checked against this
// server's signing key, derived from ENCRYPTION_KEY (crypto/certificate-key.ts). No database,
// no app modules: the key and the file are all it needs. See cli.ts.
import { readFile } from 'node:fs/promises';
import type { AppConfig } from './config/app-config.js';
import { certificateSigningKey } from './crypto/certificate-key.js';
import { resolveEncryptionKey } from './crypto/encryption-key.js';
import { createLogger } from './logging/logger.js';
import { UsageError } from './cli-shared.js';
import { verifyCertificateFile } from './privacy/erasure-certificate.js';

export async function verifyCertificate(args: string[], config: AppConfig): Promise<number> {
  const [file, ...rest] = args;
  if (!file || rest.length > 0) throw new UsageError('certificate:verify needs the certificate file (its PDF or JSON)');
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const key = certificateSigningKey(await resolveEncryptionKey(config, logger));
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const result = await verifyCertificateFile(key, bytes);
  if (!result.valid) {
    process.stdout.write(`${file}: NOT VALID: ${result.problem}.\n`);
    return 1;
  }
  const s = result.statement;
  process.stdout.write(
    `${file}: signature valid (key ${s.signingKeyId}). Tip ${s.tip.reference} erased ${s.erasedAt} by ${s.erasedBy.name}; ${s.erased.files.length} file(s), ${s.kept.length} record(s) kept.\n`,
  );
  return 0;
}
