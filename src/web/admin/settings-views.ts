import { Injectable } from '@nestjs/common';
import { DATE_STYLES } from '../../config/app-config.js';
import { EXPORT_FORMATS } from '../../payouts/exporters/exporters.js';
import { FORMAT_NAMES, PAYER_FIELDS_BY_FORMAT } from '../../payouts/exporters/payer-settings.js';
import { DATE_STYLE_LABELS } from '../../settings/desk-dates.js';
import { LOGO_MAX_BYTES, PAYER_FIELD_LABELS, PAYER_FIELDS, type PayerField, type SettingShown } from '../../settings/paper-settings.js';
import type { PaperSettingsService, PayerView } from '../../settings/settings.service.js';
import type { StaffCaller } from '../../staff/access.js';
import { fieldMessages, type FormState } from '../shared/form-errors.js';
import { compileView } from '../shared/handlebars.js';
import { StaffFrame } from '../shared/staff-frame.js';

const template = compileView(import.meta.url, 'settings');

export interface SettingsPageState {
  paper: Awaited<ReturnType<PaperSettingsService['paperFields']>>;
  payer: PayerView;
  paperForm?: FormState;
  payerForm?: FormState;
  logoError?: string;
  /** A refused approve, reject or withdraw of the pending payer change. */
  payerError?: string;
  notice?: string;
}

/** The admins' paper settings page, drawn in the desk's frame. */
@Injectable()
export class DeskSettingsViews {
  constructor(private readonly frame: StaffFrame) {}

  /** Paper settings: the paper's public face and dates (saved at once), and the paying account (a second admin approves). */
  page(caller: StaffCaller, state: SettingsPageState): string {
    const { paper, payer } = state;
    const sourceWords = (shown: SettingShown) =>
      shown.source === 'settings'
        ? 'set here'
        : shown.source === 'env'
          ? `from the environment (${shown.envName})`
          : shown.source === 'default'
            ? 'tipdesk’s default'
            : shown.envName
              ? `not set (nor ${shown.envName})`
              : 'not set';
    const paperValues = state.paperForm?.values ?? {};
    const paperErrors = fieldMessages(state.paperForm?.errors, [
      'paperName',
      'contactEmail',
      'contactPhone',
      'contactWhatsapp',
      'privacyNotice',
      'timeZone',
      'dateStyle',
    ]);
    // A form shows what is stored here (blank: the default below it applies), or what was typed when it came back.
    const paperField = (name: keyof typeof paper.fields) => {
      const shown = paper.fields[name];
      const typed = state.paperForm ? (paperValues[name] as string | undefined) : undefined;
      return {
        value: typed ?? (shown.source === 'settings' ? shown.value : ''),
        effective: shown.value,
        source: sourceWords(shown),
        fromEnv: shown.source === 'env',
        error: paperErrors.fields[name],
      };
    };
    const timeZone = paperField('timeZone');
    const styleField = paperField('dateStyle');
    const dateStyle = { ...styleField, effective: DATE_STYLE_LABELS[styleField.effective as keyof typeof DATE_STYLE_LABELS] ?? styleField.effective };
    const zones = Intl.supportedValuesOf('timeZone');
    const payerValues = state.payerForm?.values ?? {};
    const payerErrors = fieldMessages(state.payerForm?.errors, [...PAYER_FIELDS]);
    const pending = payer.pending;
    const payerRows = PAYER_FIELDS.map((field: PayerField) => ({
      field,
      label: PAYER_FIELD_LABELS[field].charAt(0).toUpperCase() + PAYER_FIELD_LABELS[field].slice(1),
      inEffect: payer.fields[field].value,
      source: sourceWords(payer.fields[field]),
      fromEnv: payer.fields[field].source === 'env',
      proposed: pending ? (pending.proposed[field] ?? 'the environment’s default') : undefined,
      changes: pending ? (pending.proposed[field] ?? null) !== (payer.fields[field].source === 'settings' ? payer.fields[field].value : null) : false,
      value: (payerValues[field] as string | undefined) ?? (payer.fields[field].source === 'settings' ? (payer.fields[field].value ?? '') : ''),
      error: payerErrors.fields[field],
    }));
    const formats = EXPORT_FORMATS.filter((format) => PAYER_FIELDS_BY_FORMAT[format].length > 0).map((format) => {
      const missing = PAYER_FIELDS_BY_FORMAT[format].filter((field) => !payer.fields[field].value);
      return { name: FORMAT_NAMES[format], ready: missing.length === 0, missing: missing.map((field) => PAYER_FIELD_LABELS[field]).join(', ') };
    });
    const body = template({
      csrfToken: caller.session.csrfToken,
      version: paper.version,
      paperFields: {
        paperName: paperField('paperName'),
        contactEmail: paperField('contactEmail'),
        contactPhone: paperField('contactPhone'),
        contactWhatsapp: paperField('contactWhatsapp'),
        privacyNotice: paperField('privacyNotice'),
      },
      timeZone,
      zones: [
        {
          value: '',
          label: `Default: ${paper.fields.timeZone.source === 'env' ? `${paper.fields.timeZone.value} (environment)` : 'Europe/London'}`,
          selected: !timeZone.value,
        },
        ...zones.map((zone) => ({ value: zone, label: zone, selected: zone === timeZone.value })),
      ],
      dateStyles: [
        { value: '', label: 'Default', selected: !dateStyle.value },
        ...DATE_STYLES.map((style) => ({ value: style, label: DATE_STYLE_LABELS[style], selected: style === dateStyle.value })),
      ],
      dateStyle,
      paperErrorList: paperErrors.list.map((e) => ({ ...e, field: `settings-${e.field}` })),
      paperFormError: state.paperForm?.formError,
      logo: paper.logo ? { url: paper.paper.logoUrl, type: paper.logo.type, kb: Math.ceil(paper.logo.bytes / 1024) } : undefined,
      logoMaxKb: LOGO_MAX_BYTES / 1024,
      logoError: state.logoError,
      payerRows,
      pending: pending
        ? { id: pending.id, by: pending.proposedByName ?? 'a former colleague', at: pending.proposedAt, mine: pending.proposedBy === caller.user.id }
        : undefined,
      recent: payer.recent.map((change) => ({
        ...change,
        stateLabel: { approved: 'Approved', rejected: 'Rejected', withdrawn: 'Withdrawn', pending: 'Waiting' }[change.state],
        by: change.proposedByName ?? 'a former colleague',
        decider: change.decidedByName ?? 'a former colleague',
      })),
      payerErrorList: payerErrors.list.map((e) => ({ ...e, field: `payer-${e.field}` })),
      payerFormError: state.payerForm?.formError,
      // With a change pending the proposal form is not shown: its refusal goes at the top of the section.
      payerError: state.payerError ?? (pending ? state.payerForm?.formError : undefined),
      formats,
    });
    return this.frame.page(caller, { title: 'Paper settings', page: 'settings', section: 'settings', notice: state.notice, wide: true }, body);
  }
}
