import type { TipDetailDto } from '../../desk/dto/tip-detail.dto.js';
import type { FieldErrors } from '../../http/errors.js';
import type { PayoutDto, TipPayoutEventDto } from '../../payouts/dto/payouts.dto.js';
import type { PayoutRisk } from '../../payouts/risks/payout-risks.service.js';

/** What the tip page is drawn from (the desk's, and accounting's read-only view of it). */

export interface StaffRef {
  id: string;
  name: string;
}

/** The tip page's "Make an offer" form, when it came back with a problem. */
export interface OfferFormState {
  values: Record<string, string>;
  errors?: FieldErrors;
  formError?: string;
}

export interface TipPageState {
  tip: TipDetailDto;
  /** Showing an older page of the conversation (the cursor it was opened with). */
  messagesBefore?: string;
  /** Showing an older page of the history. */
  historyBefore?: string;
  /** The tip's payouts and every move of them (the Payments panel and the history). */
  payouts: PayoutDto[];
  payoutEvents: TipPayoutEventDto[];
  /** Each payout's open risks (payout-risks); accounting and admins read them in full, editors only how many. */
  payoutRisks?: Map<string, PayoutRisk[]>;
  /** Accounting's view: everything to read, no forms (and no player: media is the desk's). */
  readOnly?: boolean;
  offer?: OfferFormState;
  /** A refused cancel: which payout and why. */
  payoutProblem?: { payoutId: string; message: string };
  /** MAX_FILES_PER_TIP, for the phone tip's "Add files" form. */
  maxFiles: number;
  assignable: StaffRef[];
  /** Everyone's names, for the history. */
  staffNames: Map<string, string>;
  /** The change was made against an older version: show the tip as it is now. */
  conflict?: boolean;
  formError?: string;
  /** Keyed by form: note, message, assigneeId, priority, tags, duplicateOf. */
  errors?: FieldErrors;
  /** What was typed, when a form comes back with an error. */
  values?: Record<string, unknown>;
  notice?: string;
  /** Admins only: who holds this tip's secret (they may not offer on it), and the waiver form. */
  secretHolders?: { staffId: string; waived: boolean }[];
  waiverError?: string;
}
