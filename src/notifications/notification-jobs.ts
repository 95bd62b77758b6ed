import type { NotificationKind } from './notification-mail.js';

/** One notice to a contributor, as a pg-boss job: ids only (no address, no text), read again when it runs. */
export interface NotificationJob {
  tipId: string;
  kind: NotificationKind;
  /** The editor's message, for a tip whose channel carries the text itself (email, WhatsApp). */
  messageId?: string;
}

export const NOTIFICATION_QUEUE = 'contributor-mail';
export const NOTIFICATION_DEAD_LETTERS = 'contributor-mail-dead-letters';
