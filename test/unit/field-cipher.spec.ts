import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config.js';
import { decodeKey, keyFrom, resolveEncryptionKey } from '../../src/crypto/encryption-key.js';
import { FieldCipher } from '../../src/crypto/field-cipher.js';
import { createLogger } from '../../src/logging/logger.js';

describe('FieldCipher', () => {
  const key = keyFrom(randomBytes(32));

  it('round-trips text and never repeats a ciphertext', () => {
    const cipher = new FieldCipher(key);
    const a = cipher.encrypt('ada@example.com');
    expect(a).toMatch(new RegExp(`^v1:${key.id}:`));
    expect(a).not.toContain('ada');
    expect(cipher.encrypt('ada@example.com')).not.toBe(a);
    expect(cipher.decrypt(a)).toBe('ada@example.com');
  });

  it('refuses tampered ciphertext', () => {
    const cipher = new FieldCipher(key);
    const parts = cipher.encrypt('GB82WEST12345698765432').split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt(parts.join(':'))).toThrow();
  });

  it('reads what an older key wrote after rotation', () => {
    const old = keyFrom(randomBytes(32));
    const written = new FieldCipher(old).encrypt('+44 7700 900123');
    expect(new FieldCipher(key, [old]).decrypt(written)).toBe('+44 7700 900123');
    expect(() => new FieldCipher(key).decrypt(written)).toThrow(/Unreadable/);
  });

  it('keyed hashes differ by purpose and key', () => {
    const cipher = new FieldCipher(key);
    expect(cipher.keyedHash('a', '10.0.0.1')).toMatch(/^[0-9a-f]{64}$/);
    expect(cipher.keyedHash('a', '10.0.0.1')).toBe(cipher.keyedHash('a', '10.0.0.1'));
    expect(cipher.keyedHash('b', '10.0.0.1')).not.toBe(cipher.keyedHash('a', '10.0.0.1'));
    expect(new FieldCipher(keyFrom(randomBytes(32))).keyedHash('a', '10.0.0.1')).not.toBe(cipher.keyedHash('a', '10.0.0.1'));
  });
});

describe('resolveEncryptionKey', () => {
  it('generates a key into DATA_DIR once (mode 0600) and reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tipdesk-key-'));
    const config = loadConfig({ DATA_DIR: dir });
    const first = await resolveEncryptionKey(config, createLogger('silent'));
    const second = await resolveEncryptionKey(config, createLogger('silent'));
    expect(second).toEqual(first);
    expect((await stat(join(dir, 'encryption.key'))).mode & 0o777).toBe(0o600);
    expect(decodeKey((await readFile(join(dir, 'encryption.key'), 'utf8')).trim())).toEqual(first.key);
  });

  it('prefers ENCRYPTION_KEY, in hex or base64', async () => {
    const raw = randomBytes(32);
    for (const text of [raw.toString('hex'), raw.toString('base64')]) {
      const key = await resolveEncryptionKey(loadConfig({ ENCRYPTION_KEY: text, DATA_DIR: '/nonexistent' }), createLogger('silent'));
      expect(key.key).toEqual(raw);
    }
  });
});
