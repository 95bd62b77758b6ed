/**
 * What a page's form or address sent, as plain strings: urlencoded bodies and query strings can
 * carry arrays and (with extended parsing) objects, and a page never wants either.
 */

/** A posted form field, or '' when it is missing or not a string. */
export function formText(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

/** A query parameter, trimmed and cut to `max` (the first of repeated values), or ''. */
export function queryText(value: unknown, max: number): string {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim().slice(0, max) : '';
}

/** A form's hidden `version` field: a whole number, or the text as sent (for the DTO to refuse). */
export function formVersion(body: Record<string, unknown>): number | string {
  const text = formText(body, 'version');
  return /^\d{1,10}$/.test(text) ? Number(text) : text;
}

/** A field a form may send once or repeatedly (checkboxes of one name), as its string values. */
export function formList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string');
}
