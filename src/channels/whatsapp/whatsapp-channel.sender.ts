import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../logging/logger.js';
import type { ChannelSender, OutboundMessage } from '../../notifications/channel-senders.js';
import { WhatsAppGraphClient, WhatsAppGraphError } from './whatsapp-graph.client.js';

// Meta refuses free-form text once 24 hours passed since the reader's last message (a template is needed then).
const OUTSIDE_CUSTOMER_SERVICE_WINDOW = 131047;

/** An editor's message back to the reader's WhatsApp, as a text from the business number. */
@Injectable()
export class WhatsAppChannelSender implements ChannelSender {
  readonly channel = 'whatsapp' as const;

  private readonly logger: Logger;
  constructor(
    private readonly graph: WhatsAppGraphClient,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'whatsapp-sender' });
  }

  async send(message: OutboundMessage): Promise<void> {
    // WhatsApp addresses a reader by their wa_id: the E.164 number without the '+'.
    const to = message.to.replace(/^\+/, '');
    try {
      const providerMessageId = await this.graph.sendText(to, message.body);
      this.logger.info({ channel: 'whatsapp', tipId: message.tipId, reference: message.reference, providerMessageId }, 'WhatsApp message sent');
    } catch (error) {
      const code = error instanceof WhatsAppGraphError ? error.code : 'GRAPH_SEND_FAILED';
      const graphCode = error instanceof WhatsAppGraphError ? error.graphCode : undefined;
      // The number and the text stay out of the log and out of the error.
      this.logger.warn({ channel: 'whatsapp', tipId: message.tipId, reference: message.reference, code, graphCode }, 'WhatsApp message not sent');
      if (graphCode === OUTSIDE_CUSTOMER_SERVICE_WINDOW) {
        throw new WhatsAppGraphError(
          'WHATSAPP_WINDOW_CLOSED',
          "WhatsApp accepts a free-form reply only within 24 hours of the reader's last message",
          (error as WhatsAppGraphError).status,
          graphCode,
        );
      }
      throw error instanceof WhatsAppGraphError ? error : new WhatsAppGraphError(code, 'The WhatsApp message could not be sent');
    }
  }
}
