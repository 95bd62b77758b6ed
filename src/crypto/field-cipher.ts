import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { derivedHashKey, type EncryptionKey } from './encryption-key.js';

const VERSION = 'v1';

/**
 * AES-256-GCM for personal data at rest. Ciphertext format: `v1:<keyId>:<iv>:<tag>:<data>`
 * (base64url parts), so a reader knows which key wrote it.
 */
export class FieldCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly hashKey: Buffer;

  /**
   * `previous`: older keys (ENCRYPTION_KEY_PREVIOUS), read but never written with. `hashKey`:
   * HASH_KEY, so keyed hashes survive a rotation; without it, derived from the current key (as
   * before HASH_KEY existed: tests, and the value DATA_DIR/hash.key pins for old deployments).
   */
  constructor(
    private readonly current: EncryptionKey,
    previous: EncryptionKey[] = [],
    hashKey?: Buffer,
  ) {
    for (const k of [...previous, current]) this.keys.set(k.id, k.key);
    // A separate key for keyed hashes, so the encryption key itself is never used twice.
    this.hashKey = hashKey ?? derivedHashKey(current.key);
  }

  /** True when `text` was written under the current key (keys:rotate leaves it alone). */
  isCurrent(text: string): boolean {
    return text.startsWith(this.currentPrefix);
  }

  /** What every ciphertext under the current key begins with. */
  get currentPrefix(): string {
    return `${VERSION}:${this.current.id}:`;
  }

  /** The same plaintext under the current key (never encrypted twice: it is decrypted first). */
  reencrypt(text: string): string {
    return this.encrypt(this.decrypt(text));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
    return [VERSION, this.current.id, ...parts].join(':');
  }

  decrypt(text: string): string {
    const [version, keyId, iv, tag, data] = text.split(':');
    const key = this.keys.get(keyId);
    if (version !== VERSION || !key || !iv || !tag || data === undefined) throw new Error('Unreadable ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** The id of the key that encrypts and signs now (written beside a signature, so a checker knows which key). */
  get keyId(): string {
    return this.current.id;
  }

  /**
   * HMAC-SHA-256 signature under a key derived for signing (never the encryption key itself),
   * by any key this cipher holds (`keyId`, default the current one); null for an unknown key.
   */
  sign(message: string, keyId: string = this.current.id): string | null {
    const key = this.keys.get(keyId);
    if (!key) return null;
    const signingKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'tipdesk signature', 32));
    return createHmac('sha256', signingKey).update(message).digest('hex');
  }

  /** HMAC-SHA-256 under a server key: for values we must match but never store (IPs, idempotency keys). */
  keyedHash(purpose: string, value: string): string {
    return createHmac('sha256', this.hashKey).update(purpose).update('\0').update(value).digest('hex');
  }
}
