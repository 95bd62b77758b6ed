import { sameSecret } from '../crypto/constant-time.js';
import { isPrivateAddress } from '../network/ip-addresses.js';

/**
 * Who may read /metrics: a caller whose address (Express's req.ip, so behind a trusted proxy the
 * client's, not the proxy's) is loopback or private, or anyone with `Authorization: Bearer
 * METRICS_TOKEN`. Everyone else gets the same 404 as a path that does not exist.
 */
export function mayReadMetrics(clientAddress: string | undefined, authorization: string | undefined, token: string | undefined): boolean {
  if (token && authorization?.startsWith('Bearer ') && sameSecret(authorization.slice('Bearer '.length), token)) return true;
  return isPrivateAddress(clientAddress);
}
