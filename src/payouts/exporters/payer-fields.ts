import { ConfigError, type Payer } from '../../config/app-config.js';
import { PAYER_RULES } from '../../config/payer-rules.js';

/** One payer field a format cannot do without, or a ConfigError naming it (in words: accountants read it). */
export function payerField(payer: Payer, field: keyof Payer): string {
  const value = payer[field];
  if (!value) throw new ConfigError(`The paying account's ${PAYER_RULES[field].label} must be set up (Paper settings) to export this format`);
  return value;
}
