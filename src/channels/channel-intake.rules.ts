import { ValidationFailedError } from '../http/errors.js';
import { sanitiseDisplayFilename } from '../media/media-files.js';
import { INBOUND_CHANNELS, type InboundChannel, type InboundMessage } from './inbound-message.js';

// The channel intake's pure rules: what a message must hold, what a new tip's story says, how
// a sender is recognised, and how long a file that would not come waits before the next try.

/** What a new tip's story says when only files came. */
export const FILES_ONLY_STORY = '(no text: files only)';

// Backoff for a file the provider would not hand over: 1 min, 2, 4 … capped at 6 h; after
// PENDING_MEDIA_ATTEMPTS tries tipdesk gives up and says so on the tip.
export const PENDING_MEDIA_ATTEMPTS = 8;
export const BACKOFF_BASE_SECONDS = 60;
export const BACKOFF_MAX_SECONDS = 6 * 3600;

export const PROVIDER_ID_MAX = 512;
export const NAME_MAX = 200;

export function pendingBackoffSeconds(attempts: number): number {
  return Math.min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}

export const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Lower-case email addresses; phone numbers as `+` and digits only. */
export function normaliseAddress(channel: InboundChannel, address: string): string {
  const trimmed = address.trim();
  return channel === 'email' ? trimmed.toLowerCase() : trimmed.replace(/[\s().-]/g, '');
}

/** A new tip's story: the subject and the text (email), or a placeholder when only files came. */
export function storyOf(msg: Pick<InboundMessage, 'text' | 'subject'>): string {
  const text = msg.text.trim();
  const subject = msg.subject?.trim() ?? '';
  const story = subject && text ? `${subject}\n\n${text}` : subject || text;
  return story || FILES_ONLY_STORY;
}

export function channelName(channel: InboundChannel): string {
  return channel === 'email' ? 'email' : 'WhatsApp';
}

export function displayName(filename: string): string {
  return sanitiseDisplayFilename(filename).slice(0, 200);
}

/** What no channel should ever hand over; a channel's bug, answered clearly rather than stored. */
export function checkMessage(msg: InboundMessage): void {
  const fields: Record<string, string[]> = {};
  if (!(INBOUND_CHANNELS as readonly string[]).includes(msg.channel)) fields.channel = ['Unknown channel'];
  if (typeof msg.providerMessageId !== 'string' || !msg.providerMessageId || msg.providerMessageId.length > PROVIDER_ID_MAX) {
    fields.providerMessageId = [`A provider message id of 1-${PROVIDER_ID_MAX} characters is required`];
  }
  const address = typeof msg.sender?.address === 'string' ? normaliseAddress(msg.channel, msg.sender.address) : '';
  const valid = msg.channel === 'email' ? /^[^\s@<>]{1,64}@[^\s@<>]{1,255}$/.test(address) : /^\+?\d{6,20}$/.test(address);
  if (!valid) fields.sender = [msg.channel === 'email' ? 'The sender must be an email address' : 'The sender must be a phone number'];
  if (typeof msg.text !== 'string') fields.text = ['The text must be a string (empty when only files came)'];
  if (Object.keys(fields).length) throw new ValidationFailedError(fields, 'The channel handed over a message tipdesk cannot take');
}
