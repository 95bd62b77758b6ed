import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type * as HtmlToTextModule from 'html-to-text';
import type * as MailparserModule from 'mailparser';
import type { convert as HtmlToText } from 'html-to-text';
import type { AddressObject, AttachmentStream, HeaderValue, MailParser, MessageText, StructuredHeader } from 'mailparser';
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../http/errors.js';
import { stageMedia, UnsupportedMediaTypeError, type UploadedMedia } from '../../media/blob-storage-engine.js';
import { sanitiseDisplayFilename } from '../../media/media-files.js';
import { BLOB_STORE, BlobTooLargeError, type BlobStore } from '../../storage/blob-store.js';
import { STORY_MAX_LENGTH } from '../../tips/dto/create-tip.dto.js';
import type { InboundMessage } from '../inbound-message.js';
import { senderVerified } from './authentication-results.js';
import { normaliseSender, providerMessageIdOf, threadReferenceOf } from './email-addresses.js';

export class EmailMalformedError extends DomainError {
  constructor(why: string) {
    super(HttpStatus.BAD_REQUEST, 'EMAIL_MALFORMED', `This is not a mail we can read: ${why}`);
  }
}

export class EmailTooLargeError extends DomainError {
  constructor(readonly maxBytes: number) {
    super(HttpStatus.PAYLOAD_TOO_LARGE, 'EMAIL_TOO_LARGE', `The message is larger than the limit of ${maxBytes} bytes`);
  }
}

/** What the mail transport knew besides the message: the SMTP envelope's recipients. */
export interface EmailEnvelope {
  recipients?: readonly string[];
}

// A part's header block past this is an attack or a broken mailer, not a tip.
const MAX_HEAD_BYTES = 64 * 1024;
// More MIME parts than any phone or webmail sends with a few videos.
const MAX_PARTS = 200;
// The closing boundary of a multipart message is looked for in its last bytes only.
const TAIL_BYTES = 64 * 1024;
// HTML past this is not converted to text (its conversion is the parser's slowest step).
const MAX_HTML_TO_CONVERT = 1024 * 1024;
const SUBJECT_MAX = 500;
// mailparser and html-to-text are about 20 MB once loaded: they come with the first inbound mail,
// not with every process's start (most never receive one).
let mailModules: Promise<[typeof MailparserModule, typeof HtmlToTextModule]> | undefined;
const loadMailModules = () => (mailModules ??= Promise.all([import('mailparser'), import('html-to-text')]));

const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Counts the raw message as it streams past (refusing it past the limit), hashes it (the id of a
 * mail without a Message-ID) and keeps its last bytes (to tell a complete multipart from a cut one).
 */
class RawMessageMeter extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private tailChunks: Buffer[] = [];
  private tailBytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(new EmailTooLargeError(this.maxBytes));
    this.hash.update(chunk);
    this.tailChunks.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailChunks.length > 1 && this.tailBytes - this.tailChunks[0].length >= TAIL_BYTES) {
      this.tailBytes -= this.tailChunks.shift()!.length;
    }
    done(null, chunk);
  }

  sha256(): string {
    return this.hash.digest('hex');
  }

  tail(): string {
    return Buffer.concat(this.tailChunks).subarray(-TAIL_BYTES).toString('latin1');
  }
}

/** A mail as it stands once read: the message for the intake, and the files it already staged. */
interface ParsedParts {
  text?: MessageText;
  staged: UploadedMedia[];
  dropped: { filename: string; reason: string }[];
}

/**
 * Reads one raw RFC 5322 message (from the SMTP listener or the webhook) into an InboundMessage.
 * The message streams through mailparser; each attachment streams into the BlobStore through
 * stageMedia, judged by its bytes like a form upload, so nothing is held whole in memory. A mail
 * that cannot be read, or is too large, throws, and every file it had staged is removed first.
 */
@Injectable()
export class InboundEmailParser {
  constructor(
    private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
  ) {}

