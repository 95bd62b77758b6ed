import { Module } from '@nestjs/common';
import { DatabaseNotifications } from './database-notifications.js';

/** The process's one LISTEN connection; import it where notifications are heard. */
@Module({ providers: [DatabaseNotifications], exports: [DatabaseNotifications] })
export class DatabaseNotificationsModule {}
