import { describe, expect, it } from '@jest/globals';
import { decodeKeysetCursor, encodeKeysetCursor, InvalidCursorError } from '../../src/http/keyset-cursor.js';

describe('keyset cursor', () => {
  const cursor = { at: '2026-05-01T09:30:15.123456Z', id: '0f8fad5b-d9cb-469f-a165-70867728950e' };

  it('round-trips the timestamp’s microseconds and the id', () => {
    expect(decodeKeysetCursor(encodeKeysetCursor(cursor))).toEqual(cursor);
    expect(encodeKeysetCursor(cursor)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/=='],
    ['base64 of junk', b64('hello')],
    ['milliseconds only', b64('2026-05-01T09:30:15.123Z/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['no time zone', b64('2026-05-01T09:30:15.123456/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['30 February', b64('2026-02-30T09:30:15.123456Z/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['hour 24', b64('2026-05-01T24:00:00.000000Z/0f8fad5b-d9cb-469f-a165-70867728950e')],
    ['upper-case uuid', b64('2026-05-01T09:30:15.123456Z/0F8FAD5B-D9CB-469F-A165-70867728950E')],
    ['uuid missing', b64('2026-05-01T09:30:15.123456Z/')],
    ['SQL in the id', b64("2026-05-01T09:30:15.123456Z/0f8fad5b-d9cb-469f-a165-70867728950e' OR 1=1")],
    ['trailing garbage', `${encodeKeysetCursor(cursor)}AA`],
    ['over 200 characters', 'A'.repeat(201)],
  ])('%s is refused with INVALID_CURSOR', (_name, text) => {
    expect(() => decodeKeysetCursor(text)).toThrow(InvalidCursorError);
    try {
      decodeKeysetCursor(text);
    } catch (error) {
      expect((error as InvalidCursorError).code).toBe('INVALID_CURSOR');
    }
  });
});
