import { Injectable } from '@nestjs/common';
import { PrivacyService } from './privacy.service.js';
import { RetentionReporter, type RetentionReport } from './retention-report.js';
import { dueRule, type RetentionRuleName } from './retention-rules.js';

export type { RetentionReport } from './retention-report.js';

export interface RetentionRun {
  purged: { tipId: string; reference: string; rule: RetentionRuleName }[];
  /** Due but not purged this time (a payment under way, or held since the report). */
  skipped: { tipId: string; reference: string; rule: RetentionRuleName; code: string }[];
}

/** Applies the retention rules (retention-rules.ts) with the clock it is given: a report (dry run) or a purge. */
@Injectable()
export class RetentionService {
  constructor(
    private readonly reporter: RetentionReporter,
    private readonly privacy: PrivacyService,
  ) {}

  /** What would go now and under which rule (nothing is changed). */
  async report(now: Date = new Date()): Promise<RetentionReport> {
    return this.reporter.report(now);
  }

  /** Purges what is due now: each tip in its own transaction, each purge an audit event (ids and counts only). */
  async purge(now: Date = new Date()): Promise<RetentionRun> {
    const settings = this.reporter.settings();
    const run: RetentionRun = { purged: [], skipped: [] };
    for (const tip of await this.reporter.candidates()) {
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
}
