import { createHmac } from 'node:crypto';

/**
 * A rate-limit bucket's key: HMAC-SHA256 of what is counted (an address group, a subject) under
 * its window's random pepper. Without the pepper (deleted when the window closes) the key cannot
 * be recomputed from an address, so a seized database cannot be searched for one.
 */
export function pepperedKey(pepper: Buffer, kind: 'client-address' | 'subject', value: string): string {
  return createHmac('sha256', pepper).update(`${kind}:${value}`).digest('hex');
}
