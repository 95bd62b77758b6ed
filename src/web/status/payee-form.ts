import type { FieldErrors } from '../../http/errors.js';
import { validatePayee } from '../../payouts/payee-details.js';
import { PAYEE_METHODS, type PayeeMethod } from '../../payouts/payouts.entities.js';
import { formText } from '../shared/form-input.js';

/** The contributor's payee form (accepting an offer, new payout details): its fields as typed, as passed on, and its problems in plain words. */

const PAYEE_FIELDS = ['sortCode', 'accountNumber', 'iban', 'bic', 'paypalEmail'] as const;
const OFFER_TEXT_FIELDS = ['method', 'accountName', ...PAYEE_FIELDS] as const;
/** The fields each way of being paid shows (the form shows only the chosen way's). */
const METHOD_FIELDS: Record<PayeeMethod, readonly (typeof PAYEE_FIELDS)[number][]> = {
  uk_bank: ['sortCode', 'accountNumber'],
  iban: ['iban', 'bic'],
  paypal: ['paypalEmail'],
};

/** The API's messages name fields for programmers; a person ticking a box needs plainer words. */
export function pageWords(errors: FieldErrors): FieldErrors {
  const words: FieldErrors = { ...errors };
  if (words.confirmLicence) words.confirmLicence = ['Tick the box to agree to the licence'];
  if (words.method) words.method = ['Choose how we should pay you'];
  return words;
}

const isPayeeMethod = (value: string): value is PayeeMethod => (PAYEE_METHODS as readonly string[]).includes(value);

/**
 * A payee form's fields as typed (to show again) and as passed on. The form asks how to pay
 * first and shows only that way's fields, so only the chosen way's filled-in fields are passed
 * on: anything typed under another way (hidden once the choice changed) is not used.
 */
export function payeeForm(body: Record<string, unknown>) {
  const values: Record<string, string> = Object.fromEntries(OFFER_TEXT_FIELDS.map((name) => [name, formText(body, name)]));
  const shown = isPayeeMethod(values.method) ? METHOD_FIELDS[values.method] : [];
  const payee = {
    method: values.method,
    accountName: values.accountName,
    ...Object.fromEntries(shown.filter((name) => values[name].trim() !== '').map((name) => [name, values[name]])),
  };
  return { values, payee };
}

/** The DTO's problems and the payee checks' together, so a person fixes everything in one go. */
export function allProblems(payee: { method: string; accountName: string }, errors: FieldErrors): FieldErrors {
  const payeeErrors = isPayeeMethod(payee.method) ? (validatePayee({ ...payee, method: payee.method }).fields ?? {}) : {};
  return pageWords({ ...payeeErrors, ...errors });
}
