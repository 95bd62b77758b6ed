import { Injectable, type CallHandler, type CanActivate, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { of, type Observable } from 'rxjs';
import { TipIntakeService } from './tip-intake.service.js';

/** Counts the post against the client's hourly limit before a single byte of the body is read. */
@Injectable()
export class TipRateLimitGuard implements CanActivate {
  constructor(private readonly intake: TipIntakeService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    await this.intake.admit(req.ip ?? 'unknown');
    return true;
  }
}

/**
 * A retry with a known Idempotency-Key gets the first answer at once, before its body (perhaps
 * gigabytes of video a phone is sending again) is read.
 */
@Injectable()
export class IdempotentReplayInterceptor implements NestInterceptor {
  constructor(private readonly intake: TipIntakeService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const replay = await this.intake.replayFor(req.header('idempotency-key'));
    if (!replay) return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Connection', 'close'); // the unread body is not worth draining
    return of(replay);
  }
}