  async parse(source: Readable, envelope: EmailEnvelope = {}): Promise<InboundMessage> {
    const [{ MailParser }, { convert: htmlToText }] = await loadMailModules();
    const meter = new RawMessageMeter(this.config.INBOUND_EMAIL_MAX_BYTES);
    const parser = new MailParser({ checksumAlgo: false, maxHeadSize: MAX_HEAD_BYTES, maxChildNodes: MAX_PARTS, skipTextToHtml: true, skipImageLinks: true });
    const parts: ParsedParts = { staged: [], dropped: [] };
    // The source is the caller's (an HTTP request, an SMTP DATA stream): it is fed in, never
    // destroyed, so the caller can still answer on it, and drained should reading stop early.
    const feed = new PassThrough();
    source.pipe(feed);
    // A store failing mid-attachment ends the loop below, which destroys mailparser with an
    // AbortError that the pipeline may report instead: the store's own error (a full disk is
    // 452/507) must win over that, but not over our own refusals (too large, a parser limit).
    let stagingError: unknown;
    try {
      const readParts = async (mail: AsyncIterable<unknown>, { signal }: { signal: AbortSignal }) => {
        // When the parser fails mid-message (a limit), the attachment being read never ends on its
        // own; Node 22+ waits for this function before the pipeline settles, so end it here.
        let current: AttachmentStream | undefined;
        signal.addEventListener('abort', () => current?.content.destroy(signal.reason as Error), { once: true });
        for await (const part of mail as AsyncIterable<AttachmentStream | MessageText>) {
          if (part.type === 'text') {
            parts.text = part;
            continue;
          }
          current = part;
          await this.stageAttachment(part, parts).catch((error: unknown) => Promise.reject((stagingError = error)));
        }
      };
      // (mailparser's typings give read() an object type Node's pipeline typings do not expect, and
      // @types/node 20 does not declare the { signal } that pipeline passes to its last function)
      await pipeline(feed, meter, parser as unknown as Transform, readParts as (mail: AsyncIterable<unknown>) => Promise<void>);
      return this.messageOf(parser, meter, parts, envelope, htmlToText);
    } catch (caught) {
      const error = caught instanceof DomainError || isParserLimit(caught) ? caught : (stagingError ?? caught);
      source.unpipe(feed);
      source.resume();
      await Promise.all(parts.staged.map((file) => this.store.delete(file.tempKey).catch(() => undefined)));
      if (error instanceof DomainError) throw error;
      if (isParserLimit(error)) throw new EmailMalformedError((error as Error).message);
      throw error;
    }
  }

  /** Stores one attachment, or notes why not; either way its bytes are read to the end so the parser goes on. */
  private async stageAttachment(part: AttachmentStream, parts: ParsedParts): Promise<void> {
    const originalName = part.filename ?? `attachment-${parts.staged.length + parts.dropped.length + 1}`;
    try {
      if (parts.staged.length >= this.config.MAX_FILES_PER_TIP) {
        parts.dropped.push({ filename: sanitiseDisplayFilename(originalName), reason: `more than ${this.config.MAX_FILES_PER_TIP} files in one message` });
        return;
      }
      // A file can never be larger than the mail that carries it.
      const maxBytes = Math.min(this.config.MAX_FILE_BYTES, this.config.INBOUND_EMAIL_MAX_BYTES);
      parts.staged.push(await stageMedia(this.store, part.content, { originalName, declaredType: part.contentType }, maxBytes));
    } catch (error) {
      if (error instanceof UnsupportedMediaTypeError) {
        parts.dropped.push({ filename: sanitiseDisplayFilename(originalName), reason: 'not a video, photo or audio file' });
      } else if (error instanceof BlobTooLargeError) {
        parts.dropped.push({ filename: sanitiseDisplayFilename(originalName), reason: `larger than the limit of ${error.maxBytes} bytes` });
      } else {
        throw error;
      }
    } finally {
      if (!part.content.readableEnded) {
        part.content.resume();
        await finished(part.content).catch(() => undefined);
      }
      part.release?.();
    }
  }

