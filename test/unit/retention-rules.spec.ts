import { describe, expect, it } from '@jest/globals';
import { dueRule, RETENTION_RULES, type RetentionCandidate, type RetentionSettings } from '../../src/privacy/retention-rules.js';
import type { TipStatus } from '../../src/tips/tips.entities.js';

const DEFAULTS: RetentionSettings = { spamDays: 30, rejectedDays: 180, archivedDays: 365, paymentRecordYears: 6 };
const CHANGED = new Date('2026-01-01T12:00:00Z');
const days = (n: number) => new Date(CHANGED.getTime() + n * 24 * 60 * 60 * 1000);

const tip = (status: TipStatus, fields: Partial<RetentionCandidate> = {}): RetentionCandidate => ({
  tipId: 'a',
  reference: 'TD-AAAA-AAAA',
  status,
  updatedAt: CHANGED,
  lastPayoutAt: null,
  holdsContactDetails: true,
  onLegalHold: false,
  ...fields,
});

describe('retention rules (injected clock)', () => {
  it.each([
    ['spam', 29, undefined],
    ['spam', 30, 'spam'],
    ['rejected', 179, undefined],
    ['rejected', 180, 'rejected'],
    ['archived', 364, undefined],
    ['archived', 365, 'archived'],
    ['new', 100_000, undefined],
    ['in_review', 100_000, undefined],
    ['verified', 100_000, undefined],
    ['erased', 100_000, undefined],
  ] as const)('a %s tip after %i days: %s', (status, after, rule) => {
    expect(dueRule(tip(status), days(after), DEFAULTS)?.name).toBe(rule);
  });

  it('a used tip: its contact details go 6 years after the last payout, not before; the payout date counts, not the last change', () => {
    const paid = new Date('2027-03-31T09:00:00Z');
    const used = tip('used', { lastPayoutAt: paid });
    expect(dueRule(used, new Date('2033-03-31T08:59:59Z'), DEFAULTS)).toBeUndefined();
    expect(dueRule(used, new Date('2033-03-31T09:00:00Z'), DEFAULTS)?.name).toBe('used_contact_details');
    expect(dueRule(used, new Date('2033-03-31T09:00:00Z'), DEFAULTS)?.action).toBe('contact_details');
  });

  it('a used tip with no payout counts from its last change; one with no details left is never due', () => {
    expect(dueRule(tip('used'), new Date('2032-01-01T12:00:00Z'), DEFAULTS)?.name).toBe('used_contact_details');
    expect(dueRule(tip('used', { holdsContactDetails: false }), new Date('2099-01-01T00:00:00Z'), DEFAULTS)).toBeUndefined();
  });

  it('a tip on legal hold is never due, whatever its status and age', () => {
    for (const status of ['spam', 'rejected', 'archived', 'used'] as const) {
      expect(dueRule(tip(status, { onLegalHold: true }), new Date('2099-01-01T00:00:00Z'), DEFAULTS)).toBeUndefined();
    }
  });

  it('the periods come from the settings (env), and each rule says its period in words', () => {
    const short = { ...DEFAULTS, spamDays: 1 };
    expect(dueRule(tip('spam'), days(1), short)?.name).toBe('spam');
    expect(RETENTION_RULES.map((r) => r.describe(DEFAULTS))).toEqual([
      'Spam: erased 30 days after it was marked spam',
      'Rejected: erased 180 days after it was rejected',
      'Archived (not used): erased 365 days after it was archived',
      "Used: the contributor's contact and payee details go 6 years after the last payout (the story stays)",
    ]);
  });
});
