import { describe, expect, it } from '@jest/globals';
import { addressAllowed, addressGroup, isPrivateAddress, parseAddressList } from '../../src/network/ip-addresses.js';

describe('addressGroup', () => {
  it.each([
    ['198.51.100.7', 64, 'ipv4:198.51.100.7'],
    ['::ffff:198.51.100.7', 64, 'ipv4:198.51.100.7'],
    ['::ffff:c633:6407', 64, 'ipv4:198.51.100.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64, 'ipv6:2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0000:0000:0000:0001', 64, 'ipv6:2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', 56, 'ipv6:2001:db8:1::/56'],
    ['2001:db8:1:2ff::1', 56, 'ipv6:2001:db8:1:200::/56'],
    ['2001:db8:1:2::1', 128, 'ipv6:2001:db8:1:2::1/128'],
    ['::1', 64, 'ipv6:::/64'],
    ['not-an-address', 64, 'other:not-an-address'],
    ['999.1.2.3', 64, 'other:999.1.2.3'],
  ])('%s with /%i → %s', (address, prefix, group) => {
    expect(addressGroup(address, prefix)).toBe(group);
  });

  it('every address of one /64 is one group; the next /64 is another', () => {
    const groups = new Set(Array.from({ length: 100 }, (_, n) => addressGroup(`2001:db8:1:2:${n.toString(16)}:${(n * 31).toString(16)}::${n}`, 64)));
    expect([...groups]).toEqual(['ipv6:2001:db8:1:2::/64']);
    expect(addressGroup('2001:db8:1:3::', 64)).not.toBe('ipv6:2001:db8:1:2::/64');
  });

  it('garbage is cut to 100 characters (a proxy header cannot make a key of megabytes)', () => {
    expect(addressGroup('x'.repeat(5000), 64)).toHaveLength('other:'.length + 100);
  });
});

describe('addressAllowed', () => {
  const list = (text: string) => parseAddressList(text)!;
  it.each([
    ['127.0.0.1', '', true],
    ['::1', '', true],
    ['::ffff:127.0.0.1', '', true],
    ['192.0.2.25', '', false],
    ['192.0.2.25', '192.0.2.25', true],
    ['::ffff:192.0.2.25', '192.0.2.25', true],
    ['127.0.0.1', '192.0.2.25', false],
    ['192.0.2.77', '192.0.2.0/24', true],
    ['192.0.3.1', '192.0.2.0/24', false],
    ['2001:db8:25::9', '2001:db8:25::/64', true],
    ['2001:db8:26::9', '2001:db8:25::/64', false],
    ['not-an-address', '0.0.0.0/0', false],
  ])('%s against [%s]: %s', (address, allow, expected) => {
    expect(addressAllowed(address, list(allow))).toBe(expected);
  });

  it('an entry that does not parse spoils the list', () => {
    expect(parseAddressList('192.0.2.1, mx.paper.example')).toBeUndefined();
  });
});

describe('isPrivateAddress (who may read /metrics without a token)', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:10.1.2.3', true],
    ['10.1.2.3', true],
    ['172.16.0.9', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['fd12:3456::1', true],
    ['fe80::1', false],
    ['203.0.113.7', false],
    ['2001:db8::1', false],
    ['not-an-address', false],
    [undefined, false],
  ])('%s: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
