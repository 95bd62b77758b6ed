// The payouts module's value lists (states, currencies, payee methods) and the column helpers its
// entities share (payouts.entities.ts, batches.entities.ts).

export const PAYOUT_STATES = ['offered', 'accepted', 'declined', 'cancelled', 'held', 'approved', 'batched', 'paid', 'failed'] as const;
export type PayoutState = (typeof PAYOUT_STATES)[number];
export const CURRENCIES = ['GBP', 'EUR', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];
export const PAYEE_METHODS = ['uk_bank', 'iban', 'paypal'] as const;
export type PayeeMethod = (typeof PAYEE_METHODS)[number];
export const BATCH_STATES = ['locked', 'sent', 'closed', 'voided'] as const;
export type BatchState = (typeof BATCH_STATES)[number];
export const PAYOUT_ACTOR_TYPES = ['staff', 'contributor', 'system'] as const;
export type PayoutActorType = (typeof PAYOUT_ACTOR_TYPES)[number];

/** £10,000,000.00 in minor units: more than any tip is ever worth, so a typo cannot reach the bank. */
export const AMOUNT_MINOR_MAX = 1_000_000_000;

export const inList = (column: string, values: readonly string[]) => `${column} IN (${values.map((v) => `'${v}'`).join(', ')})`;
export const bigintNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) };
