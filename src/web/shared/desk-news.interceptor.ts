import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { DeskService } from '../../desk/desk.service.js';
import type { NewsCounts } from '../../desk/tip-news.js';
import { isDeskRole, type StaffCaller } from '../../staff/access.js';

/** The nav's news counts of this request's editor (set by DeskNewsInterceptor, read by DeskViews.page). */
export const deskNewsOf = new WeakMap<StaffCaller, NewsCounts>();

/**
 * Before a desk page is drawn for an editor or admin, counts the tips with news for them since
 * they last looked ("Replied", "Offer accepted", "Paid", "Payment failed"), for the nav.
 */
@Injectable()
export class DeskNewsInterceptor implements NestInterceptor {
  constructor(private readonly desk: DeskService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const caller = context.switchToHttp().getRequest<Request>().caller;
    if (caller?.kind === 'staff' && !caller.pendingTotp && isDeskRole(caller.user.role)) {
      deskNewsOf.set(caller, await this.desk.newsCounts(caller.user));
    }
    return next.handle();
  }
}
