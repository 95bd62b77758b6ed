import { AMOUNT_MINOR_MAX } from './payouts.entities.js';

/**
 * An amount as a person types it on the desk ("250", "£250", "250.50", "1,250", "€ 99.5") in
 * whole minor units (pence, cents), or undefined when it is not a sum of money. Commas group
 * thousands; a point starts the pence; at most two digits after it.
 */
export function amountMinorFromText(text: string): number | undefined {
  const cleaned = text
    .trim()
    .replace(/^[£€$]\s*/, '')
    .replace(/\s*(gbp|eur|usd)$/i, '')
    .replace(/\s+/g, '');
  if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$/.test(cleaned)) return undefined;
  const [whole, fraction = ''] = cleaned.replace(/,/g, '').split('.');
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return Number.isSafeInteger(minor) && minor >= 1 && minor <= AMOUNT_MINOR_MAX ? minor : undefined;
}

/** The amount written back into the form: 25000 → "250.00". */
export function amountText(amountMinor: number): string {
  return `${Math.floor(amountMinor / 100)}.${String(amountMinor % 100).padStart(2, '0')}`;
}
