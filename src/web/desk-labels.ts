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

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatDuration(seconds: unknown): string | undefined {
  const total = typeof seconds === 'number' ? seconds : typeof seconds === 'string' ? Number(seconds) : NaN;
  if (!Number.isFinite(total) || total < 0) return undefined;
  const whole = Math.round(total);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const HISTORY_SUMMARIES: Record<string, string> = {
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
  'channel.message_received': 'Message received by email or WhatsApp',
  'channel.media_fetched': 'A file that was still to fetch arrived',
  'tip.media_added': 'Files added by the desk',
  'tip.media_quarantined': 'A file was quarantined (ClamAV found a virus)',
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
  const actor =
    event.actorType === 'staff' ? (event.actorName ?? name(event.actorId)) : event.actorType === 'contributor' ? 'The contributor' : 'tipdesk';
  return { summary: HISTORY_SUMMARIES[event.action] ?? event.action, detail: details.join('; ') || undefined, actor, at: event.at };
}

/** The actions the audit log knows today, offered as suggestions in its filter. */
export const AUDIT_ACTIONS = [
  ...Object.keys(HISTORY_SUMMARIES),
  'contributor.signed_in',
  'staff.created', 'staff.updated', 'staff.disabled', 'staff.enabled', 'staff.signed_in', 'staff.signed_out', 'staff.sign_in_failed',
  'staff.password_changed', 'staff.password_reset', 'staff.totp_enabled', 'staff.totp_reset', 'staff.recovery_code_used', 'staff.unlocked',
].sort();

const AUDIT_CHANGE_MAX = 400;

/** An event's before → after, compact and cut short (shown as text, so it needs no escaping here). */
export function auditChange(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string | undefined {
  const compact = (value: Record<string, unknown> | null) => (value ? JSON.stringify(value) : '');
  const text = before && after ? `${compact(before)} → ${compact(after)}` : compact(after ?? before);
  if (!text) return undefined;
  return text.length > AUDIT_CHANGE_MAX ? `${text.slice(0, AUDIT_CHANGE_MAX - 1)}…` : text;
}
