import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { LOGGER } from '../../logging/logger.js';
import { ChannelIntakeService } from '../channel-intake.service.js';
import type { InboundResult } from '../inbound-message.js';
import { EmailChannelSender } from './email-channel.sender.js';
import { InboundEmailParser, type EmailEnvelope } from './inbound-email.parser.js';

export type EmailRoute = 'smtp' | 'webhook';

/** One raw mail, from either door (SMTP listener, webhook), through the parser into the one channel intake. */
@Injectable()
export class EmailIntakeService implements BeforeApplicationShutdown {
  private readonly receipts = new Set<Promise<void>>();

  private readonly logger: Logger;
  constructor(
    private readonly parser: InboundEmailParser,
    private readonly intake: ChannelIntakeService,
    private readonly sender: EmailChannelSender,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'email-intake' });
  }

  /** Resolves when every receipt started so far is sent or given up. */
  async receiptsSettled(): Promise<void> {
    while (this.receipts.size > 0) await Promise.allSettled([...this.receipts]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.receiptsSettled();
  }

  async receive(raw: Readable, via: EmailRoute, envelope: EmailEnvelope = {}): Promise<InboundResult> {
    let message;
    try {
      message = await this.parser.parse(raw, envelope);
    } catch (error) {
      // The code says why; the message's contents and addresses never reach the log.
      this.logger.warn({ event: 'email.refused', via, code: (error as { code?: string }).code ?? 'ERROR' }, 'inbound mail refused');
      throw error;
    }
    // The intake attaches the staged files, or discards them on a duplicate or a failure.
    const result = await this.intake.receive(message);
    this.logger.info(
      {
        event: 'email.received',
        via,
        tipId: result.tipId,
        reference: result.reference,
        createdTip: result.createdTip,
        duplicate: result.duplicate,
        threaded: !result.createdTip && !result.duplicate,
        files: message.attachments.length,
        dropped: message.dropped.length,
      },
      'inbound mail taken',
    );
    // A new tip's receipt goes out after the commit, in the background (an SMTP session or a
    // webhook must not wait on our relay); never to a machine, which would answer it.
    if (result.createdTip && result.secret && !message.automated) {
      const sending = this.sender.sendReceipt({ tipId: result.tipId, to: message.sender.address, reference: result.reference, secret: result.secret });
      this.receipts.add(sending);
      void sending.finally(() => this.receipts.delete(sending));
    }
    return result;
  }
}
