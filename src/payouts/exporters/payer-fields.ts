import { ConfigError, type Payer } from '../../config/app-config.js';

const SETTING_OF: Record<keyof Payer, string> = {
  name: 'PAYER_NAME',
  sortCode: 'PAYER_SORT_CODE',
  accountNumber: 'PAYER_ACCOUNT_NUMBER',
  serviceUserNumber: 'BACS_SERVICE_USER_NUMBER',
  sepaDebtorName: 'SEPA_DEBTOR_NAME',
  sepaDebtorIban: 'SEPA_DEBTOR_IBAN',
  sepaDebtorBic: 'SEPA_DEBTOR_BIC',
};

/** One payer field a format cannot do without, or a ConfigError naming its setting. */
export function payerField(payer: Payer, field: keyof Payer): string {
  const value = payer[field];
  if (!value) throw new ConfigError(`${SETTING_OF[field]} must be set to export this format`);
  return value;
}
