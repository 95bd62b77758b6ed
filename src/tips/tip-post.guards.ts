import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { POW_HEADER } from '../pow/pow.errors.js';
import { TipIntakeService } from './tip-intake.service.js';

/**
 * Counts the post against the client's hourly limit, and checks its proof of work when one is
 * due, before a single byte of the body is read. The proof travels in the X-Altcha header (the
 * ALTCHA widget's payload), so a multipart post is judged before its files arrive.
 */
@Injectable()
export class TipRateLimitGuard implements CanActivate {
  constructor(private readonly intake: TipIntakeService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    await this.intake.admit(req.ip ?? 'unknown', req.header(POW_HEADER));
    return true;
  }
}

declare module 'express' {
  interface Request {
    /** A form post that owed a proof of work and sent none: TipFormController refuses it once its fields are read. */
    tipProofMissing?: boolean;
  }
}

/**
 * The same for the page's form (POST /). A post that owes a proof of work and carries none (a
 * browser without JavaScript) is refused only after its fields are read, so the page can show
 * them again with the reason; its files are skipped unread, never stored.
 */
@Injectable()
export class TipFormRateLimitGuard implements CanActivate {
  constructor(private readonly intake: TipIntakeService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const { proofMissing } = await this.intake.admit(req.ip ?? 'unknown', req.header(POW_HEADER), { missingProofLater: true });
    if (proofMissing) {
      req.tipProofMissing = true;
      req.filesRefused = true;
    }
    return true;
  }
}

/**
 * A malformed Idempotency-Key is refused before the body is read. A known key is not answered
 * here: only the whole request (fields and files' SHA-256s) can show it is the same one, so the
 * replay is decided in TipIntakeService.submit once the body has been read.
 */
@Injectable()
export class IdempotencyKeyCheck implements CanActivate {
  constructor(private readonly intake: TipIntakeService) {}

  canActivate(context: ExecutionContext): boolean {
    this.intake.checkIdempotencyKey(context.switchToHttp().getRequest<Request>().header('idempotency-key'));
    return true;
  }
}
