import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { AppConfig } from '../../config/app-config.js';
import { LOGGER } from '../../logging/logger.js';
import { stageMedia, UnsupportedMediaTypeError, type UploadedMedia } from '../../media/blob-storage-engine.js';
import { BLOB_STORE, BlobTooLargeError, StorageFullError, type BlobStore } from '../../storage/blob-store.js';
import { WhatsAppGraphClient, WhatsAppGraphError } from './whatsapp-graph.client.js';
import type { WhatsAppMediaRef } from './whatsapp-payload.js';

/** One WhatsApp media item as the intake's pending-media record knows it. */
export interface WhatsAppMediaToFetch {
  providerMediaId: string;
  filename?: string;
  declaredType?: string;
}

export type MediaFetchOutcome =
  /** In the BlobStore under a temporary key, for the intake to attach. */
  | { outcome: 'stored'; file: UploadedMedia }
  /** Will never be accepted (not video/image/audio, too large): a note on the tip, no retry. */
  | { outcome: 'dropped'; filename: string; reason: string }
  /** Could not be fetched now (Graph down, 5xx, 404, timeout, storage full): try again later. */
  | { outcome: 'failed'; code: string };

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'audio/mp4': 'm4a',
};

/** What to call a WhatsApp media item on the desk: a document's own name, else "whatsapp-video.mp4" and the like. */
export function mediaToFetch(media: WhatsAppMediaRef): WhatsAppMediaToFetch {
  const declaredType = media.mimeType?.split(';')[0].trim().toLowerCase();
  const extension = declaredType ? EXTENSIONS[declaredType] : undefined;
  return {
    providerMediaId: media.id,
    filename: media.filename ?? `whatsapp-${media.type}${extension ? `.${extension}` : ''}`,
    declaredType: media.mimeType,
  };
}

/**
 * Fetches one media item the way Meta documents it: GET {graph}/{media-id} for a short-lived URL,
 * then GET that URL with the same Bearer token, streamed through stageMedia (type from the
 * bytes, SHA-256, MAX_FILE_BYTES). Never throws: the caller learns whether the file is stored,
 * refused for good, or worth another try.
 */
@Injectable()
export class WhatsAppMediaFetcher {
  private readonly logger: Logger;
  constructor(
    private readonly graph: WhatsAppGraphClient,
    private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'whatsapp-media' });
  }

  async fetch(media: WhatsAppMediaToFetch, timeoutMs: number): Promise<MediaFetchOutcome> {
    const filename = media.filename ?? 'whatsapp-media';
    const tooLarge = { outcome: 'dropped', filename, reason: `larger than the ${this.config.MAX_FILE_BYTES}-byte limit` } as const;
    let bytes: Readable | undefined;
    try {
      const info = await this.graph.mediaInfo(media.providerMediaId);
      if (info.fileSize !== undefined && info.fileSize > this.config.MAX_FILE_BYTES) return tooLarge;
      const signal = AbortSignal.timeout(timeoutMs);
      bytes = await this.graph.download(info.url, signal);
      const file = await stageMedia(
        this.store,
        bytes,
        { originalName: filename, declaredType: media.declaredType ?? info.mimeType },
        this.config.MAX_FILE_BYTES,
      );
      return { outcome: 'stored', file };
    } catch (error) {
      bytes?.destroy(); // stageMedia drains a refused file; a download need not be read to its end
      if (error instanceof UnsupportedMediaTypeError) return { outcome: 'dropped', filename, reason: 'not a video, photo or audio file' };
      if (error instanceof BlobTooLargeError) return tooLarge;
      if (error instanceof WhatsAppGraphError) return { outcome: 'failed', code: error.code };
      if (error instanceof StorageFullError) return { outcome: 'failed', code: 'STORAGE_FULL' };
      // A connection cut or a timeout mid-stream surfaces from the body stream, not from fetch.
      const name = (error as Error)?.name;
      const code = name === 'TimeoutError' || name === 'AbortError' ? 'GRAPH_TIMEOUT' : 'DOWNLOAD_INTERRUPTED';
      this.logger.warn({ err: error, mediaId: media.providerMediaId, code }, 'WhatsApp media download failed');
      return { outcome: 'failed', code };
    }
  }
}
