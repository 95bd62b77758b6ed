import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface EncryptionKey {
  /** Short id stored beside every ciphertext, so keys can rotate. */
  id: string;
  key: Buffer;
}

export function decodeKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('ENCRYPTION_KEY must decode to 32 bytes');
  return key;
}

export function keyFrom(key: Buffer): EncryptionKey {
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

/** What the key is resolved from (AppConfig has both): crypto/ is a leaf and reads no config of its own. */
export interface EncryptionKeySource {
  ENCRYPTION_KEY?: string;
  dataDir: string;
}

/**
 * ENCRYPTION_KEY from the environment, or the one generated into DATA_DIR on first run, so a
 * fresh clone works; production must set it (losing the file loses every encrypted field).
 */
export async function resolveEncryptionKey(config: EncryptionKeySource, logger: Logger): Promise<EncryptionKey> {
  if (config.ENCRYPTION_KEY) return keyFrom(decodeKey(config.ENCRYPTION_KEY));
  const file = join(config.dataDir, 'encryption.key');
  try {
    return keyFrom(decodeKey((await readFile(file, 'utf8')).trim()));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  logger.warn({ file }, 'ENCRYPTION_KEY is not set: generated a key into DATA_DIR. Production must set ENCRYPTION_KEY (and back it up).');
  return keyFrom(key);
}
