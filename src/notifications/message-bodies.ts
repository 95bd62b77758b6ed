import { Injectable } from '@nestjs/common';

/** Reads an editor's message text, for a notice that carries it on the tip's channel. */
export interface MessageBodyReader {
  /** The text of `messageId` on `tipId`; undefined when it is gone (erased with its tip). */
  messageBody(tipId: string, messageId: string): Promise<string | undefined>;
}

/**
 * Where the desk (which owns the messages and sits above notifications: it calls
 * NotificationsService when an editor writes) provides its reader at start-up, so a notice
 * reads the text when it goes out (never from the job) without notifications importing desk/.
 */
@Injectable()
export class MessageBodies {
  private reader?: MessageBodyReader;

  provide(reader: MessageBodyReader): void {
    this.reader = reader;
  }

  read(tipId: string, messageId: string): Promise<string | undefined> {
    if (!this.reader) return Promise.reject(Object.assign(new Error('no message reader has been provided'), { code: 'NO_MESSAGE_READER' }));
    return this.reader.messageBody(tipId, messageId);
  }
}
