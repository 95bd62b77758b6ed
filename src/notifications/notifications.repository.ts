import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SqlRepository } from '../database/generate-sql.js';

/**
 * What notifications reads when a notice goes out. It owns no table: the one read here is of
 * `messages`, whose owner is desk/. The desk sits above notifications (it calls
 * NotificationsService when an editor writes), so notifications cannot call the desk's service;
 * the next step is a reader the desk registers, as the channels register their senders.
 */
@Injectable()
@SqlRepository(import.meta.url)
export class NotificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** An editor's message text (read when the notice goes out: the text never sits in a job). */
  @GenerateSql({ params: [SQL_ID, SQL_ID_2] })
  async messageBody(tipId: string, messageId: string): Promise<string | undefined> {
    // reads messages: owner is desk/
    const [row] = await this.dataSource.query<{ body: string }[]>(`SELECT body FROM messages WHERE id = $1 AND tip_id = $2`, [messageId, tipId]);
    return row?.body;
  }
}
