import { describe, expect, it } from '@jest/globals';
import { mediaToFetch } from '../../../src/channels/whatsapp/whatsapp-media.fetcher.js';
import { readWebhookMessages } from '../../../src/channels/whatsapp/whatsapp-payload.js';
import { hasValidSignature, signatureFor } from '../../../src/channels/whatsapp/whatsapp-signature.js';
import { webhookDelivery } from '../../support/whatsapp-graph-peer.js';

const SECRET = 'app-secret-for-tests';

const delivery = (messages: Record<string, unknown>[], value?: Record<string, unknown>) => webhookDelivery('447700900123', messages, { value });
const base = { from: '447700900123', id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=', timestamp: '1767225600' };

describe('X-Hub-Signature-256', () => {
  const body = Buffer.from(JSON.stringify(delivery([])));

  it('the HMAC-SHA256 of the raw body under the app secret: valid', () => {
    expect(hasValidSignature(body, signatureFor(body, SECRET), SECRET)).toBe(true);
  });
  it('upper-case hex: valid', () => {
    expect(hasValidSignature(body, signatureFor(body, SECRET).toUpperCase().replace('SHA256=', 'sha256='), SECRET)).toBe(true);
  });
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without the sha256= prefix', signatureFor(body, SECRET).slice(7)],
    ['sha1', `sha1=${'a'.repeat(40)}`],
    ['truncated', signatureFor(body, SECRET).slice(0, -2)],
    ['under another secret', signatureFor(body, 'another-secret')],
    ['of another body', signatureFor(Buffer.concat([body, Buffer.from(' ')]), SECRET)],
  ])('%s: invalid', (_name, header) => {
    expect(hasValidSignature(body, header, SECRET)).toBe(false);
  });
});

describe('readWebhookMessages', () => {
  it('a text: wamid, E.164 sender with +, profile name, text, sent time', () => {
    expect(readWebhookMessages(delivery([{ ...base, type: 'text', text: { body: 'A fox on the tram' } }]))).toEqual([
      { wamid: base.id, from: '+447700900123', profileName: 'Sam Reader', sentAt: new Date('2026-01-01T00:00:00Z'), text: 'A fox on the tram' },
    ]);
  });

  it.each(['image', 'video', 'audio'] as const)('%s: the media id and declared type, the caption as text', (type) => {
    const [message] = readWebhookMessages(
      delivery([{ ...base, type, [type]: { id: '1037543291543636', mime_type: `${type}/x`, sha256: 'abc', caption: 'look' } }]),
    );
    expect(message.media).toEqual({ id: '1037543291543636', type, mimeType: `${type}/x`, filename: undefined });
    expect(message.text).toBe('look');
  });

  it("a document: the sender's file name", () => {
    const [message] = readWebhookMessages(
      delivery([{ ...base, type: 'document', document: { id: '555', mime_type: 'application/pdf', filename: 'report.pdf' } }]),
    );
    expect(message.media).toEqual({ id: '555', type: 'document', mimeType: 'application/pdf', filename: 'report.pdf' });
  });

  it('a sticker: an image', () => {
    const [message] = readWebhookMessages(delivery([{ ...base, type: 'sticker', sticker: { id: '777', mime_type: 'image/webp', animated: false } }]));
    expect(message.media?.type).toBe('image');
  });

  it('a location: its coordinates and name as text', () => {
    const [message] = readWebhookMessages(delivery([{ ...base, type: 'location', location: { latitude: 51.5072, longitude: -0.1276, name: 'Trafalgar Sq' } }]));
    expect(message.text).toBe('Shared location: 51.507200, -0.127600 (Trafalgar Sq)');
  });

  it('a contact card: kept, with a line telling the editor what came', () => {
    const [message] = readWebhookMessages(delivery([{ ...base, type: 'contacts', contacts: [{ name: { formatted_name: 'X' } }] }]));
    expect(message.text).toMatch(/"contacts" message that tipdesk cannot show/);
  });

  it('a reaction: nothing', () => {
    expect(readWebhookMessages(delivery([{ ...base, type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' } }]))).toEqual([]);
  });

  it('statuses only: nothing', () => {
    const payload = delivery([], { statuses: [{ id: 'wamid.out', status: 'delivered', recipient_id: '447700900123' }] });
    delete (payload.entry[0].changes[0].value as { messages?: unknown }).messages;
    expect(readWebhookMessages(payload)).toEqual([]);
  });

  it('several entries and messages: all, in order', () => {
    const payload = delivery([
      { ...base, id: 'wamid.1', type: 'text', text: { body: 'one' } },
      { ...base, id: 'wamid.2', type: 'text', text: { body: 'two' } },
    ]);
    payload.entry.push({
      ...payload.entry[0],
      changes: [
        {
          ...payload.entry[0].changes[0],
          value: { ...payload.entry[0].changes[0].value, messages: [{ ...base, id: 'wamid.3', type: 'text', text: { body: 'three' } }] },
        },
      ],
    });
    expect(readWebhookMessages(payload).map((m) => m.wamid)).toEqual(['wamid.1', 'wamid.2', 'wamid.3']);
  });

  it.each([
    ['another object', { object: 'page', entry: [] }],
    ['not an object', 'hello'],
    ['null', null],
    ['entry not an array', { object: 'whatsapp_business_account', entry: 'x' }],
    [
      'another field',
      {
        object: 'whatsapp_business_account',
        entry: [{ changes: [{ field: 'account_update', value: { messages: [{ ...base, type: 'text', text: { body: 'x' } }] } }] }],
      },
    ],
  ])('%s: nothing', (_name, payload) => {
    expect(readWebhookMessages(payload)).toEqual([]);
  });

  it.each([
    ['a sender that is not digits', { ...base, from: '+44 7700', type: 'text', text: { body: 'x' } }],
    ['a sender too long for E.164', { ...base, from: '1234567890123456', type: 'text', text: { body: 'x' } }],
    ['no wamid', { ...base, id: undefined, type: 'text', text: { body: 'x' } }],
    ['a media id with a slash', { ...base, type: 'video', video: { id: '../../me' } }],
    ['media without an id', { ...base, type: 'image', image: { mime_type: 'image/jpeg' } }],
  ])('%s: skipped', (_name, message) => {
    expect(readWebhookMessages(delivery([message]))).toEqual([]);
  });

  it('a text over 20,000 characters: clipped', () => {
    const [message] = readWebhookMessages(delivery([{ ...base, type: 'text', text: { body: 'x'.repeat(30_000) } }]));
    expect(message.text).toHaveLength(20_000);
  });
});

describe('mediaToFetch', () => {
  it('a video without a name: whatsapp-video.mp4', () => {
    expect(mediaToFetch({ id: '1', type: 'video', mimeType: 'video/mp4' })).toEqual({
      providerMediaId: '1',
      filename: 'whatsapp-video.mp4',
      declaredType: 'video/mp4',
    });
  });
  it("a voice note: whatsapp-audio.ogg from 'audio/ogg; codecs=opus'", () => {
    expect(mediaToFetch({ id: '2', type: 'audio', mimeType: 'audio/ogg; codecs=opus' }).filename).toBe('whatsapp-audio.ogg');
  });
  it("a document: the sender's name", () => {
    expect(mediaToFetch({ id: '3', type: 'document', mimeType: 'video/mp4', filename: 'clip.mp4' }).filename).toBe('clip.mp4');
  });
});
