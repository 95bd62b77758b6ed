import { describe, expect, it } from '@jest/globals';
import {
  isInboundAddress,
  normaliseSender,
  plusAddress,
  providerMessageIdOf,
  referenceInPlusAddress,
  referenceInSubject,
  threadReferenceOf,
} from '../../../src/channels/email/email-addresses.js';

const INBOUND = ['tips@paper.example', 'pictures@paper.example'];

describe('referenceInSubject', () => {
  it.each([
    ['Re: your tip [TD-7K3Q-9XRM]', 'TD-7K3Q-9XRM'],
    ['RE: Re: your tip [TD-7K3Q-9XRM] more', 'TD-7K3Q-9XRM'],
    ['about TD-7K3Q-9XRM, again', 'TD-7K3Q-9XRM'],
    ['lower case td-7k3q-9xrm', 'TD-7K3Q-9XRM'],
    ['(TD-0000-ZZZZ)', 'TD-0000-ZZZZ'],
    ['first TD-AAAA-BBBB then TD-CCCC-DDDD', 'TD-AAAA-BBBB'],
  ])('%j → %s', (subject, expected) => {
    expect(referenceInSubject(subject)).toBe(expected);
  });

  it.each([
    ['no reference here'],
    ['TD-7K3Q-9XR (too short)'],
    ['XTD-7K3Q-9XRM glued to a word'],
    ['TD-7K3Q-9XRMA glued after'],
    ['TD-7K3U-9XRM (U is not Crockford)'],
    ['TD-IL0O-9XRM (I, L and O are not printed)'],
    [''],
  ])('%j → none', (subject) => {
    expect(referenceInSubject(subject)).toBeUndefined();
  });

  it('undefined subject → none', () => {
    expect(referenceInSubject(undefined)).toBeUndefined();
  });
});

describe('referenceInPlusAddress', () => {
  it.each([
    ['tips+TD-7K3Q-9XRM@paper.example', 'TD-7K3Q-9XRM'],
    ['tips+td-7k3q-9xrm@paper.example', 'TD-7K3Q-9XRM'],
    ['Pictures+TD-7K3Q-9XRM@Paper.Example', 'TD-7K3Q-9XRM'],
  ])('%s → %s', (address, expected) => {
    expect(referenceInPlusAddress(address, INBOUND)).toBe(expected);
  });

  it.each([
    ['tips@paper.example', 'no tag'],
    ['tips+hello@paper.example', 'a tag that is no reference'],
    ['other+TD-7K3Q-9XRM@paper.example', 'not one of our addresses'],
    ['tips+TD-7K3Q-9XRM@evil.example', "our local part at someone else's domain"],
  ])('%s → none (%s)', (address) => {
    expect(referenceInPlusAddress(address, INBOUND)).toBeUndefined();
  });

  it('with no inbound addresses configured (webhook only), any plus-address counts', () => {
    expect(referenceInPlusAddress('desk+TD-7K3Q-9XRM@news.example')).toBe('TD-7K3Q-9XRM');
  });
});

describe('threadReferenceOf', () => {
  it('prefers the plus-address (written by mail software) to the subject (typed by a person)', () => {
    expect(threadReferenceOf({ subject: 'Re: [TD-AAAA-BBBB]', recipients: ['tips+TD-CCCC-DDDD@paper.example'] }, INBOUND)).toBe('TD-CCCC-DDDD');
  });

  it('falls back to the subject', () => {
    expect(threadReferenceOf({ subject: 'Re: [TD-AAAA-BBBB]', recipients: ['tips@paper.example'] }, INBOUND)).toBe('TD-AAAA-BBBB');
  });

  it('none in either → none', () => {
    expect(threadReferenceOf({ subject: 'Flood', recipients: ['tips@paper.example'] }, INBOUND)).toBeUndefined();
  });
});

describe('isInboundAddress', () => {
  it.each([
    ['tips@paper.example', true],
    ['TIPS@Paper.Example', true],
    ['tips+TD-7K3Q-9XRM@paper.example', true],
    ['tips+anything@paper.example', true],
    ['editor@paper.example', false],
    ['tips@paper.example.evil', false],
    ['xtips@paper.example', false],
  ])('%s → %s', (address, expected) => {
    expect(isInboundAddress(address, INBOUND)).toBe(expected);
  });

  it('no inbound addresses configured → nothing is accepted', () => {
    expect(isInboundAddress('tips@paper.example', [])).toBe(false);
  });
});

describe('plusAddress', () => {
  it('puts the reference between the local part and the domain', () => {
    expect(plusAddress('tips@paper.example', 'TD-7K3Q-9XRM')).toBe('tips+TD-7K3Q-9XRM@paper.example');
  });

  it('round-trips through referenceInPlusAddress', () => {
    expect(referenceInPlusAddress(plusAddress('pictures@paper.example', 'TD-0A1B-2C3D'), INBOUND)).toBe('TD-0A1B-2C3D');
  });
});

describe('normaliseSender', () => {
  it.each([
    [['Pat.Reader@Example.ORG', 'Pat Reader'], { address: 'pat.reader@example.org', name: 'Pat Reader' }],
    [['  pat@example.org ', ''], { address: 'pat@example.org' }],
    [['pat@example.org', undefined], { address: 'pat@example.org' }],
    [['pat@example.org', '"Pat   Reader"'], { address: 'pat@example.org', name: 'Pat Reader' }],
    [['pat@example.org', 'Pat\u202e\u0000 Reader'], { address: 'pat@example.org', name: 'Pat Reader' }],
    [['pat@example.org', 'PAT@example.org'], { address: 'pat@example.org' }],
  ] as const)('%j → %j', ([address, name], expected) => {
    expect(normaliseSender(address, name)).toEqual(expected);
  });

  it('clips a long display name to 200 characters', () => {
    expect(normaliseSender('pat@example.org', 'x'.repeat(500))?.name).toHaveLength(200);
  });

  it.each([
    ['', 'empty'],
    [undefined, 'missing'],
    ['not an address', 'no @'],
    ['a@b@c', 'two @'],
    ['<pat@example.org>', 'angle brackets'],
    [`${'a'.repeat(65)}@example.org`, 'local part over 64'],
    [`pat@${'d'.repeat(260)}.org`, 'over 254 characters'],
  ])('%j → none (%s)', (address, _why) => {
    expect(normaliseSender(address)).toBeUndefined();
  });
});

describe('providerMessageIdOf', () => {
  const hash = 'a'.repeat(64);

  it('the Message-ID without its angle brackets', () => {
    expect(providerMessageIdOf('<abc.123@mail.example.org>', hash)).toBe('abc.123@mail.example.org');
  });

  it('no Message-ID → sha256 of the raw message', () => {
    expect(providerMessageIdOf(undefined, hash)).toBe(`sha256:${hash}`);
    expect(providerMessageIdOf('  <>  ', hash)).toBe(`sha256:${hash}`);
  });

  it('an absurdly long Message-ID → its own sha256, within the column', () => {
    const id = providerMessageIdOf(`<${'x'.repeat(2000)}@example.org>`, hash);
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(id).not.toBe(`sha256:${hash}`);
  });
});
