import { BlockList, isIP } from 'node:net';
import { sameSecret } from '../crypto/constant-time.js';

// Loopback and the private ranges (RFC 1918, RFC 4193 unique-local): a scraper on the same host or
// the same private network. Link-local is left out: it is not a network anyone plans a scraper on.
const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

/** True for a loopback or private-network address (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const family = isIP(plain);
  if (family === 0) return false;
  return PRIVATE.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Who may read /metrics: a caller whose address (Express's req.ip, so behind a trusted proxy the
 * client's, not the proxy's) is loopback or private, or anyone with `Authorization: Bearer
 * METRICS_TOKEN`. Everyone else gets the same 404 as a path that does not exist.
 */
export function mayReadMetrics(clientAddress: string | undefined, authorization: string | undefined, token: string | undefined): boolean {
  if (token && authorization?.startsWith('Bearer ') && sameSecret(authorization.slice('Bearer '.length), token)) return true;
  return isPrivateAddress(clientAddress);
}
