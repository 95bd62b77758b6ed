import { describe, expect, it } from '@jest/globals';
import { EXPORT_FORMATS, EXPORTERS, isExportFormat } from '../../../src/payouts/exporters/exporters.js';
import { ibanItem, paypalItem, ukItem } from './exporter-fixtures.js';

describe('EXPORTERS', () => {
  it('names the five formats, each with a content type and an extension', () => {
    expect(EXPORT_FORMATS).toEqual(['csv', 'bankline-csv', 'bacs-std18', 'sepa-pain001', 'paypal-csv']);
    for (const format of EXPORT_FORMATS) {
      expect(EXPORTERS[format].format).toBe(format);
      expect(EXPORTERS[format].contentType).toMatch(/^(text|application)\//);
      expect(EXPORTERS[format].extension).toMatch(/^(csv|txt|xml)$/);
    }
    expect(isExportFormat('csv')).toBe(true);
    expect(isExportFormat('toString')).toBe(false);
  });

  it.each([
    ['csv', [true, true, true]],
    ['bankline-csv', [true, false, false]],
    ['bacs-std18', [true, false, false]],
    ['sepa-pain001', [false, true, false]],
    ['paypal-csv', [false, false, true]],
  ] as const)('%s fits [uk_bank GBP, iban EUR, paypal]: %j', (format, expected) => {
    const fits = [ukItem(1, 'A', 1), ibanItem(2, 'B', 1), paypalItem(3, 'C', 1)].map((item) => EXPORTERS[format].fits(item));
    expect(fits).toEqual(expected);
  });
});
