import { describe, expect, it } from '@jest/globals';
import { sepaText, toAscii, ukBankText } from '../../../src/payouts/exporters/bank-text.js';

describe('bank text', () => {
  it.each([
    ['Zoë Ørsted-Łukasz', 35, 'ZOE ORSTED-LUKASZ'],
    ['Zoë Ørsted-Łukasz', 10, 'ZOE ORSTED'],
    ['Renée 😀 O\u2019Brien 👍🏽', 35, 'RENEE OBRIEN'],
    ['北京 Studio', 35, 'BEIJING STUDIO'],
    ['Tab\there\nnew\r\nline', 35, 'TAB HERE NEW LINE'],
    ['Smith & Sons (Ltd), #1!', 35, 'SMITH & SONS LTD 1'],
    ['ß straße Æsir', 35, 'SS STRASSE AESIR'],
    ['🙂🙂🙂', 18, ''],
    ['A very long payee name that runs past the field', 18, 'A VERY LONG PAYEE'],
  ])('ukBankText(%j, %i) is %j', (input, width, expected) => {
    const out = ukBankText(input, width);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(width);
    expect(out).toMatch(/^[A-Z0-9 .\-/&]*$/);
  });

  it.each([
    ['Zoë Ørsted-Łukasz', 70, 'Zoe Orsted-Lukasz'],
    ["O'Brien & Co. (Köln) 😀", 70, "O'Brien Co. (Koln)"],
    ['東京 Tōkyō', 70, 'DongJing Tokyo'],
    ['x'.repeat(100), 70, 'x'.repeat(70)],
  ])('sepaText(%j, %i) is %j', (input, width, expected) => {
    const out = sepaText(input, width);
    expect(out).toBe(expected);
    expect(out).toMatch(/^[A-Za-z0-9/\-?:().,'+ ]*$/);
  });

  it('keeps only printable ASCII', () => {
    expect(toAscii('Zoë\u0000\u2028Ørsted')).toBe('Zoe  Orsted');
  });
});
