import { Injectable } from '@nestjs/common';
import type { BatchDto } from '../../payouts/dto/batches.dto.js';
import type { StatementImportDto } from '../../payouts/bank-statements/bank-statements.dto.js';
import type { PayoutDetailDto, PayoutDto, PayoutTotalDto } from '../../payouts/dto/payouts.dto.js';
import type { PayoutRisk } from '../../payouts/risks/payout-risks.service.js';
import { EXPORT_FORMATS } from '../../payouts/exporters/exporters.js';
import { FORMAT_NAMES, type FormatReadiness } from '../../payouts/exporters/payer-settings.js';
import { PAYER_FIELD_LABELS } from '../../settings/paper-settings.js';
import { formatMoney, LEDGER_FORMAT } from '../../payouts/payouts.service.js';
import { CURRENCIES, type PayoutState } from '../../payouts/payouts.entities.js';
import type { StaffCaller } from '../../staff/access.js';
import { compileView } from '../shared/handlebars.js';
import { LICENCE_LABELS } from '../shared/labels.js';
import { StaffFrame } from '../shared/staff-frame.js';

const templates = {
  approve: compileView(import.meta.url, 'approve'),
  approveResults: compileView(import.meta.url, 'approve-results'),
  overview: compileView(import.meta.url, 'overview'),
  statement: compileView(import.meta.url, 'statement'),
  batches: compileView(import.meta.url, 'batches'),
  batch: compileView(import.meta.url, 'batch'),
};

/** The sections of /accounts, in the order accounting works through them. */
export const ACCOUNTS_LIST_STATES = ['accepted', 'held', 'approved', 'batched', 'failed', 'paid'] as const satisfies readonly PayoutState[];

const SECTION_HEADINGS: Record<(typeof ACCOUNTS_LIST_STATES)[number], string> = {
  accepted: 'Awaiting approval',
  held: 'On hold',
  approved: 'Approved: ready to batch',
  batched: 'In a batch: waiting for the bank',
  failed: 'Failed: reissue or leave',
  paid: 'Recently paid',
};

/** A ledger export is never sent anywhere: its states in the words of a record. */
const LEDGER_STATE_LABELS: Record<string, string> = { locked: 'Made', sent: 'Recorded', closed: 'Closed', voided: 'Voided' };

export const STATE_LABELS: Record<PayoutState, string> = {
  offered: 'Offered',
  accepted: 'Accepted',
  declined: 'Declined',
  cancelled: 'Cancelled',
  held: 'Held',
  approved: 'Approved',
  batched: 'Batched',
  paid: 'Paid',
  failed: 'Failed',
};

const FORMAT_LABELS: Record<string, string> = FORMAT_NAMES;

const METHOD_LABELS: Record<string, string> = { uk_bank: 'UK bank', iban: 'IBAN', paypal: 'PayPal' };

/** A statement line's outcome in words, and how loudly to show it. */
const OUTCOME_WORDS: Record<string, { label: string; tone: string }> = {
  paid: { label: 'Paid', tone: 'on' },
  failed: { label: 'Returned: failed', tone: 'warn' },
  unmatched: { label: 'No payout found', tone: 'off' },
  mismatched: { label: 'Does not match', tone: 'off' },
  conflict: { label: 'Conflict: resolve by hand', tone: 'off' },
  already_settled: { label: 'Already settled', tone: 'muted' },
  duplicate: { label: 'Twice on the statement', tone: 'off' },
  not_booked: { label: 'Not booked yet', tone: 'muted' },
  ignored: { label: 'Not a tipdesk payment', tone: 'muted' },
};

/** Fixed sentences a redirect can ask for with `?notice=`. */
const NOTICES = {
  approved: 'Payout approved: it is ready to batch.',
  'none-selected': 'Tick the payouts to approve first.',
  'statement-imported': 'The bank statement is imported: matched payments are paid, returns failed; anything else is listed below.',
  'first-approval': 'First of two approvals recorded: a second person in accounting must approve it too.',
  held: 'Payout held.',
  released: 'Payout released: it awaits approval again.',
  cancelled: 'Payout cancelled.',
  'signed-off': 'Legal sign-off recorded.',
  paid: 'Payout marked paid.',
  failed: 'Payout marked failed. Reissue it when the contributor has new details.',
  reissued: 'A new payout has been made from the failed one; it needs approval.',
  'batch-created': 'Batch created. Download the file and send it to the bank.',
  'ledger-created': 'Ledger export made: download it for your records. It is not a bank file, and nobody can pay from it.',
  'ledger-recorded': 'Ledger export marked as recorded. Mark each payout paid when you have paid it yourself.',
  'batch-sent': 'Batch marked sent. Reconcile it when the bank reports.',
  'batch-voided': 'Batch voided: its payouts are approved again.',
  reconciled: 'The bank’s results have been applied.',
} as const satisfies Record<string, string>;
export type AccountsNotice = keyof typeof NOTICES;

