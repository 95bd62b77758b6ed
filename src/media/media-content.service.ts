import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import contentDisposition from 'content-disposition';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { DomainError, NotFoundError } from '../http/errors.js';
import { LOGGER } from '../logging/logger.js';
import { BLOB_STORE, BlobNotFoundError, type BlobStore, type ByteRange } from '../storage/blob-store.js';
import { formatEntityTag, ifRangeHolds, noneMatchHits, selectRange } from './byte-ranges.js';
import { MediaRepository, type ServedMedia } from './media.repository.js';

export type MediaVariant = 'content' | 'thumbnail';

export interface MediaRequest {
  mediaId: string;
  variant: MediaVariant;
  /** HEAD: the same status and headers as GET, no bytes read. */
  headOnly: boolean;
  /** `?download=1`: Content-Disposition attachment instead of inline. */
  download: boolean;
  /** `?unscanned=1` (with download): the editor confirmed they want a file the virus scan has not cleared. */
  unscanned: boolean;
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
}

interface MediaAnswer {
  status: HttpStatus.OK | HttpStatus.PARTIAL_CONTENT | HttpStatus.NOT_MODIFIED;
  headers: Record<string, string>;
  /** Opened only once the answer is known, so a refusal never holds a file open. */
  body?: Readable;
}

/** What is being served: the media itself or its thumbnail, with the facts the headers need. */
interface Representation {
  key: string;
  size: number;
  contentType: string;
  etag: string;
  filename: string;
}

/**
 * Every media response, whatever its status, carries these. The bytes come from the public and
 * are never to run as a page: no sniffing, a sandboxed CSP that loads nothing but the media
 * itself (img-src for images and thumbnails opened directly), and no use from other sites.
 * `no-store`: unpublished footage identifies sources, and a copy in a shared desk PC's disk cache
 * would outlive the session and any revoked access; players re-request ranges, which is cheap.
 */
export const MEDIA_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'private, no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

// The media kinds intake accepts. Anything else (should a row ever hold it, or an SVG, which
// is a document that can carry script) goes out as plain bytes.
const SERVABLE_TYPE = /^(video|audio|image)\/(?!svg)[a-z0-9][a-z0-9.+-]{0,80}$/;
const THUMBNAIL_TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export class MediaNotFoundError extends NotFoundError {
  constructor() {
    super('MEDIA_NOT_FOUND', 'There is no media file with that id.');
  }
}

export class MediaRejectedError extends DomainError {
  constructor() {
    super(HttpStatus.GONE, 'MEDIA_REJECTED', 'This file was rejected and is no longer served.');
  }
}

/** ClamAV found something: the bytes are kept (evidence) but nobody on the desk is handed them, nor a still of them. */
export class MediaQuarantinedError extends DomainError {
  constructor(signature: string | null) {
    super(HttpStatus.LOCKED, 'MEDIA_QUARANTINED', `This file is quarantined: ClamAV found ${signature ?? 'a threat'}. It is kept but not served.`);
  }
}

/**
 * The virus scan has not cleared the file yet (waiting, or its last try failed): not handed to a
 * player or shown inline. A download the editor confirmed (`?download=1&unscanned=1`, the desk's
 * confirmation page) is the one way to it.
 */
export class MediaNotScannedError extends DomainError {
  constructor(failed: boolean) {
    super(
      HttpStatus.CONFLICT,
      failed ? 'MEDIA_SCAN_FAILED' : 'MEDIA_SCAN_PENDING',
      `${failed ? 'The virus scan of this file failed (it will be tried again)' : 'This file is waiting for the virus scan'}: it is not shown until the scan clears it. It can be downloaded with download=1&unscanned=1 after confirming on the desk.`,
    );
  }
}

export class ThumbnailNotFoundError extends NotFoundError {
  constructor() {
    super('THUMBNAIL_NOT_FOUND', 'This file has no thumbnail (yet).');
  }
}

export class RangeNotSatisfiableError extends DomainError {
  constructor(size: number) {
    super(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, 'RANGE_NOT_SATISFIABLE', `The requested range lies outside the file's ${size} bytes.`, undefined, {
      ...MEDIA_RESPONSE_HEADERS,
      'Accept-Ranges': 'bytes',
      'Content-Range': `bytes */${size}`,
    });
  }
}

/**
 * Media bytes for the desk: HTTP ranges (so a player can seek in a 4 GB clip), conditional
 * requests, and a response no browser will run as a page. Bytes stream from the BlobStore,
 * whichever driver, and a viewer who stops watching releases the file at once.
 */
