import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface EncryptionKey {
  /** Short id stored beside every ciphertext, so keys can rotate. */
  id: string;
  key: Buffer;
}

export function decodeKey(text: string, name = 'ENCRYPTION_KEY'): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`${name} must decode to 32 bytes`);
  return key;
}

/**
 * The key of keyed hashes before HASH_KEY existed: derived from the encryption key. A deployment
 * that never set HASH_KEY pins this value into DATA_DIR/hash.key on its next start, so the hashes
 * it already stored (payee accounts, channel senders) keep matching after the encryption key rotates.
 */
export function derivedHashKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'tipdesk keyed hash', 32));
}

export function keyFrom(key: Buffer): EncryptionKey {
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

/** What the key is resolved from (AppConfig has both): crypto/ is a leaf and reads no config of its own. */
export interface EncryptionKeySource {
  ENCRYPTION_KEY?: string;
  /** Comma-separated older keys: data written under them stays readable until keys:rotate has run. */
  ENCRYPTION_KEY_PREVIOUS?: string;
  HASH_KEY?: string;
  dataDir: string;
}

/** Every key the app holds: the one that encrypts now, the older ones it still reads, and the key of keyed hashes. */
export interface KeyRing {
  current: EncryptionKey;
  previous: EncryptionKey[];
  hashKey: Buffer;
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

export function previousKeys(config: Pick<EncryptionKeySource, 'ENCRYPTION_KEY_PREVIOUS'>): EncryptionKey[] {
  return (config.ENCRYPTION_KEY_PREVIOUS ?? '')
    .split(',')
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text) => keyFrom(decodeKey(text, 'ENCRYPTION_KEY_PREVIOUS')));
}

/**
 * HASH_KEY from the environment, or DATA_DIR/hash.key; when neither exists it is written there,
 * holding the key hashes were made with so far (derived from the current encryption key), so an
 * existing deployment's stored hashes keep matching. While ENCRYPTION_KEY_PREVIOUS is set that
 * derivation would be from the new key, not the one the hashes were made with: refuse instead.
 */
export async function resolveHashKey(config: EncryptionKeySource, current: EncryptionKey, logger: Logger): Promise<Buffer> {
  if (config.HASH_KEY) return decodeKey(config.HASH_KEY, 'HASH_KEY');
  const file = join(config.dataDir, 'hash.key');
  try {
    return decodeKey((await readFile(file, 'utf8')).trim(), 'HASH_KEY');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (previousKeys(config).length > 0) {
    throw new Error(
      'ENCRYPTION_KEY_PREVIOUS is set but HASH_KEY is not, and DATA_DIR has no hash.key: set HASH_KEY (see README "Rotating the encryption key"), ' +
        'or start once with the old ENCRYPTION_KEY alone so hash.key is written.',
    );
  }
  await mkdir(config.dataDir, { recursive: true });
  const key = derivedHashKey(current.key);
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  logger.warn({ file }, 'HASH_KEY is not set: wrote the hash key into DATA_DIR. Production should set HASH_KEY (and back it up).');
  return key;
}

/** The whole key ring, as the app and the CLI use it. */
export async function resolveKeyRing(config: EncryptionKeySource, logger: Logger): Promise<KeyRing> {
  const current = await resolveEncryptionKey(config, logger);
  return { current, previous: previousKeys(config).filter((k) => k.id !== current.id), hashKey: await resolveHashKey(config, current, logger) };
}
