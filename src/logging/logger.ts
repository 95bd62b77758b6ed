import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/app-config.js';
import { serializeError } from './error-serializer.js';
import { requestScope } from './request-scope.js';

// Anything that could carry a secret or a contributor's personal data is censored wherever it
// appears in a log object. Log lines carry ids and references, never the contents.
const REDACT_PATHS = [
  'secret',
  '*.secret',
  'password',
  '*.password',
  'token',
  '*.token',
  'email',
  '*.email',
  'phone',
  '*.phone',
  'name',
  '*.name',
  'story',
  '*.story',
  'body',
  '*.body',
  'ip',
  '*.ip',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'accountNumber',
  '*.accountNumber',
  'iban',
  '*.iban',
  'sortCode',
  '*.sortCode',
  'headers',
  '*.headers',
  'databaseUrl',
  '*.databaseUrl',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tipdesk' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // An error logs what went wrong, never the query values or body it was handling.
      serializers: { err: serializeError, error: serializeError },
      formatters: { level: (label) => ({ level: label }) },
      // Any line written while a request is handled names it, so a service's lines can be tied to its access line.
      // (a new object each time: pino merges the line's own fields into what the mixin returns)
      mixin: () => {
        const scope = requestScope.getStore();
        return scope ? { requestId: scope.requestId } : {};
      },
    },
    destination,
  );
}

/** Routes Nest's own log calls into the one structured logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    // Nest hands over the error itself when it catches one outside the filter: serialise it, never its own words.
    if (message instanceof Error) this.logger.error({ context, err: message }, 'error');
    else this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
