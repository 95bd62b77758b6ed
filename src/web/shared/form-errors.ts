import type { FieldErrors } from '../../http/errors.js';
import { PASSWORD_MIN_LENGTH } from '../../staff/passwords.js';

export interface FormState {
  values?: Record<string, unknown>;
  errors?: FieldErrors;
  formError?: string;
}

/** Only strings go back into a form (never a password: those are typed again). */
export function formValues(values: Record<string, unknown> | undefined, keep: string[]): Record<string, string> {
  return Object.fromEntries(keep.flatMap((key) => (typeof values?.[key] === 'string' ? [[key, values[key] as string]] : [])));
}

export const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.`;

/** A form's field errors as one sentence per field, and as a list in the form's `order` for the summary at its top. */
export function fieldMessages(
  errors: FieldErrors | undefined,
  order: string[],
): { fields: Record<string, string>; list: { field: string; message: string }[] } {
  const fields = Object.fromEntries(Object.entries(errors ?? {}).map(([field, messages]) => [field, messages.join('. ')]));
  const list = Object.entries(fields)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([field, message]) => ({ field: order.includes(field) ? field : order[0], message }));
  return { fields, list };
}
