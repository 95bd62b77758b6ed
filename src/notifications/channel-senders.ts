import { Injectable } from '@nestjs/common';

/** The channels a contributor can be answered on, besides mail to their address: the tip's own. */
export type ReplyChannel = 'email' | 'whatsapp';

/** An editor's message on its way back out through the tip's channel. */
export interface OutboundMessage {
  tipId: string;
  reference: string;
  /** The contributor's address on that channel (decrypted from the contributor record). */
  to: string;
  body: string;
}

/** A channel that can carry the desk's messages back to the reader (email, WhatsApp): the port notifications send through. */
export interface ChannelSender {
  readonly channel: ReplyChannel;
  /** Resolves once the provider accepted the message; rejects with an error that holds no personal data. */
  send(message: OutboundMessage): Promise<void>;
}

/**
 * Where the channels (which sit above notifications) register their senders at start-up, so
 * notifications reaches them without importing channels/: a channel module calls register() in
 * onModuleInit when it can send. A later registration for the same channel replaces the
 * earlier (a test's recording sender registers in onApplicationBootstrap, after every module's init).
 */
@Injectable()
export class ChannelSenderRegistry {
  private readonly senders = new Map<ReplyChannel, ChannelSender>();

  register(sender: ChannelSender): void {
    this.senders.set(sender.channel, sender);
  }

  senderFor(channel: ReplyChannel): ChannelSender | undefined {
    return this.senders.get(channel);
  }
}
