import type { TipDetailDto } from '../../desk/dto/tip-detail.dto.js';
import { CURRENCIES } from '../../payouts/payouts.entities.js';
import { formatMoney } from '../../payouts/payouts.service.js';
import { isAccountsRole, type StaffCaller } from '../../staff/access.js';
import { fieldMessages } from '../shared/form-errors.js';
import { payoutMoveLine } from '../shared/event-words.js';
import { LICENCE_LABELS, PAYOUT_STATE_WORDS } from '../shared/labels.js';
import type { OfferFormState, TipPageState } from './tip-page-state.js';

/** The Payments panel: each payout's state in words, who did what and when, and cancel where this person may. */
export function paymentsPanel(caller: StaffCaller, state: TipPageState) {
  const methods: Record<string, string> = { uk_bank: 'UK bank', iban: 'IBAN', paypal: 'PayPal' };
  return state.payouts.map((p) => {
    const amount = formatMoney(p.amountMinor, p.currency);
    const licence = LICENCE_LABELS[p.licence];
    const moves = state.payoutEvents.filter((e) => e.payoutId === p.id).map((e) => payoutMoveLine(e, state.staffNames, { amount, licence }));
    const mayCancel = caller.user.role === 'admin' || (caller.user.role === 'editor' && p.offeredBy === caller.user.id);
    // A risk can name another contributor's tip (PAYEE_SHARED): its words are for accounting and admins only.
    const risks = (state.payoutRisks?.get(p.id) ?? []).filter((r) => !r.cleared);
    const seesRisks = isAccountsRole(caller.user.role);
    return {
      id: p.id,
      version: p.version,
      state: p.state,
      stateWords: PAYOUT_STATE_WORDS[p.state],
      amount,
      licenceLabel: licence,
      bankReference: p.bankReference,
      payee: p.payee ? { ...p.payee, methodLabel: methods[p.payee.method] ?? p.payee.method } : null,
      flags: [p.legalFlags.witness && 'Editors’ Code cl. 15 (witness)', p.legalFlags.crime && 'Editors’ Code cl. 16 (crime)'].filter(Boolean).join(', '),
      signedOff: Boolean(p.legalSignedOffAt),
      failureReason: p.failureReason,
      paidReference: p.paidReference,
      moves,
      risks: seesRisks ? risks.map((r) => ({ code: r.code, message: r.message })) : [],
      riskCount: seesRisks || risks.length === 0 ? '' : `${risks.length} ${risks.length === 1 ? 'risk' : 'risks'}`,
      canCancel: !state.readOnly && mayCancel && p.allowedStates.includes('cancelled'),
      problem: state.payoutProblem?.payoutId === p.id ? state.payoutProblem.message : undefined,
      csrfToken: caller.session.csrfToken,
      tipId: state.tip.id,
    };
  });
}

/** "Make an offer": amount as typed, currency, licence (the consent's, to start with) and the Editors' Code questions. */
export function offerForm(tip: TipDetailDto, form: OfferFormState | undefined) {
  const values = form?.values ?? {};
  const consentLicence = tip.consents.at(-1)?.licence;
  const licence = values.licence ?? consentLicence ?? 'non_exclusive';
  const { fields, list } = fieldMessages(form?.errors, ['amount', 'currency', 'licence', 'legalFlags']);
  return {
    values: { amount: values.amount ?? '', witness: values.witness === 'true', crime: values.crime === 'true' },
    currencies: CURRENCIES.map((value) => ({
      value,
      label: { GBP: 'Pounds (£)', EUR: 'Euros (€)', USD: 'US dollars ($)' }[value],
      selected: value === (values.currency ?? 'GBP'),
    })),
    licences: (['exclusive', 'non_exclusive'] as const).map((value) => ({
      value,
      label: value === 'exclusive' ? 'Exclusive: only we may use it' : 'Non-exclusive: they may also offer it to others',
      checked: value === licence,
      asked: value === consentLicence,
    })),
    consentLicence: consentLicence ? LICENCE_LABELS[consentLicence] : undefined,
    errors: fields,
    errorList: list.map((e) => ({ ...e, field: `offer-${e.field}` })),
    formError: form?.formError,
    open: form !== undefined,
  };
}
