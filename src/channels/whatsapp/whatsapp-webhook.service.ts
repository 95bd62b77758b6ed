import { HttpStatus, Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../../config/app-config.js';
import { sameSecret } from '../../crypto/constant-time.js';
import { DomainError, NotFoundError, ValidationFailedError } from '../../http/errors.js';
import { LOGGER } from '../../logging/logger.js';
import { statusPageUrl } from '../../text/status-url.js';
import { ChannelIntakeService } from '../channel-intake.service.js';
import type { InboundMessage, InboundResult } from '../inbound-message.js';
import { WhatsAppGraphClient, WhatsAppGraphError } from './whatsapp-graph.client.js';
import { mediaToFetch, WhatsAppMediaFetcher } from './whatsapp-media.fetcher.js';
import { readWebhookMessages, type WhatsAppInboundMessage } from './whatsapp-payload.js';
import { hasValidSignature } from './whatsapp-signature.js';

// Downloads during one webhook delivery get this long in all; what does not fit is left to the
// retry loop, so Meta (which retries a webhook that does not answer) gets its 200 in good time.
const INLINE_DOWNLOADS_MS = 20_000;
const CHALLENGE_MAX = 200;

export class WhatsAppSignatureError extends DomainError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'WHATSAPP_SIGNATURE_INVALID', 'X-Hub-Signature-256 is missing or does not match the body');
  }
}

export class WhatsAppVerifyTokenError extends DomainError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'WHATSAPP_VERIFY_TOKEN_INVALID', 'The verification request does not carry the configured verify token');
  }
}

const notConfigured = () => new NotFoundError('WHATSAPP_NOT_CONFIGURED', 'WhatsApp is not configured on this server');

export interface WebhookReceipt {
  /** Messages in the delivery (each stored, or recognised as stored before). */
  messages: number;
}

/**
 * The WhatsApp Business Cloud API webhook: Meta's subscription handshake, and deliveries whose
 * signature is checked over the raw bytes before anything is parsed or stored.
 */
@Injectable()
export class WhatsAppWebhookService implements BeforeApplicationShutdown {
  private readonly receipts = new Set<Promise<void>>();

