// Crockford's base32: no I, L, O or U, so a code read out over the phone survives.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The first `length` Crockford base32 characters of `bytes` (5 bits each). */
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

/** What a person typed, as the code it means: any case, no spaces or dashes, and the letters Crockford reads as digits (I, L → 1; O → 0). */
export function canonicalCrockford(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}
