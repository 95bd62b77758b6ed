// Issue 14: the error serialiser drops what an error was handling; the control-character rule
// refuses C0 controls except tab, line feed and CRLF.
import { describe, expect, it } from '@jest/globals';
import { controlCharacterErrors, hasControlCharacter, withoutControlCharacters } from '../../src/http/control-characters.js';
import { serializeError, withoutQuotedValues } from '../../src/logging/error-serializer.js';

/** pg's DatabaseError as the driver throws it (the fields it sets), without a server to provoke one. */
function pgError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { severity: 'ERROR', ...fields });
}

describe('serializeError', () => {
  it("pg's own DatabaseError (not wrapped by TypeORM): code, constraint and table kept; detail, where, hint and internalQuery dropped", () => {
    const error = pgError('duplicate key value violates unique constraint "uq_contributors_email"', {
      code: '23505',
      constraint: 'uq_contributors_email',
      table: 'contributors',
      detail: 'Key (email)=(jo@example.com) already exists.',
      where: 'SQL statement "INSERT … jo@example.com"',
      hint: 'jo@example.com',
      internalQuery: 'SELECT jo@example.com',
    });
    const out = serializeError(error) as Record<string, unknown>;
    expect(out).toMatchObject({ code: '23505', constraint: 'uq_contributors_email', table: 'contributors', message: error.message });
    for (const key of ['detail', 'where', 'hint', 'internalQuery']) expect(out).not.toHaveProperty(key);
    expect(JSON.stringify(out)).not.toContain('jo@example.com');
  });

  it("TypeORM's QueryFailedError shape: query, parameters and driverError dropped, the quoted value in message and stack redacted", () => {
    const error = Object.assign(new Error('invalid input syntax for type uuid: "Jo Bloggs, 12 Mill Lane"'), {
      query: 'INSERT INTO contributors (name) VALUES ($1)',
      parameters: ['Jo Bloggs, 12 Mill Lane'],
      driverError: new Error('invalid input syntax for type uuid: "Jo Bloggs, 12 Mill Lane"'),
      code: '22P02',
      severity: 'ERROR',
    });
    const out = serializeError(error) as Record<string, unknown>;
    expect(out.message).toBe('invalid input syntax for type uuid: "[redacted]"');
    expect(JSON.stringify(out)).not.toContain('Mill Lane');
    expect(String(out.stack)).toMatch(/^Error: invalid input syntax for type uuid: "\[redacted\]"\n\s+at /);
  });

  it("body-parser's error keeps its type and status but never the raw body; a cause is serialised the same way", () => {
    const parseError = Object.assign(new SyntaxError('Unexpected token'), { type: 'entity.parse.failed', status: 400, body: '{"story":"the mayor\'s secret' });
    const wrapper = new Error('request failed', { cause: parseError });
    const out = serializeError(wrapper) as { cause: Record<string, unknown> };
    expect(out.cause).toMatchObject({ type: 'SyntaxError', kind: 'entity.parse.failed', status: 400 });
    expect(JSON.stringify(out)).not.toContain('mayor');
  });

  it('leaves objects and arrays on an error out (a row, a request, a config), and passes non-errors through', () => {
    const error = Object.assign(new Error('boom'), { row: { story: 'secret' }, ids: ['a'], count: 3 });
    expect(serializeError(error)).toMatchObject({ message: 'boom', count: 3 });
    expect(serializeError(error)).not.toHaveProperty('row');
    expect(serializeError('just text')).toBe('just text');
  });

  it.each([
    [
      'null value in column "story" of relation "tips" violates not-null constraint',
      'null value in column "story" of relation "tips" violates not-null constraint',
    ],
    ['value "99999999999" is out of range for type integer', 'value "[redacted]" is out of range for type integer'],
    ['invalid input value for enum tip_status: "secret"', 'invalid input value for enum tip_status: "[redacted]"'],
    ['invalid byte sequence for encoding "UTF8": 0x00', 'invalid byte sequence for encoding "UTF8": 0x00'],
  ])('withoutQuotedValues(%j) keeps quoted names and drops quoted values', (message, expected) => {
    expect(withoutQuotedValues(message)).toBe(expected);
  });
});

describe('control characters', () => {
  it.each([
    ['\u0000', true],
    ['a\u0001b', true],
    ['\u001b[31m', true],
    ['\f', true],
    ['\v', true],
    ['line\rline', true],
    ['\u001f', true],
    ['tab\tand\nnewline', false],
    ['windows\r\nline', false],
    ['emoji 🎥 and é', false],
    ['\u007f', false], // DEL is not C0
  ])('%j → refused: %s', (text, refused) => {
    expect(hasControlCharacter(text)).toBe(refused);
  });

  it('names every field that breaks the rule, arrays as a whole, nested objects by path', () => {
    expect(controlCharacterErrors({ story: 'ok', name: 'a\u0000', tags: ['x', 'y\u0000'], legalFlags: { note: '\u0007' }, n: 3 })).toEqual({
      name: [expect.any(String)],
      tags: [expect.any(String)],
      'legalFlags.note': [expect.any(String)],
    });
    expect(controlCharacterErrors({ story: 'fine\r\n' })).toBeUndefined();
  });

  it('channels strip them: NUL gone, a lone CR becomes a line feed, CRLF and tab kept', () => {
    expect(withoutControlCharacters('a\u0000b\rc\r\nd\te\u001b')).toBe('ab\nc\r\nd\te');
  });
});
