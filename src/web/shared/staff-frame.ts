import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { NEWS_KINDS, NEWS_LABELS } from '../../desk/tip-news.js';
import type { ErrorBody } from '../../http/exception.filter.js';
import { PaperSettingsService } from '../../settings/settings.service.js';
import { ACCOUNTS_ROLES, ADMIN_ROLES, DESK_ROLES, isDeskRole, type Caller } from '../../staff/access.js';
import { STAFF_ROLES, type StaffRole } from '../../staff/staff.entities.js';
import { deskNewsOf } from './desk-news.interceptor.js';
import { compileView } from './handlebars.js';
import { landingPage } from './staff-paths.js';

const templates = { layout: compileView(import.meta.url, 'staff-layout'), error: compileView(import.meta.url, 'staff-error') };

type Section = 'queue' | 'phone' | 'accounts' | 'staff' | 'audit' | 'settings' | 'erasure' | 'account';

export interface Frame {
  title: string;
  /** The page's name for desk.js (`data-page`) and the nav. */
  page: string;
  section?: Section;
  notice?: string;
  wide?: boolean;
}

/**
 * The staff's nav, each link for the roles whose work it is: the same role lists as the routes'
 * @Access (staff/access.ts), so a role given a page gets its link with it.
 */
const NAV: { href: string; label: string; section: Section; roles: readonly StaffRole[] }[] = [
  { href: '/desk', label: 'Queue', section: 'queue', roles: DESK_ROLES },
  { href: '/desk/phone', label: 'Log a phone tip', section: 'phone', roles: DESK_ROLES },
  { href: '/accounts', label: 'Accounts', section: 'accounts', roles: ACCOUNTS_ROLES },
  { href: '/desk/staff', label: 'Staff', section: 'staff', roles: ADMIN_ROLES },
  { href: '/desk/audit', label: 'Audit log', section: 'audit', roles: ADMIN_ROLES },
  { href: '/desk/admin/settings', label: 'Settings', section: 'settings', roles: ADMIN_ROLES },
  { href: '/desk/admin/erasure', label: 'Erasure requests', section: 'erasure', roles: ADMIN_ROLES },
  { href: '/desk/account', label: 'Account', section: 'account', roles: STAFF_ROLES },
];

/** The frame every staff page (desk, accounts, admin) is drawn in: the paper's name, the nav, news counts and notices. */
@Injectable()
export class StaffFrame {
  constructor(private readonly paperSettings: PaperSettingsService) {}

  page(caller: Caller | undefined, frame: Frame, body: string): string {
    const staff = caller?.kind === 'staff' ? caller : undefined;
    const role = staff?.user.role;
    // Someone who must first enrol a second factor can reach only their account page.
    const nav = !staff
      ? []
      : staff.pendingTotp
        ? [{ href: '/desk/account', label: 'Account', section: 'account', current: frame.section === 'account' }]
        : NAV.filter((item) => role !== undefined && item.roles.includes(role)).map(({ href, label, section }) => ({
            href,
            label,
            section,
            current: section === frame.section,
          }));
    // Tips with news since this editor last looked, by kind, each a link to the queue filtered to it.
    const counts = staff && !staff.pendingTotp ? deskNewsOf.get(staff) : undefined;
    const news = counts
      ? NEWS_KINDS.filter((kind) => counts[kind] > 0).map((kind) => ({ kind, href: `/desk?news=${kind}`, label: NEWS_LABELS[kind], count: counts[kind] }))
      : [];
    return templates.layout({
      title: frame.title,
      pageName: frame.page,
      paperName: this.paperSettings.current().paperName,
      news,
      wide: frame.wide,
      notice: frame.notice,
      staff: staff ? { name: staff.user.name, role: staff.user.role } : undefined,
      homeHref: role ? landingPage(role) : '/desk',
      csrfToken: staff?.session.csrfToken,
      nav,
      body,
    });
  }

  /** An error on a desk page, drawn inside the desk's own frame. */
  error(req: Request, body: ErrorBody): string {
    const heading =
      body.statusCode === 404
        ? 'Not found'
        : body.statusCode === 403
          ? 'Not allowed'
          : body.statusCode >= 500
            ? 'Something went wrong'
            : 'We could not do that';
    const staff = req.caller?.kind === 'staff' ? req.caller : undefined;
    const back = staff
      ? { href: landingPage(staff.user.role), label: isDeskRole(staff.user.role) ? 'Back to the desk' : 'Back to accounts' }
      : { href: '/desk/login', label: 'Sign in' };
    // A bad id in the address says which, not just that something was invalid.
    const message = body.fields ? Object.values(body.fields).flat().join('. ') : body.message;
    return this.page(
      req.caller,
      { title: heading, page: 'error' },
      templates.error({ heading, message, errorId: body.errorId, backHref: back.href, backLabel: back.label }),
    );
  }
}
