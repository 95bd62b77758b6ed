// The one rule for control characters in what people send: every text field of every DTO, checked
// by the global ValidationPipe and by validateInput (the pages), so no field can forget it.
import type { FieldErrors } from './errors.js';

/**
 * C0 control characters other than tab and line feed, and a carriage return not followed by a
 * line feed. CR is allowed only as part of CRLF because that is how browsers send a textarea's
 * line breaks (HTML form submission normalises every newline to CRLF), so a multi-line story or
 * message typed on the form carries them; a lone CR is no line break anyone types, and some
 * readers (CSV, mail headers, log viewers) treat it as one. NUL is here too: PostgreSQL refuses
 * it in text, which used to turn a tip into a 500.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|\r(?!\n)/;

export const CONTROL_CHARACTER_MESSAGE = 'This field contains a control character (such as NUL) that cannot be stored; please remove it';

export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/** Every string in an input (nested objects and arrays too), keyed by its field path, that breaks the rule; undefined if none. */
export function controlCharacterErrors(input: unknown): FieldErrors | undefined {
  const fields: FieldErrors = {};
  const visit = (value: unknown, path: string, depth: number) => {
    if (typeof value === 'string') {
      if (hasControlCharacter(value)) fields[path || 'value'] = [CONTROL_CHARACTER_MESSAGE];
    } else if (Array.isArray(value) && depth < 5) {
      // An array field is named as a whole ("tags"), as its other errors are.
      if (value.some((item) => typeof item === 'string' && hasControlCharacter(item))) fields[path] = [CONTROL_CHARACTER_MESSAGE];
      else value.forEach((item, index) => visit(item, `${path}.${index}`, depth + 1));
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && depth < 5) {
      for (const [key, item] of Object.entries(value)) visit(item, path ? `${path}.${key}` : key, depth + 1);
    }
  };
  visit(input, '', 0);
  return Object.keys(fields).length ? fields : undefined;
}

/**
 * For a channel, which cannot answer 400 (an email, a WhatsApp message, a call): the text with
 * the characters the rule refuses taken out (a lone CR becomes a line feed).
 */
export function withoutControlCharacters(text: string): string {
  return text.replace(/\r(?!\n)/g, '\n').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}
