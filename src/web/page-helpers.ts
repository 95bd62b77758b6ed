import { Injectable, type OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { AppConfig } from '../config/app-config.js';
import { PaperSettingsService } from '../settings/settings.service.js';
import { bankHolidayNotice } from './shared/bank-holidays-notice.js';
import { dateHelpers } from './shared/dates.js';
import { escapeHtml, handlebars, safeHtml, viewPath } from './shared/handlebars.js';
import { CHANNEL_ICON_PATHS } from './shared/labels.js';

/** Each partial's name in templates, and its file beside the area that owns it (web/<area>/views/). */
const PARTIALS: Record<string, [area: string, name: string]> = {
  deskField: ['shared', 'field'],
  deskFormErrors: ['shared', 'form-errors'],
  deskShortcutHelp: ['desk', 'shortcut-help'],
  accountsPayoutRow: ['accounts', 'payout-row'],
  statusOffer: ['status', 'offer'],
  statusPayeeFields: ['status', 'payee-fields'],
};

/** {{channelIcon channel}}: the channel's icon, hidden from screen readers (the label beside it says it). */
function channelIcon(channel: unknown) {
  const path =
    typeof channel === 'string' && Object.hasOwn(CHANNEL_ICON_PATHS, channel) ? CHANNEL_ICON_PATHS[channel as keyof typeof CHANNEL_ICON_PATHS] : undefined;
  if (!path) return '';
  return safeHtml(
    `<svg class="channel-icon channel-${escapeHtml(channel)}" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d="${path}"/></svg>`,
  );
}

/**
 * Every Handlebars helper and partial the pages use, registered once, at startup, in one place
 * (templates resolve them when drawn, so no page builder registers anything on import).
 */
@Injectable()
export class PageHelpers implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly paperSettings: PaperSettingsService,
  ) {}

  onModuleInit(): void {
    handlebars.registerHelper({
      // Every date on every page in the desk's one time zone and style (paper settings).
      ...dateHelpers(() => this.paperSettings.current().dates),
      channelIcon,
      bankHolidayNotice: bankHolidayNotice(this.config),
    });
    for (const [partial, [area, name]] of Object.entries(PARTIALS)) {
      handlebars.registerPartial(partial, readFileSync(viewPath(new URL(`./${area}/`, import.meta.url).href, name), 'utf8'));
    }
  }
}
