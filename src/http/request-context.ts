import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Gives every request an id (a sane X-Request-Id from a proxy, else a new one), echoes it, and
 * logs one line when the response is done: method, route path, status, time. Never the query
 * string, body, headers or client address, which can carry personal data.
 */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { requestId: req.id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms), aborted: !res.writableFinished };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}

/** Express's `trust proxy` setting from TRUST_PROXY ("loopback", "true", a hop count, or subnets). */
export function trustProxyValue(setting: string): boolean | number | string {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (/^\d+$/.test(setting)) return Number(setting);
  return setting;
}
