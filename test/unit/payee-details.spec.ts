import { describe, expect, it } from '@jest/globals';
import { maskAccount, maskName, validatePayee, type PayeeInput } from '../../src/payouts/payee-details.js';

const uk = (fields: Partial<PayeeInput> = {}): PayeeInput => ({
  method: 'uk_bank',
  accountName: 'Jane Smith',
  sortCode: '12-34-56',
  accountNumber: '12345678',
  ...fields,
});
const iban = (fields: Partial<PayeeInput> = {}): PayeeInput => ({
  method: 'iban',
  accountName: 'Jean Dupont',
  iban: 'FR14 2004 1010 0505 0001 3M02 606',
  bic: 'PSSTFRPPXXX',
  ...fields,
});
const paypal = (fields: Partial<PayeeInput> = {}): PayeeInput => ({
  method: 'paypal',
  accountName: 'Jo Bloggs',
  paypalEmail: 'Jo.Bloggs@Example.com',
  ...fields,
});

const fieldsOf = (input: PayeeInput) => Object.keys(validatePayee(input).fields ?? {});

describe('payee details: UK bank accounts', () => {
  it('accepts a sort code with hyphens and stores it as 6 digits', () => {
    expect(validatePayee(uk()).payee).toEqual({ accountName: 'Jane Smith', account: { method: 'uk_bank', sortCode: '123456', accountNumber: '12345678' } });
  });
  it('accepts a sort code with spaces', () => expect(validatePayee(uk({ sortCode: '12 34 56' })).payee?.account).toMatchObject({ sortCode: '123456' }));
  it('pads a 7-digit account number with a leading zero', () =>
    expect(validatePayee(uk({ accountNumber: '1234567' })).payee?.account).toMatchObject({ accountNumber: '01234567' }));
  it('pads a 6-digit account number with two leading zeros', () =>
    expect(validatePayee(uk({ accountNumber: '123456' })).payee?.account).toMatchObject({ accountNumber: '00123456' }));
  it('refuses a 5-digit sort code (sortCode)', () => expect(fieldsOf(uk({ sortCode: '12345' }))).toEqual(['sortCode']));
  it('refuses a 7-digit sort code (sortCode)', () => expect(fieldsOf(uk({ sortCode: '1234567' }))).toEqual(['sortCode']));
  it('refuses letters in the sort code (sortCode)', () => expect(fieldsOf(uk({ sortCode: '12-AB-56' }))).toEqual(['sortCode']));
  it('refuses a missing sort code (sortCode)', () => expect(fieldsOf(uk({ sortCode: undefined }))).toEqual(['sortCode']));
  it('refuses a 5-digit account number (accountNumber)', () => expect(fieldsOf(uk({ accountNumber: '12345' }))).toEqual(['accountNumber']));
  it('refuses a 10-digit account number (accountNumber)', () => expect(fieldsOf(uk({ accountNumber: '1234567890' }))).toEqual(['accountNumber']));
  it('refuses letters in the account number (accountNumber)', () => expect(fieldsOf(uk({ accountNumber: '1234567X' }))).toEqual(['accountNumber']));
  it('refuses an IBAN given with a UK account (iban)', () => expect(fieldsOf(uk({ iban: 'GB82WEST12345698765432' }))).toEqual(['iban']));
});

describe('payee details: IBAN and BIC', () => {
  it('accepts an IBAN with spaces and stores its electronic form', () => {
    expect(validatePayee(iban()).payee?.account).toEqual({ method: 'iban', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' });
  });
  it('accepts a lower-case GB IBAN', () =>
    expect(validatePayee(iban({ iban: 'gb82west12345698765432', bic: undefined })).payee?.account).toEqual({
      method: 'iban',
      iban: 'GB82WEST12345698765432',
      bic: null,
    }));
  it('accepts an 8-character BIC', () => expect(validatePayee(iban({ bic: 'nwbkgb2l' })).payee?.account).toMatchObject({ bic: 'NWBKGB2L' }));
  it('refuses an IBAN with wrong check digits (iban)', () => expect(fieldsOf(iban({ iban: 'GB82WEST12345698765431' }))).toEqual(['iban']));
  it('refuses an IBAN of an unknown country (iban)', () => expect(fieldsOf(iban({ iban: 'XX82WEST12345698765432' }))).toEqual(['iban']));
  it('refuses an IBAN of the wrong length for its country (iban)', () => expect(fieldsOf(iban({ iban: 'DE8937040044053201300' }))).toEqual(['iban']));
  it('refuses a missing IBAN (iban)', () => expect(fieldsOf(iban({ iban: undefined }))).toEqual(['iban']));
  it('refuses a 4-character BIC (bic)', () => expect(fieldsOf(iban({ bic: 'NWBK' }))).toEqual(['bic']));
  it('refuses a BIC with digits where the bank code goes (bic)', () => expect(fieldsOf(iban({ bic: '1234GB2L' }))).toEqual(['bic']));
  it('refuses a sort code given with an IBAN (sortCode)', () => expect(fieldsOf(iban({ sortCode: '123456' }))).toEqual(['sortCode']));
});

describe('payee details: PayPal and names', () => {
  it('accepts a PayPal email and lower-cases it', () =>
    expect(validatePayee(paypal()).payee?.account).toEqual({ method: 'paypal', paypalEmail: 'jo.bloggs@example.com' }));
  it('refuses a PayPal email without @ (paypalEmail)', () => expect(fieldsOf(paypal({ paypalEmail: 'jo.bloggs.example.com' }))).toEqual(['paypalEmail']));
  it('refuses a PayPal email without a domain (paypalEmail)', () => expect(fieldsOf(paypal({ paypalEmail: 'jo@' }))).toEqual(['paypalEmail']));
  it('refuses a blank account name (accountName)', () => expect(fieldsOf(uk({ accountName: '   ' }))).toEqual(['accountName']));
  it('refuses an account name with a control character (accountName)', () => expect(fieldsOf(uk({ accountName: 'Jane\u0000Smith' }))).toEqual(['accountName']));
  it('refuses an account name over 140 characters (accountName)', () => expect(fieldsOf(uk({ accountName: 'J'.repeat(141) }))).toEqual(['accountName']));
  it('collapses runs of spaces in the account name', () => expect(validatePayee(uk({ accountName: '  Jane   Smith ' })).payee?.accountName).toBe('Jane Smith'));
});

describe('payee details: masking', () => {
  it('masks a UK account to its last four digits', () =>
    expect(maskAccount({ method: 'uk_bank', sortCode: '123456', accountNumber: '12345678' })).toBe('****5678'));
  it('masks an IBAN to its country and last four', () =>
    expect(maskAccount({ method: 'iban', iban: 'GB82WEST12345698765432', bic: null })).toBe('GB** **** 5432'));
  it('masks a PayPal email to its first letter and domain', () =>
    expect(maskAccount({ method: 'paypal', paypalEmail: 'jo.bloggs@example.com' })).toBe('j***@example.com'));
  it('masks a name to each word’s first letter', () => expect(maskName('Jane Q. Smith')).toBe('J*** Q*** S***'));
  it('no mask contains the account number, IBAN or full email', () => {
    expect(maskAccount({ method: 'uk_bank', sortCode: '123456', accountNumber: '12345678' })).not.toContain('1234');
    expect(maskAccount({ method: 'iban', iban: 'GB82WEST12345698765432', bic: null })).not.toContain('WEST');
    expect(maskAccount({ method: 'paypal', paypalEmail: 'jo.bloggs@example.com' })).not.toContain('bloggs');
  });
});
