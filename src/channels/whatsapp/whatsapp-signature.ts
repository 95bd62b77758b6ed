import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_HEADER_VALUE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Meta signs every webhook POST: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body
 * under the app secret>`. Compared in constant time, over the bytes exactly as they arrived
 * (re-serialised JSON would not match).
 */
export function hasValidSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  const match = SIGNATURE_HEADER_VALUE.exec(header?.trim() ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

/** The header value for a body (what Meta sends; the tests sign with it too). */
export function signatureFor(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}
