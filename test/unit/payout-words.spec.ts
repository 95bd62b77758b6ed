import { describe, expect, it } from '@jest/globals';
import { contributorStateText, formatMoney, generateBankReference } from '../../src/payouts/payout-words.js';

describe('bank references', () => {
  it('are at most 18 characters of the banks’ safe set (A–Z 0–9 . - / & space), and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const reference = generateBankReference();
      expect(reference).toMatch(/^[A-Z0-9./& -]{1,18}$/);
      expect(reference).toMatch(/^TIPDESK [0-9A-HJKMNP-TV-Z]{8}$/);
      seen.add(reference);
    }
    expect(seen.size).toBe(2_000);
  });
});

describe('money and payout states in the contributor’s words', () => {
  it.each([
    [25_000, 'GBP', '£250'],
    [1_250, 'GBP', '£12.50'],
    [100_000, 'EUR', '€1,000'],
    [1, 'USD', 'US$0.01'],
  ] as const)('%i minor units of %s read %s', (amount, currency, text) => {
    expect(formatMoney(amount, currency)).toBe(text);
  });

  it('an offer reads as the issue words it', () => {
    expect(contributorStateText({ state: 'offered', amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' })).toBe(
      'We’d like to pay you £250 for exclusive use of your video',
    );
    expect(contributorStateText({ state: 'offered', amountMinor: 5_000, currency: 'EUR', licence: 'non_exclusive' }, 'story')).toBe(
      'We’d like to pay you €50 for non-exclusive use of your story',
    );
  });

  it.each([
    ['approved', 'Payment approved'],
    ['batched', 'Payment scheduled'],
    ['paid', 'Paid'],
    ['failed', 'Payment failed – please update your details'],
  ] as const)('%s reads “%s”', (state, text) => {
    expect(contributorStateText({ state, amountMinor: 100, currency: 'GBP', licence: 'exclusive' })).toBe(text);
  });
});
