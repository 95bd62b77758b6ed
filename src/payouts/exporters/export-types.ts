import type { BankCalendar } from './bank-working-days.js';
import type { Payer } from '../../config/app-config.js';

export type PayeeMethod = 'uk_bank' | 'iban' | 'paypal';

/** One payout as an exporter sees it: already decrypted, already approved. */
export interface ExportItem {
  payoutId: string;
  /** ≤ 18 characters of A–Z 0–9 . - / & space; shows on the contributor's statement. */
  bankReference: string;
  /** Integer minor units (pence, cents), > 0. */
  amountMinor: number;
  /** ISO 4217 code. */
  currency: string;
  payee: {
    method: PayeeMethod;
    accountName: string;
    sortCode?: string;
    accountNumber?: string;
    iban?: string;
    bic?: string;
    paypalEmail?: string;
  };
  ledger: {
    contributorName: string;
    tipReference: string;
    licence: string;
    offeredBy: string;
    approvedBy: string;
    approvedAt: Date;
    status: string;
  };
}

/** A batch as handed to an exporter. Every date comes in: exporters never read the clock. */
export interface BatchFile {
  batchId: string;
  /** Short (≤ 18) bank-safe batch reference: Bacs volume serial, SEPA MsgId. */
  batchReference: string;
  createdAt: Date;
  /** The day the bank should pay: a working day of `calendar`. */
  processingDate: Date;
  /** Whose working days (default: the built-in England and Wales table). */
  calendar?: BankCalendar;
  currency: string;
  items: ExportItem[] | AsyncIterable<ExportItem>;
  /**
   * Count and total the batch service already knows. A format whose header states totals
   * (SEPA's GrpHdr) needs them up front when `items` is a stream; every exporter that sees
   * them checks the stream against them at the end.
   */
  control?: { count: number; totalMinor: number };
}

export type ExportFormat = 'csv' | 'bankline-csv' | 'bacs-std18' | 'sepa-pain001' | 'paypal-csv';

export type ExportChunks = AsyncIterable<string | Buffer>;

export interface Exporter {
  format: ExportFormat;
  contentType: string;
  extension: string;
  /** Whether this format can carry the payout at all. */
  fits(item: ExportItem): boolean;
  write(file: BatchFile, payer: Payer): ExportChunks;
}

/** A batch that cannot be written in a format (wrong payee, currency, too many rows…). */
export class ExportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}
