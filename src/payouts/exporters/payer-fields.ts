import { ConfigError, type Payer } from '../../config/app-config.js';

const WORDS: Record<keyof Payer, string> = {
  name: 'payer name',
  sortCode: 'sort code',
  accountNumber: 'account number',
  serviceUserNumber: 'Bacs service user number',
  sepaDebtorName: 'SEPA debtor name',
  sepaDebtorIban: 'SEPA debtor IBAN',
  sepaDebtorBic: 'SEPA debtor BIC',
};

/** One payer field a format cannot do without, or a ConfigError naming it (in words: accountants read it). */
export function payerField(payer: Payer, field: keyof Payer): string {
  const value = payer[field];
  if (!value) throw new ConfigError(`The paying account's ${WORDS[field]} must be set up (Paper settings) to export this format`);
  return value;
}
