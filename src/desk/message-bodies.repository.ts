import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SqlRepository } from '../database/generate-sql.js';
import { MessageBodies, type MessageBodyReader } from '../notifications/message-bodies.js';

/**
 * messages, read for notifications: the text of an editor's message when its notice goes out
 * on the tip's channel. Provided to notifications' MessageBodies at start-up (notifications
 * sits below the desk and cannot call it).
 */
@Injectable()
@SqlRepository(import.meta.url)
export class MessageBodiesRepository implements MessageBodyReader, OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bodies: MessageBodies,
  ) {}

  onModuleInit(): void {
    this.bodies.provide(this);
  }

  @GenerateSql({ params: [SQL_ID, SQL_ID_2] })
  async messageBody(tipId: string, messageId: string): Promise<string | undefined> {
    const [row] = await this.dataSource.query<{ body: string }[]>(`SELECT body FROM messages WHERE id = $1 AND tip_id = $2`, [messageId, tipId]);
    return row?.body;
  }
}
