import type { FieldErrors } from '../http/errors.js';

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