export function accountsNoticeText(code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(NOTICES, code) ? NOTICES[code as AccountsNotice] : undefined;
}

export interface PayoutRowContext {
  tips: Map<string, { reference: string; contributor: string | null }>;
  staffNames: Map<string, string>;
  /** Risks of the payouts still to approve (the rows show their codes). */
  risks?: Map<string, PayoutRisk[]>;
}

/** One payout on the approval confirmation: the payout, what was ticked, and a refusal if any. */
export interface ApprovalItem {
  payout: PayoutDetailDto;
  checked?: readonly string[];
  problem?: string;
}

export interface ApprovalState {
  items: ApprovalItem[];
  context: PayoutRowContext;
  back: string;
  formError?: string;
}

export interface ApprovalResult {
  payout: PayoutDto;
  outcome: 'approved' | 'first-approval' | 'refused';
  text: string;
}

/** A refused action on one payout row. */
export interface PayoutProblem {
  payoutId: string;
  message: string;
  stale: boolean;
}

export interface OverviewState {
  totals: PayoutTotalDto[];
  statements?: { id: string; msgId: string; importedAt: string; lineCount: number }[];
  statementError?: string;
  sections: { state: (typeof ACCOUNTS_LIST_STATES)[number]; items: PayoutDto[]; nextCursor: string | null }[];
  context: PayoutRowContext;
  problem?: PayoutProblem;
  notice?: string;
}

export interface BatchListState {
  batches: BatchDto[];
  staffNames: Map<string, string>;
  /** Which bank formats have the paying account they need (set up on the paper settings page). */
  readiness: FormatReadiness[];
  formError?: string;
  values?: { format: string; currency: string };
  notice?: string;
}

export interface BatchPageState {
  batch: BatchDto;
  payouts: PayoutDto[];
  context: PayoutRowContext;
  problem?: PayoutProblem;
  batchError?: string;
  reconcileError?: string;
  voidUndeliveredError?: string;
  rowErrors?: string[];
  csv?: string;
  notice?: string;
}

/** Accounting's server-rendered pages, drawn in the desk's frame. */
@Injectable()
export class AccountsViews {
  constructor(private readonly frame: StaffFrame) {}

  overview(caller: StaffCaller, state: OverviewState): string {
    const body = templates.overview({
      csrfToken: caller.session.csrfToken,
      problem: state.problem,
      statements: state.statements ?? [],
      statementError: state.statementError,
      totals: state.totals.map((t) => ({ ...t, stateLabel: STATE_LABELS[t.state], total: formatMoney(t.totalMinor, t.currency) })),
      sections: state.sections.map((section) => ({
        state: section.state,
        heading: SECTION_HEADINGS[section.state],
        more: Boolean(section.nextCursor),
        bulk: section.state === 'accepted' && section.items.length > 0,
        rows: section.items.map((p) => this.row(caller, p, state.context, state.problem, '/accounts')),
      })),
    });
    return this.frame.page(caller, { title: 'Accounts', page: 'accounts', section: 'accounts', notice: state.notice, wide: true }, body);
  }

  /** "Approve": who is paid, how much, for which tip, and each risk to tick; one payout or several (bulk). */
  approve(caller: StaffCaller, state: ApprovalState): string {
    const many = state.items.length > 1 || state.back === '/accounts?bulk';
    const names = state.context.staffNames;
    const body = templates.approve({
      csrfToken: caller.session.csrfToken,
      heading: many ? `Approve ${state.items.length} payouts` : `Approve ${state.items[0]?.payout.bankReference ?? ''}`,
      many,
      back: many ? '/accounts' : state.back,
      action: many ? '/accounts/approve' : `/accounts/payouts/${state.items[0]?.payout.id}/approve`,
      submitLabel: many ? `Approve these ${state.items.length} payouts` : 'Approve',
      formError: state.formError,
      items: state.items.map(({ payout: p, checked, problem }) => ({
        id: p.id,
        version: p.version,
        bankReference: p.bankReference,
        amount: formatMoney(p.amountMinor, p.currency),
        licenceLabel: LICENCE_LABELS[p.licence],
        payeeName: p.payee?.accountNameMasked ?? 'No details yet',
        payeeAccount: p.payee ? `${METHOD_LABELS[p.payee.method] ?? p.payee.method} ${p.payee.masked}` : '',
        tipReference: state.context.tips.get(p.tipId)?.reference ?? '',
        offeredByName: names.get(p.offeredBy) ?? 'a former colleague',
        firstApprovedByName: p.firstApprovedBy ? (names.get(p.firstApprovedBy) ?? 'a former colleague') : undefined,
        ackName: many ? `ack:${p.id}` : 'acknowledgeRisks',
        risks: p.risks.map((r) => ({
          ...r,
          checked: checked?.includes(r.code),
          clearedByName: r.cleared ? (names.get(r.cleared.by) ?? 'a former colleague') : undefined,
        })),
        problem,
      })),
    });
    return this.frame.page(caller, { title: many ? 'Approve payouts' : 'Approve a payout', page: 'approve', section: 'accounts', wide: true }, body);
  }

