import { describe, expect, it } from '@jest/globals';
import { stringify } from 'csv-stringify/sync';
import { csvRecord } from '../../../src/payouts/exporters/csv-record.js';

// csvRecord replaced csv-stringify in the exporters (its per-field garbage dominated a large
// export): the same records must come out as the same bytes, golden files or not.
const CRLF = { record_delimiter: 'windows' } as const;
const LEDGER = { record_delimiter: 'windows', eof: true, quoted_match: /[\r\n]/ } as const;

const TRICKY = [
  '',
  'plain',
  'a,b',
  'say "hi"',
  '"',
  '""',
  'line\r\nbreak',
  'bare\nLF',
  'bare\rCR',
  'ends CR\r',
  '\r',
  '\n',
  ',',
  ' lead',
  "'=1+1",
  'Zoë Ørsted',
];

/** A deterministic spread of fields built from the characters CSV cares about. */
function fields(seed: number, count: number): string[] {
  const alphabet = ['a', ',', '"', '\r', '\n', '=', ' ', 'é'];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => Array.from({ length: next() % 6 }, () => alphabet[next() % alphabet.length]).join(''));
}

describe('csvRecord writes what csv-stringify wrote', () => {
  it.each(TRICKY.map((field) => [field]))('the field %j, with CRLF records', (field) => {
    expect(csvRecord([field, 'x'])).toBe(stringify([[field, 'x']], CRLF));
    expect(csvRecord(['x', field])).toBe(stringify([['x', field]], CRLF));
  });

  it.each(TRICKY.map((field) => [field]))('the field %j, with the ledger quoting a bare CR or LF', (field) => {
    expect(csvRecord([field, 'x'], /[\r\n]/)).toBe(stringify([[field, 'x']], LEDGER));
  });

  it('2,000 generated records of fields made of , " CR LF = space', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const record = fields(seed, 1 + (seed % 7));
      expect(csvRecord(record)).toBe(stringify([record], CRLF));
      expect(csvRecord(record, /[\r\n]/)).toBe(stringify([record], LEDGER));
    }
  });

  it('a record of one empty field is an empty line', () => {
    expect(csvRecord([''])).toBe(stringify([['']], CRLF));
  });
});
