import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalCrockford, crockfordBase32 } from '../text/crockford.js';

/** `TD-XXXX-XXXX`: 40 random bits, unguessable enough for a label that is never the key. */
export function generateReference(): string {
  const code = crockfordBase32(randomBytes(5), 8);
  return `TD-${code.slice(0, 4)}-${code.slice(4)}`;
}

export const REFERENCE_PATTERN = /^TD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** Accepts what a person types: any case, spaces, and the letters Crockford reads as digits. */
export function normaliseReference(input: string): string {
  const compact = canonicalCrockford(input);
  const code = compact.startsWith('TD') ? compact.slice(2) : compact;
  return `TD-${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * The contributor's secret: 160 random bits in eight groups of four. With that much entropy a
 * plain SHA-256 is a safe store (no dictionary to try), and it keeps sign-in cheap.
 */
export function generateSecret(): string {
  return crockfordBase32(randomBytes(20), 32).match(/.{4}/g)!.join('-');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(canonicalCrockford(secret)).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  return timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), Buffer.from(storedHash, 'hex'));
}
