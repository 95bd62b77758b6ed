import type { PayoutState } from '../../payouts/payouts.entities.js';
import type { TipStatus } from '../../tips/tips.entities.js';
import { PAYOUT_STATE_WORDS, PRIORITY_LABELS, STATUS_LABELS } from './labels.js';

/** What happened, in words: audit events for a tip's history and the audit log, and a payout's moves. */

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
  'tip.legal_hold_placed': 'Put on legal hold',
  'tip.legal_hold_lifted': 'Legal hold lifted',
  'tip.erasure_requested': 'The contributor asked for the tip to be deleted',
  'tip.erasure_declined': 'Deletion request declined',
  'tip.erased': 'Tip erased',
  'tip.contact_details_purged': 'Contact and payee details removed (retention)',
};

/** An event's name in words; an unknown code becomes a sentence of its own words rather than a code. */
export function eventWords(action: string): string {
  if (Object.hasOwn(EVENT_WORDS, action)) return EVENT_WORDS[action];
  const words = action.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

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
