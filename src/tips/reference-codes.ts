import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Crockford's base32: no I, L, O or U, so a code read out over the phone survives.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function crockfordBase32(bytes: Buffer, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (out.length < length) throw new Error('Not enough bytes for the requested length');
  return out;
}

/** `TD-XXXX-XXXX`: 40 random bits, unguessable enough for a label that is never the key. */
export function generateReference(): string {
  const code = crockfordBase32(randomBytes(5), 8);
  return `TD-${code.slice(0, 4)}-${code.slice(4)}`;
}

export const REFERENCE_PATTERN = /^TD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** Accepts what a person types: any case, spaces, and the letters Crockford reads as digits. */
export function normaliseReference(input: string): string {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
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
  const canonical = secret.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return createHash('sha256').update(canonical).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  return timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), Buffer.from(storedHash, 'hex'));
}
