/** The risks a payout can carry, by stable code (each rule is in payout-risk-rules.ts). */
export const PAYOUT_RISK_CODES = ['PAYEE_SHARED', 'PAYEE_FROM_STAFF_BROWSER', 'PAYEE_CHANGED_RECENTLY', 'AMOUNT_OVER_LIMIT', 'LOGGED_BY_OFFERER'] as const;
export type PayoutRiskCode = (typeof PAYOUT_RISK_CODES)[number];

export const isPayoutRiskCode = (value: unknown): value is PayoutRiskCode => (PAYOUT_RISK_CODES as readonly unknown[]).includes(value);
