import { createHash } from 'node:crypto';

// A reference as tipdesk prints it (`TD-7K3Q-9XRM`, Crockford base32), in any case: mail
// software lower-cases local parts, and people retype subjects.
const REFERENCE_BODY = 'TD-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})';
const REFERENCE_IN_TEXT = new RegExp(`(?<![0-9A-Z])${REFERENCE_BODY}(?![0-9A-Z])`, 'i');
const PLUS_ADDRESS = new RegExp(`^([^\\s@+]+)\\+${REFERENCE_BODY}@([^\\s@]+)$`, 'i');
const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+$/;

// RFC 5321's limit on a path; longer is not an address anyone can reply to.
const ADDRESS_MAX = 254;
const LOCAL_PART_MAX = 64;
const NAME_MAX = 200;
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const HAS_INVISIBLE = new RegExp(INVISIBLE.source);

function canonical(first: string, second: string): string {
  return `TD-${first.toUpperCase()}-${second.toUpperCase()}`;
}

/** The first tip reference in a subject line (`Re: your tip [TD-7K3Q-9XRM]`, `td-7k3q-9xrm`), upper-cased. */
export function referenceInSubject(subject: string | undefined): string | undefined {
  const match = subject ? REFERENCE_IN_TEXT.exec(subject) : null;
  return match ? canonical(match[1], match[2]) : undefined;
}

/**
 * The reference a plus-address carries (`tips+TD-7K3Q-9XRM@paper.example`). With inbound
 * addresses configured, only a plus-form of one of them counts.
 */
export function referenceInPlusAddress(address: string, inboundAddresses: readonly string[] = []): string | undefined {
  const match = PLUS_ADDRESS.exec(address.trim());
  if (!match) return undefined;
  const base = `${match[1]}@${match[4]}`.toLowerCase();
  if (inboundAddresses.length > 0 && !inboundAddresses.includes(base)) return undefined;
  return canonical(match[2], match[3]);
}

/**
 * Which tip a mail answers: the plus-address tipdesk put in Reply-To first (the mail software
 * wrote it, not the person), then a reference in the subject.
 */
export function threadReferenceOf(mail: { subject?: string; recipients: readonly string[] }, inboundAddresses: readonly string[] = []): string | undefined {
  for (const recipient of mail.recipients) {
    const reference = referenceInPlusAddress(recipient, inboundAddresses);
    if (reference) return reference;
  }
  return referenceInSubject(mail.subject);
}

/** `Tips+anything@Paper.example` → `tips@paper.example`; anything else unchanged (lower-cased). */
export function withoutPlusTag(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return lower;
  const local = lower.slice(0, at);
  const plus = local.indexOf('+');
  return plus > 0 ? `${local.slice(0, plus)}${lower.slice(at)}` : lower;
}

/** May mail to this address come in? One of the inbound addresses, or a plus-form of one. */
export function isInboundAddress(address: string, inboundAddresses: readonly string[]): boolean {
  const lower = address.trim().toLowerCase();
  return inboundAddresses.includes(lower) || inboundAddresses.includes(withoutPlusTag(lower));
}

/** `tips@paper.example` + `TD-7K3Q-9XRM` → `tips+TD-7K3Q-9XRM@paper.example`: a reply to it threads by itself. */
export function plusAddress(inboundAddress: string, reference: string): string {
  const at = inboundAddress.lastIndexOf('@');
  return `${inboundAddress.slice(0, at)}+${reference}${inboundAddress.slice(at)}`;
}

/** The sender as the intake keys on it: a lower-case address, and a display name fit to show; undefined when the address is not one. */
export function normaliseSender(address: string | undefined, name?: string): { address: string; name?: string } | undefined {
  const lower = (address ?? '').trim().toLowerCase();
  if (!lower || lower.length > ADDRESS_MAX || lower.indexOf('@') > LOCAL_PART_MAX || !ADDRESS.test(lower)) return undefined;
  const display = (name ?? '')
    .replace(INVISIBLE, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .trim();
  const clipped = Array.from(display).slice(0, NAME_MAX).join('');
  return clipped && clipped.toLowerCase() !== lower ? { address: lower, name: clipped } : { address: lower };
}

// Room under the channel_messages column (512) for the longest id we keep as it came.
const MESSAGE_ID_MAX = 500;

/**
 * A mail's identity for dedupe: its Message-ID without the angle brackets, or, when it has none
 * (or an absurd one), a SHA-256 of what there is, so a retried delivery is still one message.
 */
export function providerMessageIdOf(messageId: string | undefined, rawSha256: string): string {
  const bare = (messageId ?? '').trim().replace(/^<|>$/g, '').trim();
  if (!bare) return `sha256:${rawSha256}`;
  if (bare.length > MESSAGE_ID_MAX || HAS_INVISIBLE.test(bare)) return `sha256:${createHash('sha256').update(bare).digest('hex')}`;
  return bare;
}
