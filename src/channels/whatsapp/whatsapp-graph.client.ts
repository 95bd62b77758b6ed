import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppConfig } from '../../config/app-config.js';

/**
 * A refusal or failure of the Graph API. `code` is safe to store and log: it never holds a
 * phone number, a message or the token (`GRAPH_HTTP_500`, `GRAPH_UNREACHABLE`, …).
 */
export class WhatsAppGraphError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status Meta answered, when it answered. */
    readonly status?: number,
    /** Meta's numeric error code (error.code in its JSON), e.g. 131047 outside the 24-hour window. */
    readonly graphCode?: number,
  ) {
    super(message);
  }
}

export interface WhatsAppMediaInfo {
  /** Valid for a few minutes, and only with the Bearer token. */
  url: string;
  mimeType?: string;
  fileSize?: number;
}

const API_TIMEOUT_MS = 15_000;

/**
 * The slice of the WhatsApp Business Cloud API tipdesk uses: media lookup and download, and
 * sending a text. Base URL and token from config, so tests point it at a local HTTP server.
 */
@Injectable()
export class WhatsAppGraphClient {
  private readonly baseUrl: string;

  constructor(private readonly config: AppConfig) {
    this.baseUrl = config.WHATSAPP_GRAPH_URL.replace(/\/+$/, '');
  }

  /** GET /{media-id}: where to download the media, and what Meta says it is. */
  async mediaInfo(mediaId: string): Promise<WhatsAppMediaInfo> {
    const response = await this.request(`${this.baseUrl}/${encodeURIComponent(mediaId)}`, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (typeof body?.url !== 'string') throw new WhatsAppGraphError('GRAPH_BAD_RESPONSE', 'The Graph API gave no download URL for the media');
    const size = Number(body.file_size);
    return {
      url: this.checkedDownloadUrl(body.url),
      mimeType: typeof body.mime_type === 'string' ? body.mime_type : undefined,
      fileSize: Number.isSafeInteger(size) && size >= 0 ? size : undefined,
    };
  }

  /** The media's bytes as a stream (the caller reads it into the BlobStore). */
  async download(url: string, signal?: AbortSignal): Promise<Readable> {
    const response = await this.request(this.checkedDownloadUrl(url), { signal });
    if (!response.body) throw new WhatsAppGraphError('GRAPH_BAD_RESPONSE', 'The media download had no body');
    return Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  }

  /** POST /{phone-number-id}/messages: a plain text message. Resolves with Meta's message id. */
  async sendText(to: string, body: string): Promise<string | undefined> {
    const phoneNumberId = this.config.WHATSAPP_PHONE_NUMBER_ID;
    if (!phoneNumberId) throw new WhatsAppGraphError('WHATSAPP_NOT_CONFIGURED', 'WHATSAPP_PHONE_NUMBER_ID is not set');
    const response = await this.request(`${this.baseUrl}/${phoneNumberId}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { preview_url: false, body } }),
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => undefined)) as { messages?: { id?: unknown }[] } | undefined;
    const id = answer?.messages?.[0]?.id;
    return typeof id === 'string' ? id : undefined;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    const token = this.config.WHATSAPP_ACCESS_TOKEN;
    if (!token) throw new WhatsAppGraphError('WHATSAPP_NOT_CONFIGURED', 'WHATSAPP_ACCESS_TOKEN is not set');
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      throw new WhatsAppGraphError(
        timedOut ? 'GRAPH_TIMEOUT' : 'GRAPH_UNREACHABLE',
        timedOut ? 'The Graph API did not answer in time' : 'The Graph API could not be reached',
      );
    }
    if (!response.ok) {
      const error = (await response.json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
      const graphCode = typeof error?.error?.code === 'number' ? error.error.code : undefined;
      throw new WhatsAppGraphError(
        `GRAPH_HTTP_${response.status}`,
        `The Graph API answered ${response.status}${graphCode ? ` (error ${graphCode})` : ''}`,
        response.status,
        graphCode,
      );
    }
    return response;
  }

  /**
   * The token goes with the download, so it goes only to an https URL (Meta's CDN) or to the
   * configured Graph host itself (a local test peer), never to whatever a response names.
   */
  private checkedDownloadUrl(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new WhatsAppGraphError('GRAPH_BAD_RESPONSE', 'The media download URL is not a URL');
    }
    if (parsed.protocol !== 'https:' && parsed.origin !== new URL(this.baseUrl).origin) {
      throw new WhatsAppGraphError('GRAPH_BAD_RESPONSE', 'The media download URL is neither https nor on the Graph host');
    }
    return parsed.toString();
  }
}
