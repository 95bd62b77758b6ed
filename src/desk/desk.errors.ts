import { ConflictError, NotFoundError } from '../http/errors.js';
import { TIP_STATUSES, type TipStatus } from '../tips/tips.entities.js';
import type { TipDetailDto } from './dto/tip-detail.dto.js';
import { nextStatuses, transitionProblem } from './tip-states.js';

export class TipNotFoundError extends NotFoundError {
  constructor() {
    super('TIP_NOT_FOUND', 'There is no tip with that id.');
  }
}

/** 409 carrying the tip as it is now, so the editor can see what changed and try again. */
export class StaleTipVersionError extends ConflictError {
  override readonly details: { current: TipDetailDto };

  constructor(current: TipDetailDto) {
    super(
      'TIP_STALE_VERSION',
      `Someone changed this tip since you opened it (it is now at version ${current.version}). Check the current state and try again.`,
    );
    this.details = { current };
  }
}

export class IllegalTransitionError extends ConflictError {
  override readonly details: { from: TipStatus; to: TipStatus; allowed: readonly TipStatus[] };

  constructor(from: TipStatus, to: TipStatus) {
    super('TIP_ILLEGAL_TRANSITION', transitionProblem(from, to) ?? `A tip cannot go from ${from} to ${to}.`);
    this.details = { from, to, allowed: nextStatuses(from) };
  }
}

/** A status the tip state machine does not know: refused like an illegal move, with where the tip may go. */
export class UnknownStatusError extends ConflictError {
  override readonly details: { from: TipStatus; to: string; allowed: readonly TipStatus[]; statuses: readonly TipStatus[] };

  constructor(from: TipStatus, to: string) {
    const allowed = nextStatuses(from);
    super(
      'TIP_UNKNOWN_STATUS',
      `There is no status ${JSON.stringify(to)}: a tip's statuses are ${TIP_STATUSES.join(', ')}. From ${from} it may go to ${allowed.join(', ')}.`,
    );
    this.details = { from, to, allowed, statuses: TIP_STATUSES };
  }
}

export class QueueEmptyError extends NotFoundError {
  constructor() {
    super('QUEUE_EMPTY', 'No new tips are waiting to be claimed. Check back soon.');
  }
}
