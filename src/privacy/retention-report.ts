import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PayoutErasureService } from '../payouts/payout-erasure.service.js';
import { TipPrivacyRepository } from '../tips/tip-privacy.repository.js';
import { PrivacyRepository } from './privacy.repository.js';
import { dueRule, RETENTION_RULES, type RetentionCandidate, type RetentionRuleName, type RetentionSettings } from './retention-rules.js';

// Tips looked at per run; what is left waits for the next run.
const BATCH = 1000;

export interface RetentionReport {
  at: string;
  rules: { name: RetentionRuleName; description: string; action: 'erase' | 'contact_details'; count: number; tips: { tipId: string; reference: string }[] }[];
  /** Tips a rule would take but a legal hold keeps. */
  held: { tipId: string; reference: string }[];
}

/**
 * What the retention rules would take at a given time (a dry run: reads only). Used by the purge,
 * the admin page and `npm run cli -- retention:report`, which builds it from repositories alone.
 */
@Injectable()
export class RetentionReporter {
  constructor(
    private readonly config: AppConfig,
    private readonly tips: TipPrivacyRepository,
    private readonly payouts: PayoutErasureService,
    private readonly holds: PrivacyRepository,
  ) {}

  settings(): RetentionSettings {
    return {
      spamDays: this.config.RETENTION_SPAM_DAYS,
      rejectedDays: this.config.RETENTION_REJECTED_DAYS,
      archivedDays: this.config.RETENTION_ARCHIVED_DAYS,
      paymentRecordYears: this.config.RETENTION_PAYMENT_RECORD_YEARS,
    };
  }

  async report(now: Date = new Date()): Promise<RetentionReport> {
    const settings = this.settings();
    const rules = RETENTION_RULES.map((rule) => ({
      name: rule.name,
      description: rule.describe(settings),
      action: rule.action,
      count: 0,
      tips: [] as { tipId: string; reference: string }[],
    }));
    const held: { tipId: string; reference: string }[] = [];
    for (const tip of await this.candidates()) {
      const rule = dueRule(tip, now, settings);
      if (rule) {
        const entry = rules.find((r) => r.name === rule.name)!;
        entry.count++;
        entry.tips.push({ tipId: tip.tipId, reference: tip.reference });
      } else if (tip.onLegalHold && dueRule({ ...tip, onLegalHold: false }, now, settings)) {
        held.push({ tipId: tip.tipId, reference: tip.reference });
      }
    }
    return { at: now.toISOString(), rules, held };
  }

  async candidates(): Promise<RetentionCandidate[]> {
    const rows = await this.tips.retentionCandidates(['spam', 'rejected', 'archived', 'used'], BATCH);
    const ids = rows.map((r) => r.tipId);
    const [held, facts] = await Promise.all([this.holds.heldAmong(ids), this.payouts.retentionFacts(ids)]);
    return rows.map((r) => ({
      tipId: r.tipId,
      reference: r.reference,
      status: r.status,
      updatedAt: r.updatedAt,
      lastPayoutAt: facts.get(r.tipId)?.lastPayoutAt ?? null,
      holdsContactDetails: r.holdsContactDetails || Boolean(facts.get(r.tipId)?.holdsPayeeDetails),
      onLegalHold: held.has(r.tipId),
    }));
  }
}
