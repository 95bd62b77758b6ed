import { HttpStatus } from '@nestjs/common';
import { ConflictError, DomainError, NotFoundError } from '../http/errors.js';
import type { BatchState } from './payouts.entities.js';

// The batches' errors, each with its stable code (BATCH_*).

export class BatchNotFoundError extends NotFoundError {
  constructor() {
    super('BATCH_NOT_FOUND', 'There is no payout batch with that id.');
  }
}

export class NothingToPayError extends DomainError {
  constructor(format: string, currency: string | null) {
    super(HttpStatus.BAD_REQUEST, 'BATCH_NOTHING_TO_PAY', `No approved payout fits a ${format} file${currency ? ` in ${currency}` : ''}: no batch was made.`);
  }
}

export class BatchIllegalTransitionError extends ConflictError {
  override readonly details: { from: BatchState; to: BatchState };

  constructor(from: BatchState, to: BatchState) {
    super('BATCH_ILLEGAL_TRANSITION', `This batch is ${from}: it cannot become ${to}.`);
    this.details = { from, to };
  }
}

/** 409: the file left tipdesk, so it may be at the bank: voiding it could pay its payouts twice. */
export class BatchDownloadedError extends ConflictError {
  constructor() {
    super(
      'BATCH_DOWNLOADED',
      'This batch’s file has been downloaded, so it may already be at the bank: it cannot be voided here. If the bank really never received it, an admin who did not download it can void it, with a reason and the confirmation that the bank did not receive the file.',
    );
  }
}
