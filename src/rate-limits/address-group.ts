import ipaddr from 'ipaddr.js';

/**
 * The client a limit counts: an IPv4 address on its own, an IPv6 address by its network prefix
 * (a home or phone connection is given a whole /64, and privacy extensions rotate through it), an
 * IPv4-mapped IPv6 address as the IPv4 address it is. Anything that does not parse (Express
 * passes what a trusted proxy said) counts as itself, so it can never widen someone else's group.
 *
 * ipaddr.js (Express's own address parser, via proxy-addr) does the parsing: IPv6 has enough
 * spellings (`::`, zone ids, embedded IPv4) that a hand-written parser is a bug farm.
 */
export function addressGroup(address: string, ipv6PrefixLength: number): string {
  const trimmed = address.trim();
  if (!ipaddr.isValid(trimmed)) return `other:${trimmed.slice(0, 100)}`;
  let parsed = ipaddr.parse(trimmed);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv4') return `ipv4:${parsed.toString()}`;
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/${ipv6PrefixLength}`);
  return `ipv6:${network.toString()}/${ipv6PrefixLength}`;
}
