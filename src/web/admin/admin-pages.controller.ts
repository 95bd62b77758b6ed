import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditEventsQueryDto } from '../../audit/dto/audit-events.dto.js';
import { AuditService } from '../../audit/audit.service.js';
import { DomainError } from '../../http/errors.js';
import { JobsService } from '../../jobs/jobs.service.js';
import { validateInput } from '../../http/validation.js';
import { Access, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { CreateStaffDto, SetStaffPasswordDto, StaffIdParams, UpdateStaffDto } from '../../staff/dto/staff.dto.js';
import { StaffService } from '../../staff/staff.service.js';
import { keysetPager, pageOrFirst, pagePosition, setPosition, withoutFields } from '../shared/keyset-pager.js';
import { DeskNewsInterceptor } from '../shared/desk-news.interceptor.js';
import { formText, queryText } from '../shared/form-input.js';
import { answerForm, validForm } from '../shared/form-outcome.js';
import { noticeText, type Notice } from '../shared/notices.js';
import { AdminViews, type AuditPageState } from './admin-views.js';

/** The admins' pages: staff accounts and the audit log (with the background jobs that failed for good). */
// The newest failed jobs under the audit log; GET /api/jobs/dead-letters has more.
const DEAD_LETTERS_SHOWN = 20;

@ApiExcludeController()
@Controller('desk')
@Access('admin')
@UseInterceptors(DeskNewsInterceptor)
export class AdminPagesController {
  constructor(
    private readonly views: AdminViews,
    private readonly staff: StaffService,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
  ) {}

  /** The searchable audit log, newest first, a keyset page at a time. */
  @Get('audit')
  async auditPage(@CurrentStaffSession() caller: StaffCaller, @Query() query: Record<string, unknown>): Promise<string> {
    const form: AuditPageState['form'] = {
      q: queryText(query.q, 200),
      action: queryText(query.action, 64),
      actorType: queryText(query.actorType, 20),
      actorId: queryText(query.actorId, 40),
      entityType: queryText(query.entityType, 32),
      entityId: queryText(query.entityId, 40),
      from: queryText(query.from, 40),
      to: queryText(query.to, 40),
    };
    const position = pagePosition(query);
    const filters = Object.fromEntries(Object.entries(form).filter(([, value]) => value));
    // A bad filter is dropped (and named), like the queue's.
    const { errors } = await validateInput(AuditEventsQueryDto, filters);
    const usable = errors ? withoutFields(filters, Object.keys(errors)) : filters;
    const filterErrors = Object.values(errors ?? {}).flat();
    const href = (page: { cursor?: string; back?: string[] }, fields: Record<string, string> = form) => {
      const params = setPosition(new URLSearchParams(Object.entries(fields).filter(([, value]) => value)), page);
      return params.size ? `/desk/audit?${params}` : '/desk/audit';
    };
    const search = async (cursor?: string) => this.audit.search((await validateInput(AuditEventsQueryDto, { ...usable, cursor })).value ?? {});
    const page = await pageOrFirst(position, filterErrors, search);
    return this.views.audit(caller, {
      events: page.items,
      form,
      filterErrors,
      ...keysetPager(position, page.nextCursor, (at) => href(at)),
      widenHref: href({}, { ...form, actorId: '', entityId: '' }),
      deadLetters: await this.jobs.deadLetters(DEAD_LETTERS_SHOWN),
      staffNames: new Map((await this.staff.list()).map((person) => [person.id, person.name])),
    });
  }

  @Get('staff')
  async staffPage(@CurrentStaffSession() caller: StaffCaller, @Query('notice') notice: unknown): Promise<string> {
    return this.views.staff(caller, { people: await this.staff.list(), notice: noticeText(notice) });
  }

  @Post('staff')
  async addPerson(@CurrentStaffSession() caller: StaffCaller, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const input = { email: formText(body, 'email'), name: formText(body, 'name'), role: formText(body, 'role'), password: formText(body, 'password') };
    return answerForm(
      res,
      async () => {
        await this.staff.create(caller.user, await validForm(CreateStaffDto, input));
        return '/desk/staff?notice=staff-added';
      },
      async (error) => {
        const form = {
          values: body,
          errors: error.fields ?? (error.code === 'STAFF_EMAIL_TAKEN' ? { email: [error.message] } : undefined),
          formError: error.fields ? undefined : error.message,
        };
        return this.views.staff(caller, { people: await this.staff.list(), form });
      },
    );
  }

  @Post('staff/:id/role')
  changeRole(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: StaffIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return this.update(caller, id, { role: body.role }, 'role-changed', res);
  }

  @Post('staff/:id/disable')
  disable(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: StaffIdParams, @Res() res: Response): Promise<void> {
    return this.update(caller, id, { disabled: true }, 'staff-disabled', res);
  }

  @Post('staff/:id/enable')
  enable(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: StaffIdParams, @Res() res: Response): Promise<void> {
    return this.update(caller, id, { disabled: false }, 'staff-enabled', res);
  }

  @Post('staff/:id/reset-2fa')
  resetTwoFactor(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: StaffIdParams, @Res() res: Response): Promise<void> {
    return this.act(caller, () => this.staff.resetTwoFactor(caller.user, id), 'two-factor-reset', res);
  }

  @Post('staff/:id/unlock')
  unlock(@CurrentStaffSession() caller: StaffCaller, @Param() { id }: StaffIdParams, @Res() res: Response): Promise<void> {
    return this.act(caller, () => this.staff.unlock(caller.user, id), 'staff-unlocked', res);
  }

  /** A forgotten password: done → the list with a notice; refused → the list with the reason under that person's form. */
  @Post('staff/:id/password')
  async setPassword(
    @CurrentStaffSession() caller: StaffCaller,
    @Param() { id }: StaffIdParams,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return answerForm(
      res,
      async () => {
        const { password } = await validForm(SetStaffPasswordDto, { password: formText(body, 'password') });
        await this.staff.setPassword(caller.user, id, password);
        return '/desk/staff?notice=password-set';
      },
      async (error) => {
        const passwordForm = { id, error: error.fields?.password?.join('. ') ?? error.message };
        return this.views.staff(caller, { people: await this.staff.list(), passwordForm });
      },
    );
  }

  private async update(caller: StaffCaller, id: string, changes: Record<string, unknown>, notice: Notice, res: Response): Promise<void> {
    const { value, errors } = await validateInput(UpdateStaffDto, changes);
    return this.act(
      caller,
      () =>
        errors
          ? Promise.reject(new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', Object.values(errors).flat().join('. ')))
          : this.staff.update(caller.user, id, value),
      notice,
      res,
    );
  }

  /** A row's button: done → back to the list with a notice; refused → the list with the reason. */
  private act(caller: StaffCaller, action: () => Promise<unknown>, notice: Notice, res: Response): Promise<void> {
    return answerForm(
      res,
      async () => {
        await action();
        return `/desk/staff?notice=${notice}`;
      },
      async (error) => this.views.staff(caller, { people: await this.staff.list(), listError: error.message }),
    );
  }
}