  /** One imported bank statement: its counts, and the lines a person must look at. */
  statement(caller: StaffCaller, statement: StatementImportDto, staffNames: Map<string, string>, notice?: string): string {
    const body = templates.statement({
      statement: { ...statement, statementIdsText: statement.statementIds.join(', ') },
      importedByName: staffNames.get(statement.importedBy) ?? 'a former colleague',
      counts: Object.entries(statement.counts).map(([outcome, count]) => ({ outcome, count, ...OUTCOME_WORDS[outcome] })),
      lines: statement.unapplied.map((line) => ({ ...line, isReturn: line.direction === 'CRDT', ...OUTCOME_WORDS[line.outcome] })),
    });
    return this.frame.page(caller, { title: `Bank statement ${statement.msgId}`, page: 'statement', section: 'accounts', notice, wide: true }, body);
  }

  approveResults(caller: StaffCaller, results: ApprovalResult[]): string {
    const approved = results.filter((r) => r.outcome !== 'refused').length;
    const body = templates.approveResults({
      summary: `${approved} of ${results.length} approved${approved < results.length ? `; ${results.length - approved} refused, each with its reason` : ''}.`,
      results: results.map((r) => ({
        id: r.payout.id,
        bankReference: r.payout.bankReference,
        amount: formatMoney(r.payout.amountMinor, r.payout.currency),
        outcome: r.outcome,
        ok: r.outcome !== 'refused',
        text: r.text,
      })),
    });
    return this.frame.page(caller, { title: 'Approval results', page: 'approve-results', section: 'accounts', wide: true }, body);
  }

  batches(caller: StaffCaller, state: BatchListState): string {
    const ready = (format: string) => state.readiness.find((r) => r.format === format)?.ready ?? true;
    const preferred = state.values?.format ?? EXPORT_FORMATS.find((format) => format !== 'csv' && ready(format)) ?? 'csv';
    const body = templates.batches({
      csrfToken: caller.session.csrfToken,
      formError: state.formError,
      // A bank format without its paying account is listed as not set up (and cannot be picked); the ledger needs none.
      formats: EXPORT_FORMATS.map((value) => ({
        value,
        label: `${FORMAT_LABELS[value] ?? value}${ready(value) ? '' : ' — not set up'}`,
        disabled: !ready(value),
        selected: value === preferred,
      })),
      notSetUp: state.readiness
        .filter((r) => !r.ready)
        .map((r) => ({ name: FORMAT_LABELS[r.format], missing: r.missing.map((field) => PAYER_FIELD_LABELS[field]).join(', ') })),
      isAdmin: caller.user.role === 'admin',
      currencies: [
        { value: '', label: 'The format’s default', selected: !state.values?.currency },
        ...CURRENCIES.map((value) => ({ value, label: value, selected: value === state.values?.currency })),
      ],
      batches: state.batches.map((b) => this.batchSummary(b, state.staffNames)),
    });
    return this.frame.page(caller, { title: 'Payment batches', page: 'batches', section: 'accounts', notice: state.notice, wide: true }, body);
  }

