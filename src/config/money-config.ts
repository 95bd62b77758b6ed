import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { emptyToUndefined, isDateList, toInt } from './env-values.js';
import { PAYER_RULES } from './payer-rules.js';

/** The paying account that bank files name as originator/debtor. */
export interface Payer {
  name?: string;
  sortCode?: string;
  accountNumber?: string;
  serviceUserNumber?: string;
  sepaDebtorName?: string;
  sepaDebtorIban?: string;
  sepaDebtorBic?: string;
}

/** A payer variable checked by its field's rule (payer-rules.ts), named in the message as the environment spells it. */
const payerRule = (field: keyof typeof PAYER_RULES) => ({
  name: `payer:${field}`,
  validator: {
    validate: (value: unknown) => typeof value === 'string' && PAYER_RULES[field].test(value),
    defaultMessage: () => `${PAYER_RULES[field].env} must be ${PAYER_RULES[field].words}`,
  },
});

/**
 * The money settings of AppConfig (its base class): the paying account's defaults, the bank
 * calendar's extra holidays, the payee and approval rules, the statement import's size.
 */
export class MoneyConfig {
  // The paying account's defaults: the paper settings page (/desk/admin/settings) overrides each
  // one, after a second admin approves. Read only when a bank format is exported (PayerSettings.payerFor, payouts/exporters/payer-settings.ts).
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('name'))
  PAYER_NAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('sortCode'))
  PAYER_SORT_CODE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('accountNumber'))
  PAYER_ACCOUNT_NUMBER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('serviceUserNumber'))
  BACS_SERVICE_USER_NUMBER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('sepaDebtorName'))
  SEPA_DEBTOR_NAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('sepaDebtorIban'))
  SEPA_DEBTOR_IBAN?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy(payerRule('sepaDebtorBic'))
  SEPA_DEBTOR_BIC?: string;

  /** Bank holidays beyond the built-in 2026–2027 England and Wales table: comma-separated YYYY-MM-DD (gov.uk/bank-holidays.json). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  @ValidateBy({ name: 'isDateList', validator: { validate: isDateList, defaultMessage: () => 'BANK_HOLIDAYS must be comma-separated dates as YYYY-MM-DD' } })
  BANK_HOLIDAYS?: string;

  get bankHolidays(): string[] {
    return (this.BANK_HOLIDAYS ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
  }

  /** Payee details changed less than this many hours before acceptance or approval are a risk to acknowledge (PAYEE_CHANGED_RECENTLY). */
  @Transform(toInt)
  @IsInt({ message: 'PAYEE_COOLING_HOURS must be a whole number of hours' })
  @Min(0)
  @Max(24 * 90)
  PAYEE_COOLING_HOURS = 24;

  /**
   * At or above this amount (minor units) a payout needs two different approvers: one number for
   * every currency (`100000` = £1,000), or per currency (`GBP:100000,EUR:120000`; a currency not
   * named uses 100000).
   */
  @Transform(emptyToUndefined)
  @IsString()
  @MaxLength(200)
  @Matches(/^\s*(\d{1,10}|[A-Z]{3}:\d{1,10}(\s*,\s*[A-Z]{3}:\d{1,10})*)\s*$/, {
    message: 'PAYOUT_SECOND_APPROVAL_MINOR must be whole minor units (100000) or per currency (GBP:100000,EUR:120000)',
  })
  PAYOUT_SECOND_APPROVAL_MINOR = '100000';

  /** The largest camt.053 bank statement accepted (bytes); a statement of 50,000 entries is about 20 MB. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  BANK_STATEMENT_MAX_BYTES = 50 * 1024 * 1024;

  /** The second-approval threshold for one currency, in minor units. */
  secondApprovalMinor(currency: string): number {
    const text = this.PAYOUT_SECOND_APPROVAL_MINOR.trim();
    if (/^\d+$/.test(text)) return Number(text);
    const pair = text
      .split(',')
      .map((part) => part.trim().split(':'))
      .find(([code]) => code === currency);
    return pair ? Number(pair[1]) : 100_000;
  }

  /** The paying account as the environment gives it (the defaults under the paper settings page's values). */
  get payer(): Payer {
    return {
      name: this.PAYER_NAME,
      sortCode: this.PAYER_SORT_CODE,
      accountNumber: this.PAYER_ACCOUNT_NUMBER,
      serviceUserNumber: this.BACS_SERVICE_USER_NUMBER,
      sepaDebtorName: this.SEPA_DEBTOR_NAME,
      sepaDebtorIban: this.SEPA_DEBTOR_IBAN,
      sepaDebtorBic: this.SEPA_DEBTOR_BIC,
    };
  }
}
