/**
 * The contributor's status page for a tip: the one way tipdesk writes the link (receipts, mails,
 * channel replies, the phone line), with the reference escaped.
 */
export function statusPageUrl(publicBaseUrl: string, reference: string): string {
  return `${publicBaseUrl}/status?reference=${encodeURIComponent(reference)}`;
}
