import { Injectable } from '@nestjs/common';
import type { Payer } from '../../config/app-config.js';
import { ConflictError } from '../../http/errors.js';
import { ENV_DEFAULT_OF, PAYER_FIELD_LABELS, type PayerField } from '../../settings/paper-settings.js';
import { PaperSettingsService } from '../../settings/settings.service.js';
import type { ExportFormat } from './export-types.js';

// The paying account as the bank formats need it, beside the exporters that write it: which
// fields each format cannot do without, the formats' names, and the payer a format's file names
// (the paper settings page's values over the environment's, from PaperSettingsService).

/** Which paying-account fields each export format cannot do without (the ledger and PayPal need none). */
export const PAYER_FIELDS_BY_FORMAT: Record<ExportFormat, readonly PayerField[]> = {
  csv: [],
  'paypal-csv': [],
  'bankline-csv': ['sortCode', 'accountNumber'],
  'bacs-std18': ['name', 'sortCode', 'accountNumber', 'serviceUserNumber'],
  'sepa-pain001': ['sepaDebtorName', 'sepaDebtorIban', 'sepaDebtorBic'],
};

/** The formats' names as accounting knows them. */
export const FORMAT_NAMES: Record<ExportFormat, string> = {
  csv: 'Ledger export (CSV, accounts masked, for your records)',
  'bankline-csv': 'Bankline CSV (GBP Faster Payments)',
  'bacs-std18': 'Bacs Standard 18 (GBP)',
  'sepa-pain001': 'SEPA pain.001 (EUR)',
  'paypal-csv': 'PayPal Payouts CSV',
};

/** 409: a bank format asked for without the paying account it must name. No environment variable names: accountants read this. */
export class PayerNotConfiguredError extends ConflictError {
  override readonly details: { format: ExportFormat; missing: { field: PayerField; envDefault: string }[] };

  constructor(format: ExportFormat, missing: readonly PayerField[]) {
    const words = missing.map((field) => PAYER_FIELD_LABELS[field]);
    const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0];
    super(
      'PAYER_NOT_CONFIGURED',
      `A ${FORMAT_NAMES[format]} file needs the paying account’s ${list}, which are not set up yet: an admin sets them on the Paper settings page. No batch was made.`,
    );
    this.details = { format, missing: missing.map((field) => ({ field, envDefault: ENV_DEFAULT_OF[field]! })) };
  }
}

/** A bank format and whether the paying account it needs is set up. */
export interface FormatReadiness {
  format: ExportFormat;
  ready: boolean;
  missing: PayerField[];
}

/** This is the one place that says which payer a bank format uses. */
@Injectable()
export class PayerSettings {
  constructor(private readonly settings: PaperSettingsService) {}

  /** The payer a format's file names, or 409 PAYER_NOT_CONFIGURED saying (in words) what is missing. */
  async payerFor(format: ExportFormat): Promise<Payer> {
    const payer = await this.settings.effectivePayer();
    const missing = PAYER_FIELDS_BY_FORMAT[format].filter((field) => !payer[field]);
    if (missing.length > 0) throw new PayerNotConfiguredError(format, missing);
    return payer;
  }

  /** For the batches page: which formats can be made now. */
  async formatReadiness(formats: readonly ExportFormat[]): Promise<FormatReadiness[]> {
    const payer = await this.settings.effectivePayer();
    return formats.map((format) => {
      const missing = PAYER_FIELDS_BY_FORMAT[format].filter((field) => !payer[field]);
      return { format, ready: missing.length === 0, missing };
    });
  }
}
