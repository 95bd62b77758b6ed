import { HttpStatus, Injectable, NotFoundException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../http/errors.js';

export class InboundEmailTokenError extends DomainError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'INBOUND_EMAIL_TOKEN_INVALID', 'This route needs the inbound mail token as "Authorization: Bearer <token>"', undefined, {
      'WWW-Authenticate': 'Bearer',
    });
  }
}

// Hashing both sides first makes the comparison constant-time whatever the lengths.
const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The webhook's own credential: a mail server is no staff member and has no session. With no
 * INBOUND_EMAIL_TOKEN configured the route answers exactly as a path tipdesk does not serve.
 */
@Injectable()
export class InboundEmailTokenGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const expected = this.config.INBOUND_EMAIL_TOKEN;
    if (!expected) throw new NotFoundException(`Cannot ${req.method} ${req.originalUrl}`);
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.header('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]), digest(expected))) throw new InboundEmailTokenError();
    return true;
  }
}
