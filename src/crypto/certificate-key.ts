import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';
import type { EncryptionKey } from './encryption-key.js';

/** The Ed25519 key that signs erasure certificates. */
export interface CertificateSigningKey {
  /** First 16 hex digits of the SHA-256 of the raw public key: printed on every certificate. */
  id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Nest injection token for the app's CertificateSigningKey (provided by CoreModule). */
export const CERTIFICATE_SIGNING_KEY = Symbol('CertificateSigningKey');

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): this prefix, then the seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Derived from ENCRYPTION_KEY with HKDF-SHA256 under its own label, so it needs no key of its
 * own to keep, back up or configure, and whoever can verify a certificate later is whoever holds
 * that key (the CLI's certificate:verify). The label keeps it unrelated to every other use of the key.
 */
export function certificateSigningKey(encryptionKey: EncryptionKey): CertificateSigningKey {
  const seed = Buffer.from(hkdfSync('sha256', encryptionKey.key, Buffer.alloc(0), 'tipdesk erasure certificate signing key v1', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { id: createHash('sha256').update(raw).digest('hex').slice(0, 16), privateKey, publicKey };
}

/** Base64 Ed25519 signature of the text's UTF-8 bytes. */
export function signText(key: CertificateSigningKey, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64');
}

export function verifyText(key: CertificateSigningKey, text: string, signature: string): boolean {
  const bytes = Buffer.from(signature, 'base64');
  return bytes.length === 64 && verify(null, Buffer.from(text, 'utf8'), key.publicKey, bytes);
}
