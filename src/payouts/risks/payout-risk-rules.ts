import type { StaffRole } from '../../staff/staff.entities.js';
import { formatMoneyOf } from './money-words.js';
import type { Currency, PayeeMethod } from '../payouts.entities.js';
import type { PayoutRiskCode } from './risk-codes.js';

/** What the rules look at, gathered for one payout by PayoutRisksService in one query. */
export interface PayoutRiskFacts {
  amountMinor: number;
  currency: Currency;
  /** PAYOUT_SECOND_APPROVAL_MINOR for the payout's currency. */
  secondApprovalMinor: number;
  payeeMethod: PayeeMethod | null;
  payeeMasked: string | null;
  /** > 1: the contributor had other details before these (a change, not a first time). */
  payeeVersion: number | null;
  payeeGivenAt: Date | null;
  acceptedAt: Date | null;
  coolingHours: number;
  now: Date;
  /** Tip references of other contributors paid to the same account (keyed hashes compared). */
  sharedWithTips: string[];
  payeeFromStaffBrowser: boolean;
  /** The offerer logged the tip or saw its secret, and an admin waived the rule for them. */
  offererHoldsSecretUnderWaiver: boolean;
}

export interface PayoutRiskRule {
  code: PayoutRiskCode;
  /** Who may acknowledge it at approval (admins also clear it beforehand). */
  acknowledgedBy: readonly StaffRole[];
  /** Whether an admin can clear it ahead of approval (the amount rule is structural: two approvers). */
  clearable: boolean;
  /** A plain sentence when the payout carries the risk, else null. */
  check(facts: PayoutRiskFacts): string | null;
}

const METHOD_WORDS: Record<PayeeMethod, string> = { uk_bank: 'bank account', iban: 'IBAN', paypal: 'PayPal address' };
const HOUR_MS = 3_600_000;

/** Every risk, in the order accounting reads them. One place: add a rule here and it shows everywhere. */
export const PAYOUT_RISK_RULES: readonly PayoutRiskRule[] = [
  {
    code: 'PAYEE_SHARED',
    acknowledgedBy: ['accounting', 'admin'],
    clearable: true,
    check: (f) =>
      f.sharedWithTips.length === 0
        ? null
        : `The same ${f.payeeMethod ? METHOD_WORDS[f.payeeMethod] : 'account'} (${f.payeeMasked ?? 'masked'}) is the payee of another contributor: tip ${f.sharedWithTips.join(', ')}.`,
  },
  {
    code: 'PAYEE_FROM_STAFF_BROWSER',
    acknowledgedBy: ['admin'],
    clearable: true,
    check: (f) =>
      f.payeeFromStaffBrowser
        ? 'The payment details were entered in a browser that was also signed in to the desk: a member of staff may have given their own details. Only an admin can clear this.'
        : null,
  },
  {
    code: 'PAYEE_CHANGED_RECENTLY',
    acknowledgedBy: ['accounting', 'admin'],
    clearable: true,
    check: (f) => {
      if (!f.payeeGivenAt || (f.payeeVersion ?? 1) <= 1) return null;
      const cooling = f.coolingHours * HOUR_MS;
      const beforeAcceptance = f.acceptedAt !== null && f.acceptedAt.getTime() - f.payeeGivenAt.getTime() < cooling;
      const beforeApproval = f.now.getTime() - f.payeeGivenAt.getTime() < cooling;
      return beforeAcceptance || beforeApproval
        ? `The contributor changed their payment details less than ${f.coolingHours} hours before ${beforeApproval ? 'now' : 'accepting'}: check the change is really theirs.`
        : null;
    },
  },
  {
    code: 'AMOUNT_OVER_LIMIT',
    acknowledgedBy: ['accounting', 'admin'],
    clearable: false,
    check: (f) =>
      f.amountMinor >= f.secondApprovalMinor
        ? `${formatMoneyOf(f.amountMinor, f.currency)} is at or over ${formatMoneyOf(f.secondApprovalMinor, f.currency)}: two different people must approve it, neither of them the one who offered it.`
        : null,
  },
  {
    code: 'LOGGED_BY_OFFERER',
    acknowledgedBy: ['accounting', 'admin'],
    clearable: true,
    check: (f) =>
      f.offererHoldsSecretUnderWaiver
        ? 'The editor who offered this payment logged the tip or saw its secret (an admin allowed it): they could have answered as the contributor.'
        : null,
  },
];

export const RISK_RULE: Readonly<Record<PayoutRiskCode, PayoutRiskRule>> = Object.fromEntries(PAYOUT_RISK_RULES.map((rule) => [rule.code, rule])) as Record<
  PayoutRiskCode,
  PayoutRiskRule
>;

/** The risks a payout carries, as code and sentence. */
export function evaluateRisks(facts: PayoutRiskFacts): { code: PayoutRiskCode; message: string }[] {
  return PAYOUT_RISK_RULES.flatMap((rule) => {
    const message = rule.check(facts);
    return message === null ? [] : [{ code: rule.code, message }];
  });
}
