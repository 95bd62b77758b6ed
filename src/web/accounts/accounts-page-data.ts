import { Injectable } from '@nestjs/common';
import { DeskService } from '../../desk/desk.service.js';
import { validateInput } from '../../http/validation.js';
import { BankStatementsService } from '../../payouts/bank-statements/bank-statements.service.js';
import { BatchPayoutsReadModel } from '../../payouts/batch-payouts.read-model.js';
import { BatchesService } from '../../payouts/batches.service.js';
import { ListBatchesQueryDto } from '../../payouts/dto/batches.dto.js';
import type { PayoutDto } from '../../payouts/dto/payouts.dto.js';
import { EXPORT_FORMATS } from '../../payouts/exporters/exporters.js';
import { PayerSettings } from '../../payouts/exporters/payer-settings.js';
import { PayoutsService } from '../../payouts/payouts.service.js';
import { PayoutRisksService } from '../../payouts/risks/payout-risks.service.js';
import { StaffService } from '../../staff/staff.service.js';
import { ACCOUNTS_LIST_STATES, type PayoutRowContext } from './accounts-views.js';

const SECTION_SIZE = 50;

/** What accounting's pages show, read from the payouts, batches, desk and staff services (no rule of their own). */
@Injectable()
export class AccountsPageData {
  constructor(
    private readonly payouts: PayoutsService,
    private readonly batches: BatchesService,
    private readonly batchPayouts: BatchPayoutsReadModel,
    private readonly desk: DeskService,
    private readonly staff: StaffService,
    private readonly payers: PayerSettings,
    private readonly risks: PayoutRisksService,
    private readonly statements: BankStatementsService,
  ) {}

  /** The overview: totals, each state's newest payouts, the risks of those to approve, the latest statements. */
  async overview() {
    const sections = await Promise.all(ACCOUNTS_LIST_STATES.map(async (state) => ({ state, ...(await this.payouts.list({ state, limit: SECTION_SIZE })) })));
    const context = await this.rowContext(sections.flatMap((s) => s.items));
    const toApprove = sections.filter((s) => s.state === 'accepted' || s.state === 'held').flatMap((s) => s.items.map((p) => p.id));
    return {
      totals: await this.payouts.totals(),
      sections,
      context: { ...context, risks: await this.risks.forPayouts(toApprove) },
      statements: (await this.statements.recent()).slice(0, 5),
    };
  }

  /** The payouts on an approval confirmation, with their tips, names and risks. */
  async approval(ids: readonly string[], options: { back: string; checked?: Map<string, string[]>; problems?: Map<string, string> }) {
    const payouts = await Promise.all(ids.map((id) => this.payouts.get(id)));
    const context = await this.rowContext(payouts);
    return {
      items: payouts.map((payout) => ({ payout, checked: options.checked?.get(payout.id), problem: options.problems?.get(payout.id) })),
      context,
      back: options.back,
    };
  }

  async batchList() {
    const [page, names] = await Promise.all([this.batches.list((await validateInput(ListBatchesQueryDto, { limit: 100 })).value ?? {}), this.staffNames()]);
    return { batches: page.items, staffNames: names, readiness: await this.payers.formatReadiness(EXPORT_FORMATS) };
  }

  /** A batch and its payouts (those still in it, and those it paid or failed). */
  async batch(id: string) {
    const batch = await this.batches.get(id);
    const payouts = await this.batchPayouts.forBatch(id);
    return { batch, payouts, context: await this.rowContext(payouts) };
  }

  /** The tip a payout pays for, with its payouts, their moves and risks (accounting's read-only tip page). */
  async tip(caller: Parameters<DeskService['detail']>[0], id: string) {
    const [tip, payouts, payoutEvents, staffNames] = await Promise.all([
      this.desk.detail(caller, id),
      this.payouts.forTip(id),
      this.payouts.eventsForTip(id),
      this.staffNames(),
    ]);
    return { tip, payouts, payoutEvents, payoutRisks: await this.risks.forPayouts(payouts.map((p) => p.id)), staffNames };
  }

  /** Tip references, contributors' names and staff names for the rows. */
  private async rowContext(payouts: PayoutDto[]): Promise<PayoutRowContext> {
    const summaries = await this.desk.tipSummaries([...new Set(payouts.map((p) => p.tipId))]);
    const tips = new Map([...summaries].map(([id, tip]) => [id, { reference: tip.reference, contributor: tip.contributorName }]));
    return { tips, staffNames: await this.staffNames() };
  }

  async staffNames(): Promise<Map<string, string>> {
    return new Map((await this.staff.list()).map((person) => [person.id, person.name]));
  }
}
