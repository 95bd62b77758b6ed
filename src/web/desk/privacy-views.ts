import { Injectable } from '@nestjs/common';
import type { ErasureRequestRow, LegalHoldRow } from '../../privacy/privacy.service.js';
import type { StaffCaller } from '../../staff/access.js';
import { compileView } from '../shared/handlebars.js';
import { StaffFrame } from '../shared/staff-frame.js';

const templates = { panel: compileView(import.meta.url, 'tip-privacy'), confirm: compileView(import.meta.url, 'erase-confirm') };

const REQUEST_STATES: Record<ErasureRequestRow['state'], string> = { pending: 'waiting for an admin', carried_out: 'carried out', declined: 'declined' };

export interface TipPrivacyState {
  tipId: string;
  erased: boolean;
  hold?: LegalHoldRow;
  request?: ErasureRequestRow;
  /** A privacy form's refusal, shown by the forms. */
  error?: string;
}

/** The tip page's "Legal hold and erasure" panel, and the erase confirmation page. */
@Injectable()
export class PrivacyViews {
  constructor(private readonly frame: StaffFrame) {}

  /** HTML for the tip page (rendered here from escaped values; the tip page places it as is). */
  panel(caller: StaffCaller, state: TipPrivacyState): string {
    return templates.panel({
      ...state,
      request: state.request && { ...state.request, stateLabel: REQUEST_STATES[state.request.state] },
      isAdmin: caller.user.role === 'admin',
      csrfToken: caller.session.csrfToken,
    });
  }

  /** The erase confirmation (`erasing`), or a refused legal hold form's reason, with the way back to the tip. */
  confirmErase(caller: StaffCaller, tip: { id: string; reference: string }, reason: string, error?: string, erasing = true): string {
    const heading = erasing ? `Erase tip ${tip.reference}?` : `Legal hold on ${tip.reference}`;
    const body = templates.confirm({ heading, erasing, tipId: tip.id, reference: tip.reference, reason, error, csrfToken: caller.session.csrfToken });
    return this.frame.page(caller, { title: heading, page: 'erase-confirm', section: 'queue' }, body);
  }
}
