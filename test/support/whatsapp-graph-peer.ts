import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerMedia {
  bytes: Buffer;
  mimeType: string;
  /** How the peer answers for this media now: serve it, or fail like Meta on a bad day. */
  answer: 'ok' | 'metadata-500' | 'download-500' | 'metadata-404';
}

export interface SentMessage {
  phoneNumberId: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for the Graph API, speaking the Cloud API's shapes: GET /{version}/{media-id}
 * → {url, mime_type, sha256, file_size, id}; GET of that url → the bytes (Bearer token required);
 * POST /{version}/{phone-number-id}/messages → {messages: [{id}]}, each recorded.
 */
export class WhatsAppGraphPeer {
  readonly media = new Map<string, PeerMedia>();
  readonly sent: SentMessage[] = [];
  /** Every request's method and path, in order. */
  readonly requests: string[] = [];
  /** Answer the next POST /messages with this Graph error instead. */
  nextSendError?: { status: number; code: number };
  private server?: Server;
  baseUrl = '';

  constructor(private readonly accessToken: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** WHATSAPP_GRAPH_URL for the app under test. */
  get graphUrl(): string {
    return `${this.baseUrl}/v21.0`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', this.baseUrl).pathname;
    this.requests.push(`${req.method} ${path}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.accessToken}`)
      return json(401, { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } });

    const send = /^\/v21\.0\/(\d+)\/messages$/.exec(path);
    if (send && req.method === 'POST') {
      if (this.nextSendError) {
        const { status, code } = this.nextSendError;
        this.nextSendError = undefined;
        return json(status, { error: { message: '(#' + code + ') refused', type: 'OAuthException', code } });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      this.sent.push({ phoneNumberId: send[1], authorization: req.headers.authorization, body });
      return json(200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: `wamid.out${this.sent.length}` }] });
    }
    const download = /^\/download\/([\w.-]+)$/.exec(path);
    if (download && req.method === 'GET') {
      const media = this.media.get(download[1]);
      if (!media) return json(404, { error: { code: 100 } });
      if (media.answer === 'download-500') return json(500, { error: { code: 1 } });
      res.writeHead(200, { 'Content-Type': media.mimeType, 'Content-Length': media.bytes.length });
      return void res.end(media.bytes);
    }
    const info = /^\/v21\.0\/([\w.-]+)$/.exec(path);
    if (info && req.method === 'GET') {
      const media = this.media.get(info[1]);
      if (!media || media.answer === 'metadata-404') return json(404, { error: { message: 'Unsupported get request', code: 100 } });
      if (media.answer === 'metadata-500') return json(500, { error: { message: 'An unknown error occurred', code: 1 } });
      return json(200, {
        messaging_product: 'whatsapp',
        url: `${this.baseUrl}/download/${info[1]}`,
        mime_type: media.mimeType,
        sha256: 'not-checked-by-tipdesk',
        file_size: String(media.bytes.length),
        id: info[1],
      });
    }
    json(404, { error: { code: 100 } });
  }
}

let deliveries = 0;
/** A fresh wamid, unique within the test run. */
export const newWamid = () => `wamid.HBgM${Date.now().toString(36)}${(++deliveries).toString(36)}AgASGBQ=`;

/**
 * A webhook delivery exactly as Meta shapes it: one entry, one `messages` change, these messages
 * from `from` (each gets a fresh wamid and a timestamp unless it names its own), and the
 * sender's profile name in contacts[].
 */
export function webhookDelivery(from: string, messages: Record<string, unknown>[], options: { name?: string; value?: Record<string, unknown> } = {}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              contacts: [{ profile: { name: options.name ?? 'Sam Reader' }, wa_id: from }],
              messages: messages.map((m): Record<string, unknown> => ({ from, id: newWamid(), timestamp: String(Math.floor(Date.now() / 1000)), ...m })),
              ...options.value,
            },
          },
        ],
      },
    ],
  };
}
