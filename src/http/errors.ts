import { HttpStatus } from '@nestjs/common';

export type FieldErrors = Record<string, string[]>;

/**
 * What services throw. `code` is stable and documented (clients may switch on it); `message`
 * is written for a person. The exception filter turns it into the JSON error body.
 */
export class DomainError extends Error {
  /** More top-level fields for the JSON body (e.g. `current`: the row a stale update lost to). */
  readonly details?: Record<string, unknown>;

  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export class ValidationFailedError extends DomainError {
  constructor(fields: FieldErrors, message = 'Some fields are missing or not valid') {
    super(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message, fields);
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, message: string) {
    super(HttpStatus.NOT_FOUND, code, message);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string) {
    super(HttpStatus.CONFLICT, code, message);
  }
}
