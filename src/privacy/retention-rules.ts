// Retention by status, as a table: each rule says which tips it is about, when one is due (a pure
// function of the tip, the clock and the settings, so it is tested with any "now") and what goes.
// A tip on legal hold is never due. Untouched `new` tips (and tips still in review) are never due:
// they need a human.
import type { TipStatus } from '../tips/tips.entities.js';

export interface RetentionSettings {
  spamDays: number;
  rejectedDays: number;
  archivedDays: number;
  /** Used tips: contact and payee details go this many years after the last payout (UK payment records: 6). */
  paymentRecordYears: number;
}

/** What retention needs to know of one tip. */
export interface RetentionCandidate {
  tipId: string;
  reference: string;
  status: TipStatus;
  /** When the tip last changed (its status among it). */
  updatedAt: Date;
  /** When its last payout was settled or last moved; null when it never had one. */
  lastPayoutAt: Date | null;
  /** Whether it still holds contact or payee details (a used tip's rule has nothing to do without). */
  holdsContactDetails: boolean;
  onLegalHold: boolean;
}

export type RetentionRuleName = 'spam' | 'rejected' | 'archived' | 'used_contact_details';

export interface RetentionRule {
  name: RetentionRuleName;
  /** `erase`: the whole erasure (a tombstone stays); `contact_details`: the contributor's details and payee details only. */
  action: 'erase' | 'contact_details';
  /** The rule in words, with its configured period. */
  describe(settings: RetentionSettings): string;
  due(tip: RetentionCandidate, now: Date, settings: RetentionSettings): boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const olderThanDays = (at: Date, days: number, now: Date) => now.getTime() - at.getTime() >= days * DAY_MS;
const addYears = (at: Date, years: number) => {
  const d = new Date(at.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
};

export const RETENTION_RULES: readonly RetentionRule[] = [
  {
    name: 'spam',
    action: 'erase',
    describe: (s) => `Spam: erased ${s.spamDays} days after it was marked spam`,
    due: (tip, now, s) => tip.status === 'spam' && olderThanDays(tip.updatedAt, s.spamDays, now),
  },
  {
    name: 'rejected',
    action: 'erase',
    describe: (s) => `Rejected: erased ${s.rejectedDays} days after it was rejected`,
    due: (tip, now, s) => tip.status === 'rejected' && olderThanDays(tip.updatedAt, s.rejectedDays, now),
  },
  {
    name: 'archived',
    action: 'erase',
    describe: (s) => `Archived (not used): erased ${s.archivedDays} days after it was archived`,
    due: (tip, now, s) => tip.status === 'archived' && olderThanDays(tip.updatedAt, s.archivedDays, now),
  },
  {
    name: 'used_contact_details',
    action: 'contact_details',
    describe: (s) => `Used: the contributor's contact and payee details go ${s.paymentRecordYears} years after the last payout (the story stays)`,
    due: (tip, now, s) => tip.status === 'used' && tip.holdsContactDetails && addYears(tip.lastPayoutAt ?? tip.updatedAt, s.paymentRecordYears) <= now,
  },
];

/** The rule that makes `tip` due now, if any; a tip on legal hold never is. */
export function dueRule(tip: RetentionCandidate, now: Date, settings: RetentionSettings): RetentionRule | undefined {
  if (tip.onLegalHold) return undefined;
  return RETENTION_RULES.find((rule) => rule.due(tip, now, settings));
}
