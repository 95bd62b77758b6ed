import type { DateStyle, Payer } from '../config/app-config.js';
import { PAYER_RULES } from '../config/payer-rules.js';
import type { DeskDates } from './desk-dates.js';

/** The paper's public face and the desk's dates: saved at once (audited). */
export const PAPER_FIELDS = ['paperName', 'contactEmail', 'contactPhone', 'contactWhatsapp', 'privacyNotice', 'timeZone', 'dateStyle'] as const;
export type PaperField = (typeof PAPER_FIELDS)[number];

/** The paying account: changed only through a payer change a second admin approves. */
export const PAYER_FIELDS = [
  'name',
  'sortCode',
  'accountNumber',
  'serviceUserNumber',
  'sepaDebtorName',
  'sepaDebtorIban',
  'sepaDebtorBic',
] as const satisfies readonly (keyof Payer)[];
export type PayerField = (typeof PAYER_FIELDS)[number];

/** The environment variable that gives each setting its default (automated deployments set these). */
export const ENV_DEFAULT_OF: Record<PaperField | PayerField, string | undefined> = {
  paperName: 'PAPER_NAME',
  contactEmail: 'PAPER_CONTACT_EMAIL',
  contactPhone: 'PAPER_CONTACT_PHONE',
  contactWhatsapp: 'PAPER_CONTACT_WHATSAPP',
  privacyNotice: undefined,
  timeZone: 'DESK_TIME_ZONE',
  dateStyle: 'DESK_DATE_STYLE',
  ...(Object.fromEntries(PAYER_FIELDS.map((field) => [field, PAYER_RULES[field].env])) as Record<PayerField, string>),
};

/** Each paying-account field in an accountant's words. */
export const PAYER_FIELD_LABELS: Record<PayerField, string> = {
  ...(Object.fromEntries(PAYER_FIELDS.map((field) => [field, PAYER_RULES[field].label])) as Record<PayerField, string>),
  name: 'payer name (as Bacs has it)',
};

export const LOGO_MAX_BYTES = 256 * 1024;
/** Logo types a browser shows safely as an <img> (never SVG: it can carry script). */
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

/** What the privacy page says until an admin writes the paper's own notice. */
export function defaultPrivacyNotice(paperName: string): string {
  return [
    `${paperName} uses what you send through this page to report the news and, if we use your story, photos or video, to pay you.`,
    'We keep your contact details encrypted and never publish them. Your payment details are encrypted and used only to pay you.',
    'We do not keep your internet address: limits against abuse use a scrambled form of it that changes every day.',
    'Editors and our accounts team can see your tip. We keep it for as long as we need it for our reporting and our accounts, then delete it.',
    'To see, correct or delete what we hold about you, contact us using the details below.',
  ].join('\n\n');
}

/** Where a value shown on the settings page comes from. */
export type SettingSource = 'settings' | 'env' | 'default' | 'unset';

export interface SettingShown {
  value: string | null;
  source: SettingSource;
  /** The environment variable behind it (shown to admins only). */
  envName?: string;
}

/** The paper as every page needs it: effective values, ready to show. */
export interface PaperView {
  /** The paper's name, or null when none is set (pages then say "Send us a tip"). */
  paperName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  contactWhatsapp: string | null;
  privacyNotice: string;
  dates: DeskDates;
  /** The logo's address (with its hash, so a new logo is a new address), or null. */
  logoUrl: string | null;
  version: number;
}

export interface LogoFile {
  bytes: Buffer;
  type: string;
  sha256: string;
}

export type DateStyleValue = DateStyle;
