import type { PayeeAccount } from '../payee-details.js';

/**
 * The account a payment lands in, in one form whatever way it was typed: a UK account by sort
 * code and number (a GB IBAN names the same account, so it becomes the same key), any other
 * IBAN as IBAN, a PayPal address in lower case. Only its keyed hash is stored (PAYEE_SHARED).
 */
export function payeeAccountKey(account: PayeeAccount): string {
  switch (account.method) {
    case 'uk_bank':
      return `uk:${account.sortCode}${account.accountNumber}`;
    case 'iban': {
      const iban = account.iban.replace(/\s+/g, '').toUpperCase();
      // GBkk BBBB SSSSSS AAAAAAAA: the bank code, then the sort code and account number.
      return /^GB\d{2}[A-Z]{4}\d{14}$/.test(iban) ? `uk:${iban.slice(8, 14)}${iban.slice(14, 22)}` : `iban:${iban}`;
    }
    case 'paypal':
      return `paypal:${account.paypalEmail.trim().toLowerCase()}`;
  }
}

/** The purpose string of FieldCipher.keyedHash for payee accounts. */
export const PAYEE_ACCOUNT_HASH_PURPOSE = 'payee-account';
