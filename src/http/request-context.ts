import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { runInRequestScope } from '../logging/request-scope.js';
import type { Metrics } from '../metrics/metrics.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Set by handlers outside Nest's router (tus) so the access line and metrics name their route. */
export const ROUTE_TEMPLATE = 'routeTemplate';

/**
 * The route a request matched, as written in the code (`/api/tips/:id`, `/api/uploads/:id`):
 * never the raw path, whose ids can be capabilities (a tus upload id is the key to its upload)
 * and whose variety would make a metric label unbounded.
 */
export function routeTemplate(req: Request, res: Response): string {
  const marked = res.locals?.[ROUTE_TEMPLATE] as unknown;
  if (typeof marked === 'string') return marked;
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl ?? ''}${path}`;
  if (req.path.startsWith('/assets/')) return '/assets/*';
  return '(unmatched)';
}

/** Whether the direct peer is a proxy TRUST_PROXY trusts (Express's compiled `trust proxy`). */
function fromTrustedProxy(req: Request): boolean {
  const trust = req.app.get('trust proxy fn') as ((address: string | undefined, hop: number) => boolean) | undefined;
  return trust?.(req.socket.remoteAddress, 0) ?? false;
}

/**
 * Gives every request an id (a sane X-Request-Id from a trusted proxy, else a new one), echoes
 * it, runs the rest of the request in its scope (so every log line carries it), and when the
 * response is done logs one line and observes its duration: method, route template, status,
 * time. Never the raw path, query string, body, headers or client address, which can carry
 * personal data or capabilities.
 */
export function requestContext(logger: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && CLIENT_REQUEST_ID.test(incoming) && fromTrustedProxy(req) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req, res);
      metrics.observeRequest(req.method, route, res.statusCode, seconds);
      const line = { requestId: req.id, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000), aborted: !res.writableFinished };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    runInRequestScope({ requestId: req.id }, req, next);
  };
}

/** Express's `trust proxy` setting from TRUST_PROXY ("loopback", "true", a hop count, or subnets). */
export function trustProxyValue(setting: string): boolean | number | string {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting;
}
