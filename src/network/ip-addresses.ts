// Client addresses: how limits group them and how allow-lists match them. A leaf: no tipdesk imports.
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

/** An address range as parsed: the network and its prefix length. */
export type AddressRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses a list of addresses and CIDRs (comma-separated, as INBOUND_SMTP_ALLOW); undefined if any entry does not parse. */
export function parseAddressList(list: string): AddressRange[] | undefined {
  const ranges: AddressRange[] = [];
  for (const entry of list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    try {
      if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry));
      else {
        const address = ipaddr.parse(entry);
        ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      return undefined;
    }
  }
  return ranges;
}

/** Whether an address is in one of the ranges; with no ranges, only loopback is. */
export function addressAllowed(remoteAddress: string | undefined, allow: AddressRange[] | undefined): boolean {
  if (!remoteAddress || !ipaddr.isValid(remoteAddress)) return false;
  const address = ipaddr.process(remoteAddress); // ::ffff:127.0.0.1 is 127.0.0.1
  if (!allow || allow.length === 0) return address.range() === 'loopback';
  return allow.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
}

/**
 * True for a loopback or private-network address (RFC 1918, RFC 4193 unique-local; IPv4-mapped
 * IPv6 included). Link-local is left out: it is not a network anyone plans a scraper on.
 */
export function isPrivateAddress(address: string | undefined): boolean {
  if (!address || !ipaddr.isValid(address)) return false;
  return ['loopback', 'private', 'uniqueLocal'].includes(ipaddr.process(address).range());
}
