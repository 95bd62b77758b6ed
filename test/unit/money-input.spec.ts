import { describe, expect, it } from '@jest/globals';
import { amountMinorFromText, amountText } from '../../src/payouts/money-input.js';

describe('an offer’s amount as an editor types it', () => {
  it.each([
    ['250', 25_000],
    ['£250', 25_000],
    ['250.5', 25_050],
    ['250.50', 25_050],
    ['1,250', 125_000],
    ['€ 99.99', 9_999],
    ['  40 ', 4_000],
    ['0.01', 1],
    ['10,000,000', 1_000_000_000],
    ['75 GBP', 7_500],
  ])('"%s" is %d minor units', (typed, minor) => {
    expect(amountMinorFromText(typed)).toBe(minor);
  });

  it.each(['', 'two hundred', '250.555', '1,25', '-5', '0', '0.00', '10,000,000.01', '12e3', '1.2.3', '£', ',250'])('"%s" is not an amount', (typed) => {
    expect(amountMinorFromText(typed)).toBeUndefined();
  });

  it('writes an amount back for the form', () => {
    expect([amountText(25_000), amountText(25_050), amountText(1)]).toEqual(['250.00', '250.50', '0.01']);
  });
});
