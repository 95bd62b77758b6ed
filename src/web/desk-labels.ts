import type { PayoutState } from '../payouts/payouts.entities.js';
import type { Licence, TipChannel, TipStatus } from '../tips/tips.entities.js';

/** The newsroom's words for the desk's codes. */
export const STATUS_LABELS: Record<TipStatus, string> = {
  new: 'New',
  in_review: 'In review',
  verified: 'Verified',
  used: 'Used',
  rejected: 'Rejected',
  spam: 'Spam',
  archived: 'Archived',
};

export const CHANNEL_LABELS: Record<TipChannel, string> = { web: 'Web form', email: 'Email', whatsapp: 'WhatsApp', phone: 'Phone', api: 'API' };

/** 16-pixel line icons (stroke: currentColor), drawn inline so the strict CSP needs no image source. */
export const CHANNEL_ICON_PATHS: Record<TipChannel, string> = {
  web: 'M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13ZM1.5 8h13M8 1.5c2 2 2.6 4 2.6 6.5S10 12.5 8 14.5M8 1.5C6 3.5 5.4 5.5 5.4 8S6 12.5 8 14.5',
  email: 'M1.5 3.5h13v9h-13zM1.5 3.5 8 9l6.5-5.5',
  whatsapp: 'M2.2 13.8l.9-3A6 6 0 1 1 5.3 13l-3.1.8ZM6 5.5c0 2.5 2 4.5 4.5 4.5l.8-1.2-1.5-.8-.7.6A3 3 0 0 1 7.4 7l.6-.7-.8-1.5L6 5.5Z',
  phone: 'M3 1.5h3l1.2 3.2-1.7 1.1a8 8 0 0 0 4.7 4.7l1.1-1.7 3.2 1.2v3a1.5 1.5 0 0 1-1.6 1.5A12.5 12.5 0 0 1 1.5 3.1 1.5 1.5 0 0 1 3 1.5Z',
  api: 'M5.5 3.5 1.5 8l4 4.5M10.5 3.5l4 4.5-4 4.5',
};

export const PRIORITY_LABELS = ['Normal', 'Raised', 'High', 'Drop everything'] as const;

export const LICENCE_LABELS: Record<Licence, string> = { exclusive: 'Exclusive', non_exclusive: 'Non-exclusive' };

/** The button that moves a tip into a status, and its keyboard shortcut on the tip page. */
export function statusAction(from: TipStatus, to: TipStatus): { label: string; shortcut?: string; style?: string } {
  switch (to) {
    case 'in_review':
      return { label: from === 'new' ? 'Start review' : 'Reopen' };
    case 'verified':
      return { label: 'Verify', shortcut: 'v', style: 'good' };
    case 'used':
      return { label: 'Mark used', style: 'good' };
    case 'rejected':
      return { label: 'Reject', shortcut: 'r', style: 'danger' };
    case 'spam':
      return { label: 'Spam', shortcut: 's', style: 'danger' };
    case 'archived':
      return { label: 'Archive' };
    default:
      return { label: STATUS_LABELS[to] };
  }
}

// One home for byte sizes (text/format-bytes.ts); the desk's pages take it from here.
export { formatBytes } from '../text/format-bytes.js';

