import { isValidBIC, isValidIBAN } from 'ibantools';

/**
 * What a paying-account value must look like, wherever it comes from: the environment
 * (AppConfig, checked at boot) or the paper settings page (checked when an admin proposes it).
 * One table, so the two can never disagree about what a bank file accepts.
 */
export const PAYER_RULES = {
  // Bacs carries the service user's name in an 18-character field.
  name: { test: (v: string) => /^[A-Za-z0-9 .&/-]{1,18}$/.test(v), words: '1-18 characters of A-Z 0-9 space . - / &' },
  sortCode: { test: (v: string) => /^\d{6}$/.test(v), words: '6 digits (no dashes)' },
  accountNumber: { test: (v: string) => /^\d{8}$/.test(v), words: '8 digits' },
  serviceUserNumber: { test: (v: string) => /^\d{6}$/.test(v), words: '6 digits' },
  sepaDebtorName: { test: (v: string) => /^[A-Za-z0-9/\-?:().,'+ ]{1,70}$/.test(v), words: '1-70 characters of the SEPA Latin set' },
  sepaDebtorIban: { test: (v: string) => isValidIBAN(v), words: 'a valid IBAN in electronic form (no spaces)' },
  sepaDebtorBic: { test: (v: string) => isValidBIC(v), words: 'a valid BIC (8 or 11 characters)' },
} as const satisfies Record<string, { test: (value: string) => boolean; words: string }>;
