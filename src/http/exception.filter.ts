import { ArgumentsHost, Catch, HttpException, HttpStatus, Inject, Optional, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { MulterError } from 'multer';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.js';
import { BlobTooLargeError, StorageFullError, StorageReserveReachedError } from '../storage/blob-store.js';
import { isDatabaseUnavailable } from './database-errors.js';
import { DomainError, type FieldErrors } from './errors.js';

/** What a client is told to wait while PostgreSQL cannot be reached (a restart takes seconds; a failover tens). */
export const DATABASE_RETRY_AFTER_SECONDS = 30;

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  fields?: FieldErrors;
  errorId?: string;
}

/** Lets the web module answer a browser's page request with a page instead of JSON. */
export interface HtmlErrorRenderer {
  render(req: Request, body: ErrorBody): string | undefined;
  /** Where to send a page request instead (303), e.g. to sign in first; undefined to render or answer JSON. */
  redirect?(req: Request, body: ErrorBody): string | undefined;
}
export const HTML_ERROR_RENDERER = Symbol('HtmlErrorRenderer');

const MULTER_ERRORS: Record<string, [HttpStatus, string, string]> = {
  LIMIT_FILE_SIZE: [HttpStatus.PAYLOAD_TOO_LARGE, 'FILE_TOO_LARGE', 'A file is larger than the size limit'],
  LIMIT_FILE_COUNT: [HttpStatus.BAD_REQUEST, 'TOO_MANY_FILES', 'Too many files for one tip'],
  LIMIT_PART_COUNT: [HttpStatus.BAD_REQUEST, 'TOO_MANY_PARTS', 'The form has too many parts'],
  LIMIT_FIELD_COUNT: [HttpStatus.BAD_REQUEST, 'TOO_MANY_FIELDS', 'The form has too many fields'],
  LIMIT_FIELD_KEY: [HttpStatus.BAD_REQUEST, 'FIELD_NAME_TOO_LONG', 'A field name is too long'],
  LIMIT_FIELD_VALUE: [HttpStatus.PAYLOAD_TOO_LARGE, 'FIELD_TOO_LARGE', 'A field is longer than allowed'],
  LIMIT_UNEXPECTED_FILE: [HttpStatus.BAD_REQUEST, 'UNEXPECTED_FILE', 'Files must be sent in the "files" field'],
  LIMIT_HEADER_PAIRS: [HttpStatus.BAD_REQUEST, 'TOO_MANY_HEADERS', 'A form part has too many headers'],
};

/** What an error means for the client: its status, code, words and fields (a page that shows a refusal itself uses this too). */
export function describeError(exception: unknown): Omit<ErrorBody, 'error'> & { headers?: Record<string, string>; details?: Record<string, unknown> } {
  if (exception instanceof DomainError) {
    const { status: statusCode, code, message, fields, headers, details } = exception;
    return { statusCode, code, message, fields, headers, details };
  }
  if (exception instanceof MulterError) {
    const [statusCode, code, message] = MULTER_ERRORS[exception.code] ?? [HttpStatus.BAD_REQUEST, 'BAD_MULTIPART', 'The form data could not be read'];
    return { statusCode, code, message, fields: exception.field ? { [exception.field]: [message] } : undefined };
  }
  if (exception instanceof BlobTooLargeError) {
    return { statusCode: HttpStatus.PAYLOAD_TOO_LARGE, code: 'FILE_TOO_LARGE', message: exception.message };
  }
  if (exception instanceof StorageReserveReachedError) {
    return {
      statusCode: HttpStatus.INSUFFICIENT_STORAGE,
      code: 'STORAGE_RESERVE_REACHED',
      message:
        'We cannot take new files right now because our storage is nearly full. Your story can still be sent without files; please try the files again later.',
    };
  }
  if (exception instanceof StorageFullError) {
    return { statusCode: HttpStatus.INSUFFICIENT_STORAGE, code: 'STORAGE_FULL', message: 'We cannot store files right now. Please try again later.' };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      code: 'DATABASE_UNAVAILABLE',
      message: 'We cannot reach our database for a moment, so nothing was saved. Please try again in a minute.',
      headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    };
  }
  // Nest wraps body-parser's errors in an HttpException; their `type` says what went wrong.
  const bodyError = String(((exception as { cause?: { type?: unknown } })?.cause ?? (exception as { type?: unknown }))?.type ?? '');
  if (bodyError === 'entity.too.large') return { statusCode: 413, code: 'BODY_TOO_LARGE', message: 'The request body is too large' };
  if (bodyError === 'entity.parse.failed') return { statusCode: 400, code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' };
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
    return { statusCode: exception.getStatus(), code: HttpStatus[exception.getStatus()] ?? 'HTTP_ERROR', message };
  }
  // body-parser and busboy errors carry an HTTP status and a type of their own.
  const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { statusCode: status, code: 'BAD_REQUEST', message: 'The request could not be read' };
  }
  const message = (exception as Error)?.message ?? '';
  if (/Unexpected end of form|Malformed part header|Multipart: Boundary not found|Request (aborted|closed)/i.test(message)) {
    return { statusCode: HttpStatus.BAD_REQUEST, code: 'BAD_MULTIPART', message: 'The upload was cut off or is not valid form data' };
  }
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' };
}

/** One place that turns every error into `{statusCode, error, code, message, fields?}`; never a stack trace. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger: Logger;
  constructor(
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(HTML_ERROR_RENDERER) private readonly html?: HtmlErrorRenderer,
  ) {
    this.logger = logger.child({ component: 'errors' });
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const { headers, details, ...described } = describeError(exception);
    const { statusCode, code, message, fields } = described;
    const body: ErrorBody = { ...details, statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, fields };
    if (!body.fields) delete body.fields;
    if (body.statusCode >= 500) {
      body.errorId = randomUUID();
      this.logger.error({ requestId: req.id, errorId: body.errorId, err: exception }, 'unhandled error');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
    const location = this.html?.redirect?.(req, body);
    if (location !== undefined) {
      res.redirect(HttpStatus.SEE_OTHER, location);
      return;
    }
    const page = this.html?.render(req, body);
    if (page !== undefined) {
      res.status(body.statusCode).type('html').send(page);
      return;
    }
    res.status(body.statusCode).json(body);
  }
}
