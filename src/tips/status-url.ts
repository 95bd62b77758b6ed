/**
 * The contributor's status page for one tip: the link every receipt, mail and WhatsApp reply
 * carries. Built here only, so the address and its escaping are the same on every channel.
 */
export function statusPageUrl(publicBaseUrl: string, reference: string): string {
  return `${publicBaseUrl}/status?reference=${encodeURIComponent(reference)}`;
}