  batch(caller: StaffCaller, state: BatchPageState): string {
    const { batch } = state;
    const from = `/accounts/batches/${batch.id}`;
    const ledger = batch.format === 'csv';
    const body = templates.batch({
      csrfToken: caller.session.csrfToken,
      ledger,
      batch: this.batchSummary(batch, state.context.staffNames),
      fileHref: `/api/payout-batches/${batch.id}/file`,
      canSend: batch.state === 'locked',
      canVoid: batch.state === 'locked' && !batch.firstDownloadedAt,
      // A downloaded file may be at the bank: only an admin who did not download it, confirming it never arrived.
      downloaded: batch.firstDownloadedAt
        ? { at: batch.firstDownloadedAt, by: state.context.staffNames.get(batch.firstDownloadedBy ?? '') ?? 'a former colleague' }
        : undefined,
      canVoidUndelivered: (batch.state === 'locked' || batch.state === 'sent') && Boolean(batch.firstDownloadedAt) && caller.user.role === 'admin',
      voidUndeliveredError: state.voidUndeliveredError,
      canReconcile: batch.state === 'sent',
      batchError: state.batchError,
      problem: state.problem,
      reconcileError: state.reconcileError,
      rowErrors: state.rowErrors,
      csv: state.csv,
      rows: state.payouts.map((p) => this.row(caller, p, state.context, state.problem, from)),
      // The page reads the newest payouts of each state; a very large batch lists them all in its ledger file.
      partial: state.payouts.length < batch.count && batch.state !== 'voided' ? { shown: state.payouts.length, count: batch.count } : undefined,
    });
    return this.frame.page(
      caller,
      { title: `${ledger ? 'Ledger export' : 'Batch'} ${batch.reference}`, page: 'batch', section: 'accounts', notice: state.notice, wide: true },
      body,
    );
  }

  private batchSummary(b: BatchDto, staffNames: Map<string, string>) {
    return {
      ...b,
      href: `/accounts/batches/${b.id}`,
      formatLabel: FORMAT_LABELS[b.format] ?? b.format,
      stateLabel: b.format === 'csv' ? LEDGER_STATE_LABELS[b.state] : b.state.charAt(0).toUpperCase() + b.state.slice(1),
      ledger: b.format === 'csv',
      total: b.totals.map((t) => formatMoney(t.totalMinor, t.currency)).join(', '),
      createdByName: staffNames.get(b.createdBy) ?? 'a former colleague',
      shaShort: b.fileSha256?.slice(0, 12) ?? '',
    };
  }

  /** One payout with the forms its state allows (the service still decides). */
  private row(caller: StaffCaller, p: PayoutDto, context: PayoutRowContext, problem: PayoutProblem | undefined, from: string) {
    const tip = context.tips.get(p.tipId);
    const isAdmin = caller.user.role === 'admin';
    const flagged = p.legalFlags.witness || p.legalFlags.crime;
    const flags = [p.legalFlags.witness && 'cl. 15 witness', p.legalFlags.crime && 'cl. 16 crime'].filter(Boolean).join(', ');
    const allowed = new Set(p.allowedStates);
    return {
      ...p,
      from,
      csrfToken: caller.session.csrfToken,
      amount: formatMoney(p.amountMinor, p.currency),
      stateLabel: STATE_LABELS[p.state],
      licenceLabel: LICENCE_LABELS[p.licence],
      tipReference: tip?.reference ?? '',
      // Accounting reads the tip it pays for (read-only); admins may open it on the desk from there.
      tipHref: `/accounts/tips/${p.tipId}`,
      contributor: tip?.contributor ?? 'Anonymous',
      methodLabel: p.payee ? (METHOD_LABELS[p.payee.method] ?? p.payee.method) : undefined,
      offeredByName: context.staffNames.get(p.offeredBy) ?? 'a former colleague',
      approvedByName: p.approvedBy ? (context.staffNames.get(p.approvedBy) ?? 'a former colleague') : undefined,
      offeredByMe: p.offeredBy === caller.user.id,
      flagged,
      flags,
      signedOff: Boolean(p.legalSignedOffAt),
      // batched → approved is the voided batch's move, not a button.
      canApprove: p.state === 'accepted',
      // The row's open risks by code (the approval page explains each).
      riskCodes: (context.risks?.get(p.id) ?? []).filter((r) => !r.cleared).map((r) => ({ code: r.code, message: r.message })),
      firstApprovedByName: p.firstApprovedBy ? (context.staffNames.get(p.firstApprovedBy) ?? 'a former colleague') : undefined,
      canHold: allowed.has('held'),
      canRelease: p.state === 'held',
      canCancel: allowed.has('cancelled') && p.state !== 'offered',
      canSignOff: isAdmin && flagged && !p.legalSignedOffAt && allowed.size > 0,
      // Settling waits for the batch to be marked sent (the service and the database refuse it before).
      canSettle: p.state === 'batched' && p.batchState === 'sent',
      // A ledger export goes to no bank: it is "recorded", not "sent".
      settleWaits:
        p.state === 'batched' && p.batchState === 'locked'
          ? p.batchFormat === LEDGER_FORMAT
            ? 'once the ledger export is marked as recorded'
            : 'once its batch is marked sent to the bank'
          : undefined,
      canReissue: p.state === 'failed',
      problem: problem?.payoutId === p.id ? problem : undefined,
    };
  }
}
