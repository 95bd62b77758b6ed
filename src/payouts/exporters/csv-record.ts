// CSV records written by hand rather than by csv-stringify: it builds several arrays and an
// object per field, about 7 KB of garbage per ledger line, which made a 100,000-payout export
// the heaviest thing the app did to its heap. The bytes are csv-stringify's own for the options
// the exporters used (comma, double quote, CRLF after every record); a unit test compares both.

const CRLF = '\r\n';

/**
 * One record and its CRLF. A field is quoted when it holds a comma, a double quote or a CRLF, or
 * when `quoteAlso` matches it (the ledger quotes a bare CR or LF too); quotes inside are doubled.
 */
export function csvRecord(fields: readonly string[], quoteAlso?: RegExp): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += csvField(fields[i], quoteAlso);
  }
  return line + CRLF;
}

function csvField(value: string, quoteAlso: RegExp | undefined): string {
  const hasQuote = value.includes('"');
  if (!hasQuote && !value.includes(',') && !value.includes(CRLF) && !(quoteAlso && value.search(quoteAlso) !== -1)) return value;
  return `"${hasQuote ? value.replaceAll('"', '""') : value}"`;
}
