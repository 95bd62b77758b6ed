import type { UploadedMedia } from '../media/blob-storage-engine.js';

/** The channels a reader reaches the desk through besides the web form. */
export const INBOUND_CHANNELS = ['email', 'whatsapp'] as const;
export type InboundChannel = (typeof INBOUND_CHANNELS)[number];

/**
 * One message as a channel hands it to ChannelIntakeService.receive: already parsed, its
 * attachments already streamed into the BlobStore under temporary keys (stageMedia) and judged
 * by their bytes. The intake decides the rest: a duplicate (same providerMessageId), a message
 * on an existing tip (a thread), or a new tip.
 */
export interface InboundMessage {
  channel: InboundChannel;
  /** The provider's id for this message (a mail's Message-ID, a WhatsApp `wamid`): a retried delivery is recognised by it. */
  providerMessageId: string;
  /** Normalised: a lower-case email address, or a phone number in E.164 (`+447700900123`). */
  sender: { address: string; name?: string };
  /** The text, plain; may be empty when only files came. */
  text: string;
  /** Email only. */
  subject?: string;
  /** A tip reference the channel found (a subject's `[TD-7K3Q-9XRM]`, a plus-address): the message joins that tip if the sender wrote to it before. */
  threadReference?: string;
  /** Stored under temporary keys; the intake attaches them (or discards them, on a duplicate or a failure). */
  attachments: UploadedMedia[];
  /** Attachments refused before storing (not video/image/audio, too large, over the file limit): noted on the tip. */
  dropped: { filename: string; reason: string }[];
  /** WhatsApp media that could not be downloaded yet: recorded as missing and fetched again later. */
  pendingMedia?: { providerMediaId: string; filename?: string; declaredType?: string }[];
  /** When the provider says it was sent (defaults to now). */
  sentAt?: Date;
  /**
   * Email only, when INBOUND_AUTHSERV_ID is set: whether the paper's MX verified the From address
   * (DMARC). False: the message never joins an existing tip and the desk is told. Undefined: the
   * channel cannot say (WhatsApp, or no authserv-id configured).
   */
  senderVerified?: boolean;
  /** Sent by a machine (an auto-reply, a mailing list): answered with nothing automatic, so two robots never ping-pong. */
  automated?: boolean;
}

export interface InboundResult {
  tipId: string;
  reference: string;
  /** True when this message made a new tip. */
  createdTip: boolean;
  /** True when the providerMessageId was seen before: nothing was stored again. */
  duplicate: boolean;
  /** A new tip only: the contributor's status-page secret, for the channel's receipt (stored only as a hash; never log it). */
  secret?: string;
}
