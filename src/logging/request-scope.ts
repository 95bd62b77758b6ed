import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';

/** What every log line written while handling one request carries. */
export interface RequestScope {
  requestId: string;
}

/** The request being handled, for the logger's mixin: set once per request by requestContext(). */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `next` inside the request's scope, and every event the request stream emits, too.
 * Body parsers, multer and tus read the body from stream events that Node delivers in the
 * socket's context, not the request's: without this, a service called after a JSON or
 * multipart body was read would log without the id.
 */
export function runInRequestScope(scope: RequestScope, req: IncomingMessage, next: () => void): void {
  const emit = req.emit;
  req.emit = function emitInScope(this: IncomingMessage, ...args: Parameters<IncomingMessage['emit']>) {
    return requestScope.run(scope, () => emit.apply(this, args));
  } as IncomingMessage['emit'];
  requestScope.run(scope, next);
}