  private messageOf(parser: MailParser, meter: RawMessageMeter, parts: ParsedParts, envelope: EmailEnvelope, htmlToText: typeof HtmlToText): InboundMessage {
    const headers = parser.headers || new Map<string, HeaderValue>();
    const from = addressesOf(headers.get('from'))[0];
    if (!from) throw new EmailMalformedError('it has no From address');
    const sender = normaliseSender(from.address, from.name);
    if (!sender) throw new EmailMalformedError('its From address is not an address');
    const contentType = headers.get('content-type') as StructuredHeader | undefined;
    if (contentType?.value.toLowerCase().startsWith('multipart/')) {
      const boundary = contentType.params.boundary;
      if (!boundary) throw new EmailMalformedError('it says it has several parts but not how they are separated (no boundary)');
      // Without its closing boundary the message was cut off somewhere on the way.
      if (!meter.tail().includes(`--${boundary}--`)) throw new EmailMalformedError('it ends before its last part is closed (cut off?)');
    }
    const recipients = [
      ...(envelope.recipients ?? []),
      ...['delivered-to', 'x-original-to', 'to', 'cc'].flatMap((name) => addressesOf(headers.get(name)).map((a) => a.address)),
    ];
    const subject = typeof headers.get('subject') === 'string' ? clean(headers.get('subject') as string).slice(0, SUBJECT_MAX) : undefined;
    const inboundAddresses = this.config.inboundEmailAddresses;
    return {
      channel: 'email',
      providerMessageId: providerMessageIdOf(parser.messageId, meter.sha256()),
      sender,
      text: textOf(parts.text, htmlToText),
      subject: subject || undefined,
      threadReference: threadReferenceOf({ subject, recipients }, inboundAddresses),
      attachments: parts.staged,
      dropped: parts.dropped,
      sentAt: sentAtOf(headers.get('date')),
      automated: isAutomated(headers),
      ...(this.config.INBOUND_AUTHSERV_ID
        ? { senderVerified: senderVerified(headerValues(headers.get('authentication-results')), this.config.INBOUND_AUTHSERV_ID, sender.address) }
        : {}),
    };
  }
}

/** A header's values in the order they appear (mailparser gives one as a string, several as a list). */
function headerValues(value: HeaderValue | undefined): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** RFC 3834 Auto-Submitted (anything but "no"), or bulk/list/junk precedence, or a list's own headers. */
function isAutomated(headers: Map<string, HeaderValue>): boolean {
  const text = (name: string) => {
    const value = headers.get(name);
    return typeof value === 'string'
      ? value.trim().toLowerCase()
      : value && typeof value === 'object' && 'value' in value
        ? String(value.value).toLowerCase()
        : '';
  };
  const autoSubmitted = text('auto-submitted');
  return (autoSubmitted !== '' && autoSubmitted !== 'no') || ['bulk', 'list', 'junk'].includes(text('precedence')) || headers.has('list-id');
}

function isParserLimit(error: unknown): boolean {
  return /Max header size|max(imum)? (number of )?child nodes|Maximum number of/i.test((error as Error)?.message ?? '');
}

/** Every mailbox of an address header, groups flattened. */
function addressesOf(value: HeaderValue | undefined): { address: string; name?: string }[] {
  if (!value || typeof value !== 'object' || value instanceof Date) return [];
  const objects = (Array.isArray(value) ? value : [value]) as AddressObject[];
  const out: { address: string; name?: string }[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const entry of entries ?? []) {
      if (entry.group) walk(entry.group);
      else if (entry.address) out.push({ address: entry.address, name: entry.name || undefined });
    }
  };
  for (const object of objects) walk(object?.value);
  return out;
}

function clean(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(INVISIBLE, '').trim();
}

/** The plain text; an HTML-only mail's HTML turned into text. Clipped at a story's length. */
function textOf(part: MessageText | undefined, htmlToText: typeof HtmlToText): string {
  let text = part?.text ?? '';
  if (!text.trim() && part?.html) {
    try {
      text = htmlToText(part.html.slice(0, MAX_HTML_TO_CONVERT), { wordwrap: false, limits: { maxDepth: 1000 } });
    } catch {
      text = '';
    }
  }
  return Array.from(clean(text.slice(0, 2 * STORY_MAX_LENGTH)))
    .slice(0, STORY_MAX_LENGTH)
    .join('');
}

/** The Date header, when there is a believable one (never in the future). */
function sentAtOf(value: HeaderValue | undefined): Date | undefined {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return undefined;
  return value.getTime() > Date.now() ? undefined : value;
}
