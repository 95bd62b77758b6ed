import { Controller, Get, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RetentionService, type RetentionRun } from '../../privacy/retention.service.js';
import { Access, CurrentStaffSession, type StaffCaller } from '../../staff/access.js';
import { compileView } from '../shared/handlebars.js';
import { StaffFrame } from '../shared/staff-frame.js';

const templates = { retention: compileView(import.meta.url, 'retention') };

/** /desk/admin/retention: the rules' counts now (a dry run), and a button that purges what is due. */
@ApiExcludeController()
@Controller('desk/admin/retention')
@Access('admin')
export class RetentionPagesController {
  constructor(
    private readonly retention: RetentionService,
    private readonly frame: StaffFrame,
  ) {}

  @Get()
  async page(@CurrentStaffSession() caller: StaffCaller): Promise<string> {
    return this.render(caller);
  }

  /** Answers the page itself (not a redirect) so it can say what the run did; a reload re-runs only what is still due. */
  @Post('run')
  async run(@CurrentStaffSession() caller: StaffCaller): Promise<string> {
    return this.render(caller, await this.retention.purge());
  }

  private async render(caller: StaffCaller, run?: RetentionRun): Promise<string> {
    const report = await this.retention.report();
    const body = templates.retention({ ...report, run, csrfToken: caller.session.csrfToken });
    return this.frame.page(caller, { title: 'Retention', page: 'retention', section: 'settings' }, body);
  }
}
