import { describe, expect, it } from '@jest/globals';
import { crockfordBase32 } from '../../src/text/crockford.js';
import { generateReference, generateSecret, hashSecret, normaliseReference, REFERENCE_PATTERN, secretMatches } from '../../src/tips/reference-codes.js';

describe('reference codes', () => {
  it('look like TD-XXXX-XXXX in Crockford base32 and do not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const reference = generateReference();
      expect(reference).toMatch(REFERENCE_PATTERN);
      expect(reference).not.toMatch(/[ILOU]/);
      seen.add(reference);
    }
    expect(seen.size).toBe(5000);
  });

  it.each([
    ['td-7k3q-9xrm', 'TD-7K3Q-9XRM'],
    [' TD 7K3Q 9XRM ', 'TD-7K3Q-9XRM'],
    ['7k3q9xrm', 'TD-7K3Q-9XRM'],
    ['TD-OK3Q-9XRL', 'TD-0K3Q-9XR1'],
  ])('normalises %j to %s', (input, expected) => {
    expect(normaliseReference(input)).toBe(expected);
  });

  it('encodes known bytes', () => {
    expect(crockfordBase32(Buffer.from([0, 0, 0, 0, 0]), 8)).toBe('00000000');
    expect(crockfordBase32(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), 8)).toBe('ZZZZZZZZ');
    expect(crockfordBase32(Buffer.from('f'), 1)).toBe('C');
    expect(() => crockfordBase32(Buffer.from([1]), 3)).toThrow();
  });
});

describe('contributor secrets', () => {
  it('carry 160 bits in eight groups of four', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(generateSecret()).not.toBe(secret);
  });

  it('match however the contributor types them, and only them', () => {
    const secret = generateSecret();
    const stored = hashSecret(secret);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(secret);
    expect(secretMatches(secret.toLowerCase().replace(/-/g, ' '), stored)).toBe(true);
    expect(secretMatches(generateSecret(), stored)).toBe(false);
    expect(secretMatches('', stored)).toBe(false);
  });
});
