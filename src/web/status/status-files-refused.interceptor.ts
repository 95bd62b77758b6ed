import { HttpStatus, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, type Observable } from 'rxjs';
import { ContributorsService } from '../../contributors/contributors.service.js';
import { describeError } from '../../http/exception.filter.js';
import { sendPage } from '../shared/form-outcome.js';
import { StatusViews } from './status-views.js';

// The contributor can fix these by choosing other files; anything else (no session, a bad CSRF
// token, a vanished tip, a fault or a full disk) goes to the global filter and its error page.
const SHOWN_BY_THE_FORM = new Set<number>([HttpStatus.BAD_REQUEST, HttpStatus.CONFLICT, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.UNSUPPORTED_MEDIA_TYPE]);

/** Files are added all or none: say so, or someone whose one bad file was refused would think the rest went through. */
function allOrNothing(reason: string, status: number): string {
  return status === HttpStatus.CONFLICT ? reason : `${reason.replace(/\.$/, '')}. None of your files were added.`;
}

/**
 * The status page's "Add more files" form, refused: the tip page again with the reason by the
 * file input, under the refusal's status. Most refusals happen while the form is read (type,
 * size, count), before the handler runs, so the page is rendered here rather than in it.
 * Wrap MediaUploadInterceptor with it: by then that one has removed the stored files.
 */
@Injectable()
export class StatusFilesRefusedInterceptor implements NestInterceptor {
  constructor(
    private readonly views: StatusViews,
    private readonly contributors: ContributorsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      catchError(async (error: unknown) => {
        const refusal = describeError(error);
        const caller = req.caller;
        if (caller?.kind !== 'contributor' || !SHOWN_BY_THE_FORM.has(refusal.statusCode)) throw error;
        const tip = await this.contributors.tip(caller.tipId);
        const filesError =
          refusal.code === 'VALIDATION_FAILED'
            ? Object.values(refusal.fields ?? {})
                .flat()
                .join('. ')
            : allOrNothing(refusal.message, refusal.statusCode);
        sendPage(res, refusal.statusCode, this.views.tip(tip, { csrfToken: caller.session.csrfToken, filesError }));
        return undefined;
      }),
    );
  }
}
