// The key ring of issue 14's key rotation: ENCRYPTION_KEY_PREVIOUS, HASH_KEY and its file, and
// the FieldCipher helpers keys:rotate uses (crypto/encryption-key.ts, crypto/field-cipher.ts).
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { derivedHashKey, keyFrom, previousKeys, resolveKeyRing } from '../../src/crypto/encryption-key.js';
import { FieldCipher } from '../../src/crypto/field-cipher.js';
import { createLogger } from '../../src/logging/logger.js';

const logger = createLogger('silent');
const b64 = (key: Buffer) => key.toString('base64');
const dataDir = () => mkdtemp(join(tmpdir(), 'tipdesk-keys-'));

describe('ENCRYPTION_KEY_PREVIOUS', () => {
  it('is a comma-separated list of keys, spaces allowed, base64 or hex', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(previousKeys({ ENCRYPTION_KEY_PREVIOUS: ` ${b64(a)} ,${b.toString('hex')}` }).map((k) => k.id)).toEqual([keyFrom(a).id, keyFrom(b).id]);
    expect(previousKeys({})).toEqual([]);
  });

  it.each(['short', `${b64(randomBytes(32))},`, `${b64(randomBytes(32))};${b64(randomBytes(32))}`])('refuses %j at boot, naming the variable', (value) => {
    expect(() => loadConfig({ ENCRYPTION_KEY_PREVIOUS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ENCRYPTION_KEY_PREVIOUS: value })).toThrow(/ENCRYPTION_KEY_PREVIOUS/);
  });

  it('HASH_KEY is checked like ENCRYPTION_KEY', () => {
    expect(() => loadConfig({ HASH_KEY: 'abc' })).toThrow(/HASH_KEY must be 32 bytes/);
    expect(loadConfig({ HASH_KEY: randomBytes(32).toString('hex') }).HASH_KEY).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('resolveKeyRing', () => {
  it('reads old keys, and keyed hashes follow HASH_KEY, not the encryption key', async () => {
    const old = randomBytes(32);
    const current = randomBytes(32);
    const hash = randomBytes(32);
    const dir = await dataDir();
    const ring = await resolveKeyRing({ dataDir: dir, ENCRYPTION_KEY: b64(current), ENCRYPTION_KEY_PREVIOUS: b64(old), HASH_KEY: b64(hash) }, logger);
    expect(ring.current.id).toBe(keyFrom(current).id);
    expect(ring.previous.map((k) => k.id)).toEqual([keyFrom(old).id]);
    expect(ring.hashKey.equals(hash)).toBe(true);
    const before = new FieldCipher(keyFrom(old), [], hash);
    const after = new FieldCipher(ring.current, ring.previous, ring.hashKey);
    expect(after.keyedHash('payee-account', 'GB82WEST12345698765432')).toBe(before.keyedHash('payee-account', 'GB82WEST12345698765432'));
    expect(after.decrypt(before.encrypt('+44 7700 900123'))).toBe('+44 7700 900123');
  });

  it('without HASH_KEY: writes DATA_DIR/hash.key (0600) holding the key hashes were made with so far, so an existing deployment’s hashes keep matching', async () => {
    const current = randomBytes(32);
    const dir = await dataDir();
    const ring = await resolveKeyRing({ dataDir: dir, ENCRYPTION_KEY: b64(current) }, logger);
    expect(ring.hashKey.equals(derivedHashKey(current))).toBe(true);
    // The same hash as a FieldCipher made before HASH_KEY existed (no hash key given).
    expect(new FieldCipher(ring.current, [], ring.hashKey).keyedHash('channel-sender', 'whatsapp:447700900123')).toBe(
      new FieldCipher(keyFrom(current)).keyedHash('channel-sender', 'whatsapp:447700900123'),
    );
    const file = join(dir, 'hash.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').equals(ring.hashKey)).toBe(true);

    // After the rotation (a new ENCRYPTION_KEY, the old one previous), the pinned file still rules.
    const next = randomBytes(32);
    const rotated = await resolveKeyRing({ dataDir: dir, ENCRYPTION_KEY: b64(next), ENCRYPTION_KEY_PREVIOUS: b64(current) }, logger);
    expect(rotated.hashKey.equals(ring.hashKey)).toBe(true);
  });

  it('with ENCRYPTION_KEY_PREVIOUS but no HASH_KEY and no hash.key: refuses to start rather than hash under the wrong key', async () => {
    const dir = await dataDir();
    await expect(resolveKeyRing({ dataDir: dir, ENCRYPTION_KEY: b64(randomBytes(32)), ENCRYPTION_KEY_PREVIOUS: b64(randomBytes(32)) }, logger)).rejects.toThrow(
      /ENCRYPTION_KEY_PREVIOUS is set but HASH_KEY is not/,
    );
  });

  it('a damaged hash.key is an error, not a silently new key', async () => {
    const dir = await dataDir();
    await writeFile(join(dir, 'hash.key'), 'not a key\n');
    await expect(resolveKeyRing({ dataDir: dir, ENCRYPTION_KEY: b64(randomBytes(32)) }, logger)).rejects.toThrow(/HASH_KEY must decode to 32 bytes/);
  });
});

describe('FieldCipher for keys:rotate', () => {
  it('isCurrent and reencrypt: the same plaintext under the current key, decrypted first (never encrypted twice)', () => {
    const old = keyFrom(randomBytes(32));
    const current = keyFrom(randomBytes(32));
    const written = new FieldCipher(old).encrypt('Jo Bloggs');
    const cipher = new FieldCipher(current, [old]);
    expect(cipher.isCurrent(written)).toBe(false);
    const again = cipher.reencrypt(written);
    expect(cipher.isCurrent(again)).toBe(true);
    expect(new FieldCipher(current).decrypt(again)).toBe('Jo Bloggs');
    expect(new FieldCipher(current).decrypt(cipher.reencrypt(again))).toBe('Jo Bloggs');
  });
});