export function formatDuration(seconds: unknown): string | undefined {
  const total = typeof seconds === 'number' ? seconds : typeof seconds === 'string' ? Number(seconds) : NaN;
  if (!Number.isFinite(total) || total < 0) return undefined;
  const whole = Math.round(total);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Every audit event's name in words, for the tip's history and the audit log (which keeps the code in its detail view). */
export const EVENT_WORDS: Record<string, string> = {
  'tip.created': 'Tip received',
  'tip.claimed': 'Claimed',
  'tip.status_changed': 'Status changed',
  'tip.assigned': 'Assignee changed',
  'tip.tags_changed': 'Tags changed',
  'tip.priority_changed': 'Priority changed',
  'tip.marked_duplicate': 'Duplicate link changed',
  'tip.note_added': 'Note added',
  'tip.message_sent': 'Message sent to the contributor',
  'tip.message_received': 'Message from the contributor',
  'contributor.message_sent': 'Reply from the contributor (status page)',
  'contributor.media_added': 'Files added by the contributor',
  'contributor.signed_in': 'The contributor opened their status page',
  'channel.message_received': 'Message received by email or WhatsApp',
  'channel.media_fetched': 'A file that was still to fetch arrived',
  'tip.media_added': 'Files added by the desk',
  'tip.media_quarantined': 'A file was quarantined (ClamAV found a virus)',
  'payee.changed': 'The contributor changed their payment details',
  'payout.offered': 'Payment offered',
  'payout.accepted': 'Offer accepted by the contributor',
  'payout.declined': 'Offer declined by the contributor',
  'payout.cancelled': 'Payment cancelled',
  'payout.held': 'Payment put on hold',
  'payout.released': 'Payment released from hold',
  'payout.approved': 'Payment approved',
  'payout.legal_signed_off': 'Legal sign-off recorded',
  'payout.batched': 'Payment put in a batch',
  'payout.unbatched': 'Payment taken out of a voided batch',
  'payout.payee_changed': 'Payment details replaced',
  'payout.paid': 'Paid',
  'payout.failed': 'Payment failed',
  'payout.reissued': 'Failed payment reissued',
  'payout_batch.created': 'Batch made',
  'payout_batch.downloaded': 'Batch file downloaded',
  'payout_batch.sent': 'Batch marked sent',
  'payout_batch.voided': 'Batch voided',
  'payout_batch.closed': 'Batch closed',
  'payout_batch.reconciled': 'Bank results applied',
  'staff.created': 'Staff account made',
  'staff.updated': 'Staff account changed',
  'staff.disabled': 'Staff account disabled',
  'staff.enabled': 'Staff account enabled',
  'staff.signed_in': 'Signed in',
  'staff.signed_out': 'Signed out',
  'staff.sign_in_failed': 'Sign-in failed',
  'staff.password_changed': 'Password changed',
  'staff.password_reset': 'Password reset by an admin',
  'staff.totp_enabled': 'Two-factor sign-in set up',
  'staff.totp_reset': 'Two-factor sign-in reset',
  'staff.recovery_code_used': 'Recovery code used',
  'staff.unlocked': 'Sign-in lock lifted',
  'settings.changed': 'Paper settings changed',
  'settings.logo_changed': 'Logo changed',
  'settings.logo_removed': 'Logo removed',
  'settings.payer_change_proposed': 'Change to the paying account proposed',
  'settings.payer_change_approved': 'Change to the paying account approved',
  'settings.payer_change_rejected': 'Change to the paying account rejected',
  'settings.payer_change_withdrawn': 'Change to the paying account withdrawn',
};

/** An event's name in words; an unknown code becomes a sentence of its own words rather than a code. */
export function eventWords(action: string): string {
  if (Object.hasOwn(EVENT_WORDS, action)) return EVENT_WORDS[action];
  const words = action.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A payout's state as the desk and accounts say it. */
export const PAYOUT_STATE_WORDS: Record<PayoutState, string> = {
  offered: 'Offered: waiting for the contributor',
  accepted: 'Accepted: waiting for accounts to approve',
  declined: 'Declined by the contributor',
  cancelled: 'Cancelled',
  held: 'On hold',
  approved: 'Approved: ready for the next payment run',
  batched: 'In a payment batch',
  paid: 'Paid',
  failed: 'Payment failed',
};

/** An audit event as a tip's history lists it (the fields every event DTO has). */
export interface HistoryEvent {
  action: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: string;
}

/** One line of a tip's history: what happened, from what to what, by whom. */
export function historyLine(event: HistoryEvent, staffNames: Map<string, string>): { summary: string; detail?: string; actor: string; at: string } {
  const name = (id: unknown) => (typeof id === 'string' ? (staffNames.get(id) ?? 'a former colleague') : 'nobody');
  const show = (key: string, value: unknown): string => {
    if (value === null || value === undefined) return key === 'assigneeId' ? 'nobody' : 'none';
    if (key === 'status' && typeof value === 'string' && value in STATUS_LABELS) return STATUS_LABELS[value as TipStatus];
    if (key === 'assigneeId') return name(value);
    if (key === 'priority' && typeof value === 'number') return PRIORITY_LABELS[value] ?? String(value);
    if (key === 'duplicateOfId') return 'another tip';
    if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
    return String(value);
  };
  const shownKeys = ['status', 'assigneeId', 'tags', 'priority', 'duplicateOfId'];
  const details = shownKeys
    .filter((key) => event.after && key in event.after)
    .map((key) => (event.before && key in event.before ? `${show(key, event.before[key])} → ${show(key, event.after![key])}` : show(key, event.after![key])));
  const actor = event.actorType === 'staff' ? (event.actorName ?? name(event.actorId)) : event.actorType === 'contributor' ? 'The contributor' : 'tipdesk';
  return { summary: eventWords(event.action), detail: details.join('; ') || undefined, actor, at: event.at };
}

/** The actions the audit log knows today, offered as suggestions in its filter. */
export const AUDIT_ACTIONS = Object.keys(EVENT_WORDS).sort();

const KEY_WORDS: Record<string, string> = {
  status: 'Status',
  assigneeId: 'Assignee',
  tags: 'Tags',
  priority: 'Priority',
  duplicateOfId: 'Duplicate of',
  state: 'State',
  reason: 'Reason',
  role: 'Role',
  name: 'Name',
  email: 'Email',
  disabled: 'Disabled',
  amountMinor: 'Amount',
  currency: 'Currency',
  licence: 'Licence',
  paperName: 'Paper name',
  contactEmail: 'Public email',
  contactPhone: 'Public phone',
  contactWhatsapp: 'Public WhatsApp',
  privacyNotice: 'Privacy notice',
  timeZone: 'Time zone',
  dateStyle: 'Date style',
  sortCode: 'Sort code',
  accountNumber: 'Account number',
  serviceUserNumber: 'Bacs service user number',
  sepaDebtorName: 'SEPA debtor name',
  sepaDebtorIban: 'SEPA debtor IBAN',
  sepaDebtorBic: 'SEPA debtor BIC',
  format: 'Format',
  count: 'Payouts',
  channel: 'Channel',
  method: 'Method',
  paid: 'Paid',
  failed: 'Failed',
  unchanged: 'Unchanged',
  reference: 'Reference',
  takenBy: 'Taken by',
};
const CHANGE_WORDS_MAX = 4;

/**
 * An event's before → after in words, for the audit log's list ("Status: New → In review").
 * Ids, hashes and nested objects are left to the detail view, which shows the event as stored.
 */
export function changeInWords(before: Record<string, unknown> | null, after: Record<string, unknown> | null, names: Map<string, string>): string | undefined {
  const keys = [...new Set([...Object.keys(after ?? {}), ...Object.keys(before ?? {})])].filter((key) => Object.hasOwn(KEY_WORDS, key));
  const show = (key: string, value: unknown): string | undefined => {
    if (value === null || value === undefined || value === '') return key === 'assigneeId' ? 'nobody' : 'not set';
    if ((key === 'status' || key === 'state') && typeof value === 'string') return (STATUS_LABELS as Record<string, string>)[value] ?? value.replace(/_/g, ' ');
    if (key === 'assigneeId' || key === 'takenBy') return typeof value === 'string' ? (names.get(value) ?? 'a former colleague') : undefined;
    if (key === 'priority' && typeof value === 'number') return PRIORITY_LABELS[value] ?? String(value);
    if (key === 'duplicateOfId') return 'another tip';
    if (key === 'privacyNotice' && typeof value === 'string') return 'new text';
    if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
    if (typeof value === 'object') return undefined;
    return String(value);
  };
  const parts = keys.flatMap((key) => {
    const was = before && key in before ? show(key, before[key]) : undefined;
    const now = after && key in after ? show(key, after[key]) : undefined;
    if (now === undefined && was === undefined) return [];
    return [`${KEY_WORDS[key]}: ${was !== undefined && now !== undefined && was !== now ? `${was} → ${now}` : (now ?? was)}`];
  });
  if (parts.length === 0) return undefined;
  return parts.length > CHANGE_WORDS_MAX ? `${parts.slice(0, CHANGE_WORDS_MAX).join('; ')}; …` : parts.join('; ');
}

const AUDIT_CHANGE_MAX = 400;

/** An event's before → after, compact and cut short (shown as text, so it needs no escaping here). */
export function auditChange(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string | undefined {
  const compact = (value: Record<string, unknown> | null) => (value ? JSON.stringify(value) : '');
  const text = before && after ? `${compact(before)} → ${compact(after)}` : compact(after ?? before);
  if (!text) return undefined;
  return text.length > AUDIT_CHANGE_MAX ? `${text.slice(0, AUDIT_CHANGE_MAX - 1)}…` : text;
}

/** One move of a payout as an event the tip page shows (PayoutEventDto with its payout). */
export interface PayoutMove {
  at: string;
  actorType: string;
  actorId: string | null;
  fromState: PayoutState | null;
  toState: PayoutState;
  reason: string | null;
  batchFormat?: string | null;
}

/**
 * A payout move in words, for the tip's Payments panel and history: "Offer accepted by the
 * contributor", "Approved by Amir", "Paid — bank reference FP-1", "Payment failed — ARUCS 5".
 */
export function payoutMoveLine(
  move: PayoutMove,
  staffNames: Map<string, string>,
  offer?: { amount: string; licence: string },
): { summary: string; detail?: string; actor: string; at: string } {
  const actor =
    move.actorType === 'staff'
      ? move.actorId
        ? (staffNames.get(move.actorId) ?? 'a former colleague')
        : 'staff'
      : move.actorType === 'contributor'
        ? 'The contributor'
        : 'tipdesk';
  const line = (summary: string, detail?: string | null) => ({ summary, detail: detail ?? undefined, actor, at: move.at });
  const reason = move.reason ?? undefined;
  const { fromState: from, toState: to } = move;
  if (from === null && to === 'offered') return line('Payment offered', offer ? `${offer.amount}, ${offer.licence.toLowerCase()} licence` : undefined);
  if (from === null && to === 'accepted') return line('Failed payment reissued', offer?.amount);
  if (from === to) {
    if (reason === 'legal sign-off' || reason?.startsWith('legal')) return line('Legal sign-off recorded');
    if (reason?.startsWith('ledger ')) return line('Recorded in the ledger export (not a bank file)');
    if (reason?.includes('sent to the bank')) return line('Batch sent to the bank');
    if (reason === 'payee details changed') return line('Payment details replaced by the contributor');
    return line(PAYOUT_STATE_WORDS[to], reason);
  }
  switch (to) {
    case 'accepted':
      if (from === 'offered') return line('Offer accepted by the contributor');
      if (from === 'held') return line('Released from hold: to approve again');
      return line('Payment details replaced by the contributor');
    case 'declined':
      return line('Offer declined by the contributor');
    case 'cancelled':
      return line('Payment cancelled', reason);
    case 'held':
      return line(
        reason === 'payee details changed' ? 'Put on hold: the contributor changed their payment details' : 'Payment put on hold',
        reason === 'payee details changed' ? undefined : reason,
      );
    case 'approved':
      return from === 'batched' ? line('Taken out of a voided batch: approved again') : line('Payment approved');
    case 'batched':
      return line(move.batchFormat === 'csv' ? 'Listed in a ledger export (for the accounts; no bank file)' : 'Put in a payment batch for the bank');
    case 'paid':
      return line('Paid', reason);
    case 'failed':
      return line('Payment failed', reason);
    case 'offered':
      return line('Payment offered');
  }
}
