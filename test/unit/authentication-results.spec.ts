import { describe, expect, it } from '@jest/globals';
import { parseAuthenticationResults, senderVerified } from '../../src/channels/email/authentication-results.js';

describe('parseAuthenticationResults (RFC 8601)', () => {
  it('reads the authserv-id, each method, its result and properties, without comments', () => {
    expect(
      parseAuthenticationResults(
        'MX.Paper.Example 1; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=pat@example.org;\r\n dkim=pass header.d=example.org header.s="s1;x"; dmarc=fail (p=reject dis=none) header.from=example.org',
      ),
    ).toEqual({
      authservId: 'mx.paper.example',
      results: [
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'pat@example.org' } },
        { method: 'dkim', result: 'pass', props: { 'header.d': 'example.org', 'header.s': 's1;x' } },
        { method: 'dmarc', result: 'fail', props: { 'header.from': 'example.org' } },
      ],
    });
  });

  it.each([
    ['mx.paper.example; none', { authservId: 'mx.paper.example', results: [] }],
    [
      'mx.paper.example; dkim/1=pass header.i=@example.org',
      { authservId: 'mx.paper.example', results: [{ method: 'dkim', result: 'pass', props: { 'header.i': '@example.org' } }] },
    ],
    ['', undefined],
    ['  ; dmarc=pass', undefined],
    ['(only a comment)', undefined],
  ])('%j', (value, expected) => {
    expect(parseAuthenticationResults(value)).toEqual(expected);
  });
});

describe('senderVerified', () => {
  const MX = 'mx.paper.example';
  it.each([
    [[`${MX}; dmarc=pass header.from=example.org`], 'pat@example.org', true],
    [[`${MX}; dmarc=fail header.from=example.org`], 'pat@example.org', false],
    [[`${MX}; dmarc=fail`, `${MX}; dmarc=pass`], 'pat@example.org', false],
    [['mx.attacker.example; dmarc=pass'], 'pat@example.org', false],
    [[], 'pat@example.org', false],
    [[`${MX}; dkim=pass header.d=example.org; dmarc=none`], 'pat@example.org', true],
    [[`${MX}; dkim=pass header.d=example.org`], 'pat@news.example.org', true],
    [[`${MX}; dkim=pass header.d=org`], 'pat@example.org', false],
    [[`${MX}; dkim=pass header.d=attacker.example`], 'pat@example.org', false],
    [[`${MX}; spf=pass smtp.mailfrom=bounce@example.org`], 'pat@example.org', true],
    [[`${MX}; spf=pass smtp.mailfrom=bounce@attacker.example`], 'pat@example.org', false],
    [[`${MX}; dkim=pass header.d=example.org; dmarc=temperror`], 'pat@example.org', false],
  ])('%j from %s → %s', (headers, from, expected) => {
    expect(senderVerified(headers, MX, from)).toBe(expected);
  });
});
