import { bankHolidayCoverage } from '../../calendar/bank-holidays.js';
import type { AppConfig } from '../../config/app-config.js';
import { escapeHtml, safeHtml } from './handlebars.js';

/**
 * The `{{bankHolidayNotice}}` helper on the accounts page: from 60 days before the bank-holiday
 * table runs out, a notice saying so (the same words as /health/ready). A helper rather than a
 * view-model field, so the accounts pages need no other change.
 */
export function bankHolidayNotice(config: AppConfig) {
  return () => {
    const { warning } = bankHolidayCoverage(config.bankHolidays, new Date());
    return warning ? safeHtml(`<div class="alert" role="status" id="bank-holidays-notice"><p>${escapeHtml(warning)}</p></div>`) : '';
  };
}