@Injectable()
export class MediaContentService {
  private readonly logger: Logger;
  constructor(
    private readonly repository: MediaRepository,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'media-content' });
  }

  /** Answers `request` on `res`; resolves once the bytes are sent or the client has gone. */
  async serve(request: MediaRequest, res: ServerResponse): Promise<void> {
    const answer = await this.answer(request);
    res.writeHead(answer.status, answer.headers);
    if (!answer.body) {
      res.end();
      return;
    }
    try {
      await pipeline(answer.body, res);
    } catch (error) {
      // The viewer closed the tab or seeked elsewhere: the pipeline has destroyed the blob
      // stream (closing the file or the S3 socket); nothing more to say to a gone client.
      if (res.destroyed && (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
        this.logger.debug({ mediaId: request.mediaId, sentBytes: res.socket?.bytesWritten }, 'media client went away mid-stream');
        return;
      }
      throw error;
    }
  }

  private async answer(request: MediaRequest): Promise<MediaAnswer> {
    const media = await this.repository.findForServing(request.mediaId);
    // An upload still in progress has no committed bytes to show yet.
    if (!media || media.state === 'uploading') throw new MediaNotFoundError();
    if (media.state === 'rejected') throw new MediaRejectedError();
    if (media.scanState === 'infected') throw new MediaQuarantinedError(media.scanSignature);
    // A still is our own rendering (a JPEG), not the sender's bytes: it is shown while the scan runs.
    if (request.variant === 'content' && media.scanState === 'pending' && !(request.download && request.unscanned)) {
      throw new MediaNotScannedError(media.scanNote !== null);
    }
    const representation = request.variant === 'content' ? contentOf(media) : await this.thumbnailOf(media);

    const headers: Record<string, string> = { ...MEDIA_RESPONSE_HEADERS, ETag: representation.etag };
    if (noneMatchHits(request.ifNoneMatch, representation.etag)) {
      return { status: HttpStatus.NOT_MODIFIED, headers };
    }

    const { size } = representation;
    const selection = ifRangeHolds(request.ifRange, representation.etag) ? selectRange(request.range, size) : { kind: 'whole' as const };
    if (selection.kind === 'unsatisfiable') throw new RangeNotSatisfiableError(size);
    Object.assign(headers, {
      'Accept-Ranges': 'bytes',
      'Content-Type': representation.contentType,
      'Content-Disposition': contentDisposition.create(representation.filename, { type: request.download ? 'attachment' : 'inline' }),
    });
    const range = selection.kind === 'part' ? { start: selection.start, end: selection.end } : undefined;
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['Content-Length'] = String(range ? range.end - range.start + 1 : size);
    const status = range ? HttpStatus.PARTIAL_CONTENT : HttpStatus.OK;
    // An empty file has no bytes to read (and no range a store could be asked for).
    if (request.headOnly || size === 0) return { status, headers };
    return { status, headers, body: await this.open(media, representation.key, range) };
  }

  private async open(media: ServedMedia, key: string, range: ByteRange | undefined): Promise<Readable> {
    try {
      return await this.store.read(key, range);
    } catch (error) {
      if (!(error instanceof BlobNotFoundError)) throw error;
      // The row says the bytes exist: someone should know they do not.
      this.logger.error({ mediaId: media.id, key }, 'media row without its blob');
      throw key === media.storageKey ? new MediaNotFoundError() : new ThumbnailNotFoundError();
    }
  }

  private async thumbnailOf(media: ServedMedia): Promise<Representation> {
    if (!media.thumbnailKey) throw new ThumbnailNotFoundError();
    const stat = await this.store.stat(media.thumbnailKey);
    if (!stat) throw new ThumbnailNotFoundError();
    const extension = /\.([a-z0-9]+)$/i.exec(media.thumbnailKey)?.[1]?.toLowerCase() ?? '';
    const contentType = THUMBNAIL_TYPES[extension] ?? 'application/octet-stream';
    return {
      key: media.thumbnailKey,
      size: stat.size,
      contentType,
      // No hash is kept for a thumbnail: a weak tag from its key and size serves If-None-Match,
      // and, being weak, never lets If-Range stitch two different renderings together.
      etag: formatEntityTag(`${createHash('sha256').update(media.thumbnailKey).digest('hex').slice(0, 32)}-${stat.size}`, true),
      filename: `${media.displayFilename.replace(/\.[^.]*$/, '')}-thumbnail.${extension || 'bin'}`,
    };
  }
}

function contentOf(media: ServedMedia): Representation {
  return {
    key: media.storageKey,
    size: media.sizeBytes,
    // Only ever the type sniffed from the bytes: the declared one is whatever the sender said.
    contentType: SERVABLE_TYPE.test(media.sniffedType) ? media.sniffedType : 'application/octet-stream',
    // The bytes never change after commit, so their SHA-256 is a strong validator.
    etag: formatEntityTag(media.sha256),
    filename: media.displayFilename,
  };
}
