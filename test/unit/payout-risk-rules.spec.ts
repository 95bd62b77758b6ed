import { describe, expect, it } from '@jest/globals';
import { payeeAccountKey } from '../../src/payouts/risks/payee-account-key.js';
import { evaluateRisks, PAYOUT_RISK_RULES, type PayoutRiskFacts } from '../../src/payouts/risks/payout-risk-rules.js';
import { PAYOUT_RISK_CODES } from '../../src/payouts/risks/risk-codes.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const base: PayoutRiskFacts = {
  amountMinor: 25_000,
  currency: 'GBP',
  secondApprovalMinor: 100_000,
  payeeMethod: 'uk_bank',
  payeeMasked: '****6819',
  payeeVersion: 1,
  payeeGivenAt: hoursAgo(1),
  acceptedAt: hoursAgo(1),
  coolingHours: 24,
  now: NOW,
  sharedWithTips: [],
  payeeFromStaffBrowser: false,
  offererHoldsSecretUnderWaiver: false,
};
const codes = (facts: Partial<PayoutRiskFacts>) => evaluateRisks({ ...base, ...facts }).map((r) => r.code);

describe('payout risk rules', () => {
  it('every code has exactly one rule', () => {
    expect(PAYOUT_RISK_RULES.map((r) => r.code).sort()).toEqual([...PAYOUT_RISK_CODES].sort());
  });

  it.each<[string, Partial<PayoutRiskFacts>, string[]]>([
    ['nothing unusual', {}, []],
    ['another contributor paid to the same account', { sharedWithTips: ['TD-AAAA-BBBB'] }, ['PAYEE_SHARED']],
    ['details typed in a staff browser', { payeeFromStaffBrowser: true }, ['PAYEE_FROM_STAFF_BROWSER']],
    ['first details given at acceptance (no change)', { payeeVersion: 1, payeeGivenAt: hoursAgo(1) }, []],
    ['details changed 2 hours ago', { payeeVersion: 2, payeeGivenAt: hoursAgo(2), acceptedAt: hoursAgo(30) }, ['PAYEE_CHANGED_RECENTLY']],
    [
      'details changed 23 hours before acceptance, 3 days ago',
      { payeeVersion: 2, payeeGivenAt: hoursAgo(95), acceptedAt: hoursAgo(72) },
      ['PAYEE_CHANGED_RECENTLY'],
    ],
    ['details changed 30 hours before acceptance and long ago', { payeeVersion: 2, payeeGivenAt: hoursAgo(200), acceptedAt: hoursAgo(170) }, []],
    ['one penny under the limit', { amountMinor: 99_999 }, []],
    ['exactly the limit', { amountMinor: 100_000 }, ['AMOUNT_OVER_LIMIT']],
    ['the offerer holds the secret under a waiver', { offererHoldsSecretUnderWaiver: true }, ['LOGGED_BY_OFFERER']],
  ])('%s → %j', (_name, facts, expected) => {
    expect(codes(facts)).toEqual(expected);
  });

  it('PAYEE_SHARED names the other tips and the masked account, never more', () => {
    const [risk] = evaluateRisks({ ...base, sharedWithTips: ['TD-1111-2222', 'TD-3333-4444'] });
    expect(risk.message).toBe('The same bank account (****6819) is the payee of another contributor: tip TD-1111-2222, TD-3333-4444.');
  });

  it('AMOUNT_OVER_LIMIT says the amounts in money', () => {
    expect(evaluateRisks({ ...base, amountMinor: 150_050 })[0].message).toContain('£1,500.50 is at or over £1,000');
  });
});

describe('payeeAccountKey', () => {
  it.each([
    [{ method: 'uk_bank', sortCode: '601613', accountNumber: '31926819' }, 'uk:60161331926819'],
    [{ method: 'iban', iban: 'GB29NWBK60161331926819', bic: null }, 'uk:60161331926819'],
    [{ method: 'iban', iban: 'de89 3704 0044 0532 0130 00', bic: null }, 'iban:DE89370400440532013000'],
    [{ method: 'paypal', paypalEmail: ' Jo@Example.COM ' }, 'paypal:jo@example.com'],
  ] as const)('%j → %s', (account, key) => {
    expect(payeeAccountKey(account)).toBe(key);
  });
});
