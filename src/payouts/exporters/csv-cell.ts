// OWASP "CSV injection": a spreadsheet treats a cell that begins with one of these as a formula.
const FORMULA_START = /^[=+\-@\t\r\n]/;

/** Makes a text cell inert for spreadsheets by prefixing a single quote (OWASP's advice). */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