  private readonly logger: Logger;
  constructor(
    private readonly config: AppConfig,
    private readonly intake: ChannelIntakeService,
    private readonly media: WhatsAppMediaFetcher,
    private readonly graph: WhatsAppGraphClient,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'whatsapp-webhook' });
  }

  /** Receipts still on their way finish before the app stops. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.receipts]);
  }

  /** GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…: the challenge back, or a refusal. */
  verifySubscription(mode: unknown, token: unknown, challenge: unknown): string {
    const expected = this.config.WHATSAPP_VERIFY_TOKEN;
    if (!expected) throw notConfigured();
    if (mode !== 'subscribe' || typeof token !== 'string' || !sameSecret(token, expected)) throw new WhatsAppVerifyTokenError();
    if (typeof challenge !== 'string' || !challenge || challenge.length > CHALLENGE_MAX) throw new WhatsAppVerifyTokenError();
    return challenge;
  }

  /**
   * One signed delivery. Each message is handed to the intake in order and awaited before the
   * 200, so a 200 means every message is in PostgreSQL; if storing fails the answer is 5xx and
   * Meta delivers again, and the intake's dedupe by wamid makes that harmless.
   */
  async receiveDelivery(rawBody: unknown, signature: string | undefined): Promise<WebhookReceipt> {
    const appSecret = this.config.WHATSAPP_APP_SECRET;
    if (!appSecret) throw notConfigured();
    const raw = Buffer.isBuffer(rawBody) ? rawBody : Buffer.alloc(0);
    if (!hasValidSignature(raw, signature, appSecret)) throw new WhatsAppSignatureError();

    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      // Signed by Meta but not JSON: a non-200 would only make Meta send the same bytes again.
      this.logger.warn({ bytes: raw.length }, 'WhatsApp webhook body is not JSON; ignored');
      return { messages: 0 };
    }
    const messages = readWebhookMessages(payload);
    const downloadsEnd = Date.now() + INLINE_DOWNLOADS_MS;
    for (const message of messages) {
      let result: InboundResult;
      try {
        result = await this.intake.receive(await this.inboundMessage(message, downloadsEnd));
      } catch (error) {
        // A message the intake will never take is skipped (Meta's retries could not change it);
        // anything else (the database away) fails the delivery, and Meta sends it again.
        if (!(error instanceof ValidationFailedError)) throw error;
        this.logger.warn(
          { channel: 'whatsapp', wamid: message.wamid, fields: Object.keys(error.fields ?? {}) },
          'WhatsApp message refused by the intake; skipped',
        );
        continue;
      }
      this.logger.info(
        {
          channel: 'whatsapp',
          wamid: message.wamid,
          tipId: result.tipId,
          reference: result.reference,
          createdTip: result.createdTip,
          duplicate: result.duplicate,
        },
        'WhatsApp message received',
      );
      if (result.createdTip && result.secret) this.sendReceipt(message.from, result);
    }
    return { messages: messages.length };
  }

  /**
   * A new tip's reference and secret go back to the reader, who has no other way to sign in to
   * the status page (where offers are accepted). Sent after the 200's work is done and not
   * awaited by it: a slow Graph API must not hold Meta's webhook. The secret is never logged.
   */
  private sendReceipt(from: string, tip: InboundResult): void {
    if (!this.config.WHATSAPP_ACCESS_TOKEN || !this.config.WHATSAPP_PHONE_NUMBER_ID) return;
    const statusUrl = statusPageUrl(this.config.publicBaseUrl, tip.reference);
    const body = [
      'Thank you: your tip has reached our news desk.',
      `Reference: ${tip.reference}`,
      `Secret: ${tip.secret}`,
      `With these two you can follow it, answer our editors and accept a payment at ${statusUrl}. Keep the secret to yourself.`,
      'You can also keep writing to us here.',
    ].join('\n');
    const sending = this.graph
      .sendText(from.replace(/^\+/, ''), body)
      .then(
        () => this.logger.info({ channel: 'whatsapp', tipId: tip.tipId, reference: tip.reference }, 'WhatsApp receipt sent'),
        (error) =>
          this.logger.warn(
            { channel: 'whatsapp', tipId: tip.tipId, reference: tip.reference, code: error instanceof WhatsAppGraphError ? error.code : 'GRAPH_SEND_FAILED' },
            'WhatsApp receipt not sent',
          ),
      )
      .finally(() => this.receipts.delete(sending));
    this.receipts.add(sending);
  }

  private async inboundMessage(message: WhatsAppInboundMessage, downloadsEnd: number): Promise<InboundMessage> {
    const inbound: InboundMessage = {
      channel: 'whatsapp',
      providerMessageId: message.wamid,
      sender: { address: message.from, name: message.profileName },
      text: message.text,
      attachments: [],
      dropped: [],
      pendingMedia: [],
      sentAt: message.sentAt,
    };
    if (message.media) {
      const wanted = mediaToFetch(message.media);
      const timeLeft = downloadsEnd - Date.now();
      const fetched = timeLeft > 0 ? await this.media.fetch(wanted, timeLeft) : ({ outcome: 'failed', code: 'DEFERRED' } as const);
      if (fetched.outcome === 'stored') inbound.attachments.push(fetched.file);
      else if (fetched.outcome === 'dropped') inbound.dropped.push({ filename: fetched.filename, reason: fetched.reason });
      else {
        this.logger.warn({ wamid: message.wamid, mediaId: wanted.providerMediaId, code: fetched.code }, 'WhatsApp media not downloaded yet; kept for retry');
        inbound.pendingMedia!.push(wanted);
      }
    }
    return inbound;
  }
}
