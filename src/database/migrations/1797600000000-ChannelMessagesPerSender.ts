import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Message-ID dedupe per sender: another sender's mail with the same id is another message. */
export class ChannelMessagesPerSender1797600000000 implements MigrationInterface {
  name = 'ChannelMessagesPerSender1797600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_channel_messages_channel_provider_message_id"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_channel_messages_channel_sender_hash_provider_message_id" ON "channel_messages" ("channel", "sender_hash", "provider_message_id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Rows that are one id from two senders cannot go back under the old index: keep the first.
    await queryRunner.query(
      `DELETE FROM "channel_messages" c USING "channel_messages" d WHERE c.channel = d.channel AND c.provider_message_id = d.provider_message_id AND (c.received_at, c.id) > (d.received_at, d.id)`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_channel_messages_channel_sender_hash_provider_message_id"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_channel_messages_channel_provider_message_id" ON "channel_messages" ("channel", "provider_message_id") `);
  }
}
