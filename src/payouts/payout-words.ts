import { randomBytes } from 'node:crypto';
import { crockfordBase32 } from '../text/crockford.js';
import type { Licence } from '../tips/tips.entities.js';
import type { Currency, PayoutState } from './payouts.entities.js';
import { formatMoneyOf } from './risks/money-words.js';

/** `TIPDESK 7K3Q9XRM`: 16 characters of the banks' safe set, 40 random bits. */
export function generateBankReference(): string {
  return `TIPDESK ${crockfordBase32(randomBytes(5), 8)}`;
}

/** `£250`, `£12.50`, `€1,000`. */
export const formatMoney = formatMoneyOf;

/** The ledger export: a record for the accounts, never sent to a bank (to the contributor, its payouts are still "approved"). */
export const LEDGER_FORMAT = 'csv';

const LICENCE_WORDS: Record<Licence, string> = { exclusive: 'exclusive use', non_exclusive: 'non-exclusive use' };

/** Where a payout stands, in the contributor's words. */
export function contributorStateText(p: { state: PayoutState; amountMinor: number; currency: Currency; licence: Licence }, material = 'video'): string {
  switch (p.state) {
    case 'offered':
      return `We’d like to pay you ${formatMoney(p.amountMinor, p.currency)} for ${LICENCE_WORDS[p.licence]} of your ${material}`;
    case 'accepted':
      return 'Offer accepted: the payment is waiting for approval';
    case 'held':
      return 'Payment on hold: we will be in touch';
    case 'approved':
      return 'Payment approved';
    case 'batched':
      return 'Payment scheduled';
    case 'paid':
      return 'Paid';
    case 'failed':
      return 'Payment failed – please update your details';
    case 'declined':
      return 'You declined this offer';
    case 'cancelled':
      return 'This offer was withdrawn';
  }
}
