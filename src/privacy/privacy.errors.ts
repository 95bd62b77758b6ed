import { HttpStatus } from '@nestjs/common';
import { ConflictError, DomainError, NotFoundError } from '../http/errors.js';

export class TipOnLegalHoldError extends ConflictError {
  constructor() {
    super('TIP_ON_LEGAL_HOLD', 'This tip is on legal hold: nothing on it may be erased until an admin lifts the hold.');
  }
}

// Owned by tips/ (the desk refuses notes and messages on an erased tip with it too).
export { TipErasedError } from '../tips/tip.errors.js';

export class LegalHoldExistsError extends ConflictError {
  constructor() {
    super('LEGAL_HOLD_EXISTS', 'This tip is already on legal hold.');
  }
}

export class NoLegalHoldError extends NotFoundError {
  constructor() {
    super('LEGAL_HOLD_NOT_FOUND', 'This tip is not on legal hold.');
  }
}

export class CertificateNotFoundError extends NotFoundError {
  constructor() {
    super('ERASURE_CERTIFICATE_NOT_FOUND', 'There is no erasure certificate for this tip.');
  }
}

export class ErasureRequestNotFoundError extends NotFoundError {
  constructor() {
    super('ERASURE_REQUEST_NOT_FOUND', 'There is no open erasure request with that id.');
  }
}

/** A contributor's session is for one tip: naming another one is refused, never redirected. */
export class NotYourTipError extends DomainError {
  constructor() {
    super(
      HttpStatus.FORBIDDEN,
      'TIP_NOT_YOURS',
      'You are signed in for a different tip: sign in with that tip’s reference and secret to ask for it to be deleted.',
    );
  }
}

export class ErasureNotConfirmedError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'ERASURE_NOT_CONFIRMED', 'Tick the box to confirm: an erasure cannot be undone.', {
      confirm: ['Tick the box to confirm: an erasure cannot be undone.'],
    });
  }
}
