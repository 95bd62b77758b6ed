/**
 * Reads a WhatsApp Business Cloud API webhook (`object: whatsapp_business_account`,
 * entry[].changes[].value.messages[] with contacts[] for the senders' profile names) into the
 * messages tipdesk keeps. Everything in it came from the public through Meta: each field is
 * checked for shape and clipped, and anything unexpected is skipped rather than trusted.
 */

export type WhatsAppMediaType = 'image' | 'video' | 'audio' | 'document';

export interface WhatsAppMediaRef {
  /** The Graph API media id: GET {graph}/{id} gives a short-lived download URL. */
  id: string;
  type: WhatsAppMediaType;
  /** What the sender's phone said it is; the bytes decide. */
  mimeType?: string;
  /** Documents carry the sender's file name; other media have none. */
  filename?: string;
}

export interface WhatsAppInboundMessage {
  /** The `wamid.…` id: a redelivered webhook repeats it. */
  wamid: string;
  /** E.164 with the '+' (`from` is digits only). */
  from: string;
  profileName?: string;
  sentAt?: Date;
  /** The text, or a media message's caption; may be empty. */
  text: string;
  media?: WhatsAppMediaRef;
}

const TEXT_MAX = 20_000;
const NAME_MAX = 200;
const FILENAME_MAX = 255;
const ID_MAX = 256;
// E.164 numbers are at most 15 digits.
const WA_ID = /^[1-9]\d{5,14}$/;
const MEDIA_ID = /^[A-Za-z0-9._-]{1,128}$/;
const MEDIA_TYPES = new Set<string>(['image', 'video', 'audio', 'document']);
// Reactions and system notices (number changed, welcome requests) are not a reader telling us something.
const IGNORED_TYPES = new Set<string>(['reaction', 'system', 'request_welcome', 'ephemeral']);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const stringOf = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined);

/** The messages in one webhook delivery, in the order Meta sent them. Status updates and other fields yield nothing. */
export function readWebhookMessages(payload: unknown): WhatsAppInboundMessage[] {
  if (!isObject(payload) || payload.object !== 'whatsapp_business_account') return [];
  const messages: WhatsAppInboundMessage[] = [];
  for (const entry of arrayOf(payload.entry)) {
    if (!isObject(entry)) continue;
    for (const change of arrayOf(entry.changes)) {
      if (!isObject(change) || change.field !== 'messages' || !isObject(change.value)) continue;
      const names = profileNames(change.value.contacts);
      for (const raw of arrayOf(change.value.messages)) {
        const message = readMessage(raw, names);
        if (message) messages.push(message);
      }
    }
  }
  return messages;
}

function profileNames(contacts: unknown): Map<string, string> {
  const names = new Map<string, string>();
  for (const contact of arrayOf(contacts)) {
    if (!isObject(contact) || typeof contact.wa_id !== 'string') continue;
    const name = isObject(contact.profile) ? stringOf(contact.profile.name, NAME_MAX)?.trim() : undefined;
    if (name) names.set(contact.wa_id, name);
  }
  return names;
}

function readMessage(raw: unknown, names: Map<string, string>): WhatsAppInboundMessage | undefined {
  if (!isObject(raw)) return undefined;
  const wamid = stringOf(raw.id, ID_MAX);
  const from = typeof raw.from === 'string' && WA_ID.test(raw.from) ? raw.from : undefined;
  const type = typeof raw.type === 'string' ? raw.type : 'unknown';
  if (!wamid || !from || IGNORED_TYPES.has(type)) return undefined;
  const message: WhatsAppInboundMessage = { wamid, from: `+${from}`, profileName: names.get(from), sentAt: sentAtOf(raw.timestamp), text: '' };

  if (type === 'text') {
    message.text = (isObject(raw.text) && stringOf(raw.text.body, TEXT_MAX)) || '';
  } else if (MEDIA_TYPES.has(type) || type === 'sticker') {
    const body = raw[type];
    if (!isObject(body) || typeof body.id !== 'string' || !MEDIA_ID.test(body.id)) return undefined;
    message.text = stringOf(body.caption, TEXT_MAX) ?? '';
    message.media = {
      id: body.id,
      // A sticker is a WebP image.
      type: type === 'sticker' ? 'image' : (type as WhatsAppMediaType),
      mimeType: stringOf(body.mime_type, 255),
      filename: stringOf(body.filename, FILENAME_MAX),
    };
  } else if (type === 'location' && isObject(raw.location)) {
    message.text = locationText(raw.location);
  } else {
    // A contact card, a button reply, something newer than this code: the editor should know it came.
    message.text = `(A WhatsApp "${type.slice(0, 40)}" message that tipdesk cannot show; ask the sender to write it out.)`;
  }
  return message;
}

function sentAtOf(timestamp: unknown): Date | undefined {
  const seconds = typeof timestamp === 'string' && /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : typeof timestamp === 'number' ? timestamp : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
}

function locationText(location: Json): string {
  const coordinate = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(6) : '?');
  const label = [stringOf(location.name, 200), stringOf(location.address, 500)].filter(Boolean).join(', ');
  return `Shared location: ${coordinate(location.latitude)}, ${coordinate(location.longitude)}${label ? ` (${label})` : ''}`;
}
