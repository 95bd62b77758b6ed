import { bacsStd18Exporter } from './bacs-std18.exporter.js';
import { banklineExporter } from './bankline.exporter.js';
import { csvLedgerExporter } from './csv-ledger.exporter.js';
import type { ExportFormat, Exporter } from './export-types.js';
import { paypalCsvExporter } from './paypal-csv.exporter.js';
import { sepaPain001Exporter } from './sepa-pain001.exporter.js';

/** Every payout file format by name: content type, file extension, which payouts fit, the writer. */
export const EXPORTERS: Readonly<Record<ExportFormat, Exporter>> = {
  csv: csvLedgerExporter,
  'bankline-csv': banklineExporter,
  'bacs-std18': bacsStd18Exporter,
  'sepa-pain001': sepaPain001Exporter,
  'paypal-csv': paypalCsvExporter,
};

export const EXPORT_FORMATS = Object.keys(EXPORTERS) as ExportFormat[];

export function isExportFormat(format: string): format is ExportFormat {
  return Object.hasOwn(EXPORTERS, format);
}
