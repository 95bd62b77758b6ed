import { Injectable, type OnModuleInit } from '@nestjs/common';
import { bankHolidayCoverage } from '../calendar/bank-holidays.js';
import { AppConfig } from '../config/app-config.js';
import { escapeHtml, handlebars, safeHtml } from './handlebars.js';

/**
 * `{{bankHolidayNotice}}` on the accounts page: from 60 days before the bank-holiday table runs
 * out, a notice saying so (the same words as /health/ready). A helper rather than a view-model
 * field, so the accounts pages need no other change.
 */
@Injectable()
export class BankHolidaysNotice implements OnModuleInit {
  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    handlebars.registerHelper('bankHolidayNotice', () => {
      const { warning } = bankHolidayCoverage(this.config.bankHolidays, new Date());
      return warning ? safeHtml(`<div class="alert" role="status" id="bank-holidays-notice"><p>${escapeHtml(warning)}</p></div>`) : '';
    });
  }
}
