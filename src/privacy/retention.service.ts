import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PayoutErasureService } from '../payouts/payout-erasure.service.js';
import { TipsRepository } from '../tips/tips.repository.js';
import { PrivacyRepository } from './privacy.repository.js';
import { PrivacyService } from './privacy.service.js';
import { dueRule, RETENTION_RULES, type RetentionCandidate, type RetentionRuleName, type RetentionSettings } from './retention-rules.js';

// Tips looked at per run; what is left waits for the next run.
const BATCH = 1000;

export interface RetentionReport {
  at: string;
  rules: { name: RetentionRuleName; description: string; action: 'erase' | 'contact_details'; count: number; tips: { tipId: string; reference: string }[] }[];
  /** Tips a rule would take but a legal hold keeps. */
  held: { tipId: string; reference: string }[];
}

export interface RetentionRun {
  purged: { tipId: string; reference: string; rule: RetentionRuleName }[];
  /** Due but not purged this time (a payment under way, or held since the report). */
  skipped: { tipId: string; reference: string; rule: RetentionRuleName; code: string }[];
}

/** Applies the retention rules (retention-rules.ts) with the clock it is given: a report (dry run) or a purge. */
@Injectable()
export class RetentionService {
  constructor(
    private readonly config: AppConfig,
    private readonly tips: TipsRepository,
    private readonly payouts: PayoutErasureService,
    private readonly holds: PrivacyRepository,
    private readonly privacy: PrivacyService,
  ) {}

  settings(): RetentionSettings {
    return {
      spamDays: this.config.RETENTION_SPAM_DAYS,
      rejectedDays: this.config.RETENTION_REJECTED_DAYS,
      archivedDays: this.config.RETENTION_ARCHIVED_DAYS,
      paymentRecordYears: this.config.RETENTION_PAYMENT_RECORD_YEARS,
    };
  }

  /** What would go now and under which rule (nothing is changed). */
  async report(now: Date = new Date()): Promise<RetentionReport> {
    const settings = this.settings();
    const candidates = await this.candidates();
    const rules = RETENTION_RULES.map((rule) => ({
      name: rule.name,
      description: rule.describe(settings),
      action: rule.action,
      count: 0,
      tips: [] as { tipId: string; reference: string }[],
    }));
    const held: { tipId: string; reference: string }[] = [];
    for (const tip of candidates) {
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

  /** Purges what is due now: each tip in its own transaction, each purge an audit event (ids and counts only). */
  async purge(now: Date = new Date()): Promise<RetentionRun> {
    const settings = this.settings();
    const run: RetentionRun = { purged: [], skipped: [] };
    for (const tip of await this.candidates()) {
      const rule = dueRule(tip, now, settings);
      if (!rule) continue;
      const item = { tipId: tip.tipId, reference: tip.reference, rule: rule.name };
      if (rule.action === 'contact_details') {
        if (await this.privacy.purgeContactDetails(tip.tipId, rule.name)) run.purged.push(item);
        else run.skipped.push({ ...item, code: 'NOT_NOW' });
        continue;
      }
      try {
        await this.privacy.erase({ retentionRule: rule.name }, tip.tipId, `Retention: ${rule.describe(settings)}`);
        run.purged.push(item);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (!code) throw error;
        run.skipped.push({ ...item, code });
      }
    }
    return run;
  }

  private async candidates(): Promise<RetentionCandidate[]> {
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
