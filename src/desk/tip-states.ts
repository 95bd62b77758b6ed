import { TIP_STATUSES, type TipStatus } from '../tips/tips.entities.js';

/** Statuses in which a tip is still being worked on; from any of them it may be closed. */
export const OPEN_STATUSES: readonly TipStatus[] = ['new', 'in_review', 'verified'];

/**
 * The tip state machine, one row per status: where a tip in that status may go next.
 * `new → in_review → verified → used`; rejected, spam and archived from any open status;
 * a closed tip is reopened into review; a used tip can only be archived.
 */
export const TIP_TRANSITIONS: Readonly<Record<TipStatus, readonly TipStatus[]>> = {
  new: ['in_review', 'rejected', 'spam', 'archived'],
  in_review: ['verified', 'rejected', 'spam', 'archived'],
  verified: ['used', 'rejected', 'spam', 'archived'],
  used: ['archived'],
  rejected: ['in_review'],
  spam: ['in_review'],
  archived: ['in_review'],
  // Erased is final and reached only through privacy/'s erasure, never by a status change.
  erased: [],
};

export const isTipStatus = (value: unknown): value is TipStatus => (TIP_STATUSES as readonly unknown[]).includes(value);

/** Whether a tip may move from `from` to `to` (staying put is not a transition). */
export function canTransition(from: TipStatus, to: TipStatus): boolean {
  return TIP_TRANSITIONS[from].includes(to);
}

/** Where a tip in `from` may go next, in the table's order. */
export function nextStatuses(from: TipStatus): readonly TipStatus[] {
  return TIP_TRANSITIONS[from];
}

/** A sentence for an editor when a move is not allowed, or undefined when it is. */
export function transitionProblem(from: TipStatus, to: TipStatus): string | undefined {
  if (canTransition(from, to)) return undefined;
  const allowed = TIP_TRANSITIONS[from];
  return `A tip cannot go from ${from} to ${to}; from ${from} it can go to ${allowed.join(', ')}.`;
}
