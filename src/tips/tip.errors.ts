import { ConflictError } from '../http/errors.js';

/** An erased tip is a tombstone: nothing more is erased, written or sent on it. */
export class TipErasedError extends ConflictError {
  constructor() {
    super('TIP_ERASED', 'This tip has been erased: nothing more can be added to it.');
  }
}
