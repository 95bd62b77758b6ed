import type { PayoutState } from '../../payouts/payouts.entities.js';
import type { Licence, TipChannel, TipStatus } from '../../tips/tips.entities.js';

/** The newsroom's words for the desk's codes. */
export const STATUS_LABELS: Record<TipStatus, string> = {
  new: 'New',
  in_review: 'In review',
  verified: 'Verified',
  used: 'Used',
  rejected: 'Rejected',
  spam: 'Spam',
  archived: 'Archived',
  erased: 'Erased',
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

export function formatDuration(seconds: unknown): string | undefined {
  const total = typeof seconds === 'number' ? seconds : typeof seconds === 'string' ? Number(seconds) : NaN;
  if (!Number.isFinite(total) || total < 0) return undefined;
  const whole = Math.round(total);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
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
