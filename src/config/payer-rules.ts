import { isValidBIC, isValidIBAN } from 'ibantools';

/**
 * The paying account, field by field, described once: the environment variable that gives its
 * default (AppConfig, checked at boot), its name in an accountant's words (errors, the settings
 * page, a bank file's refusal) and what a value must look like, wherever it comes from (the
 * environment or the paper settings page). One table, so none of them can disagree about what a
 * bank file accepts.
 */
export const PAYER_RULES = {
  // Bacs carries the service user's name in an 18-character field.
  name: { env: 'PAYER_NAME', label: 'payer name', test: (v: string) => /^[A-Za-z0-9 .&/-]{1,18}$/.test(v), words: '1-18 characters of A-Z 0-9 space . - / &' },
  sortCode: { env: 'PAYER_SORT_CODE', label: 'sort code', test: (v: string) => /^\d{6}$/.test(v), words: '6 digits (no dashes)' },
  accountNumber: { env: 'PAYER_ACCOUNT_NUMBER', label: 'account number', test: (v: string) => /^\d{8}$/.test(v), words: '8 digits' },
  serviceUserNumber: { env: 'BACS_SERVICE_USER_NUMBER', label: 'Bacs service user number', test: (v: string) => /^\d{6}$/.test(v), words: '6 digits' },
  sepaDebtorName: {
    env: 'SEPA_DEBTOR_NAME',
    label: 'SEPA debtor name',
    test: (v: string) => /^[A-Za-z0-9/\-?:().,'+ ]{1,70}$/.test(v),
    words: '1-70 characters of the SEPA Latin set',
  },
  sepaDebtorIban: {
    env: 'SEPA_DEBTOR_IBAN',
    label: 'SEPA debtor IBAN',
    test: (v: string) => isValidIBAN(v),
    words: 'a valid IBAN in electronic form (no spaces)',
  },
  sepaDebtorBic: { env: 'SEPA_DEBTOR_BIC', label: 'SEPA debtor BIC', test: (v: string) => isValidBIC(v), words: 'a valid BIC (8 or 11 characters)' },
} as const satisfies Record<string, { env: string; label: string; test: (value: string) => boolean; words: string }>;

export type PayerRuleField = keyof typeof PAYER_RULES;
