import type { Currency } from '../payouts.entities.js';

/** `£250`, `£12.50`, `€1,000`. */
export function formatMoneyOf(amountMinor: number, currency: Currency): string {
  const whole = amountMinor % 100 === 0;
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency, minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 }).format(
    amountMinor / 100,
  );
}
