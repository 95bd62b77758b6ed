import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '../logging/logger.js';

const RECONNECT_DELAYS_MS = [100, 500, 2_000, 5_000];
const ECHO_PREFIX = 'echo:';
// A bound, not an expectation: an echo comes back in about a millisecond.
const ECHO_TIMEOUT_MS = 1_000;

export interface NotificationSubscriber {
  /** A NOTIFY on the channel, delivered once its transaction committed. */
  onNotification(payload: string): void;
  /**
   * The LISTEN connection came up (true) or was lost (false). While it is down notifications may
   * be missed, so anything cached on their strength must be dropped and not cached again.
   */
  onListeningChange(listening: boolean): void;
}

/**
 * One LISTEN connection per process for PostgreSQL notifications (NOTIFY is sent at COMMIT to
 * every listening process), reconnected after a loss. Subscribers are told when it is down, so a
 * cache that trusts notifications can stop trusting them.
 */
@Injectable()
export class DatabaseNotifications implements OnApplicationShutdown {
  private readonly subscribers = new Map<string, Set<NotificationSubscriber>>();
  private readonly echoes = new Map<string, () => void>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'db-notifications' });
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Starts listening on `channel` (a plain identifier); the subscriber hears the connection's state at once. */
  subscribe(channel: string, subscriber: NotificationSubscriber): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    const known = this.subscribers.get(channel);
    if (known) known.add(subscriber);
    else this.subscribers.set(channel, new Set([subscriber]));
    if (this.client && !known) {
      // A new channel on a live connection: until its LISTEN is in, this subscriber is not covered.
      subscriber.onListeningChange(false);
      const client = this.client;
      client.query(`LISTEN ${channel}`).then(
        () => this.client === client && subscriber.onListeningChange(true),
        (err: unknown) => this.lost(err, client),
      );
    } else {
      subscriber.onListeningChange(this.listening);
      void this.connect();
    }
  }

  /**
   * Resolves once this process's listener has heard everything committed on `channel` so far: it
   * NOTIFYs a marker of its own and waits for it, since each listener hears notifications in commit
   * order. Every other process's listener was signalled for those changes at the same moment, so a
   * request that waits for this before it answers has given them a round trip's head start.
   * Without a live listener there is nothing to wait for (nothing is cached on its strength).
   */
  async echo(channel: string): Promise<void> {
    if (!this.client || !this.subscribers.has(channel)) return;
    const marker = `${ECHO_PREFIX}${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<void>((resolve) => {
      this.echoes.set(marker, resolve);
      timer = setTimeout(resolve, ECHO_TIMEOUT_MS);
    });
    try {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [channel, marker]);
      await heard;
    } finally {
      clearTimeout(timer);
      this.echoes.delete(marker);
    }
  }

  private connect(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new pg.Client({ connectionString: url, application_name: 'tipdesk-notifications', keepAlive: true });
    client.on('notification', (message) => {
      if (message.payload?.startsWith(ECHO_PREFIX)) {
        this.echoes.get(message.payload)?.();
        return;
      }
      for (const subscriber of this.subscribers.get(message.channel) ?? []) subscriber.onNotification(message.payload ?? '');
    });
    client.on('error', (err) => this.lost(err, client));
    client.on('end', () => this.lost(new Error('connection ended'), client));
    try {
      await client.connect();
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.lost(err);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.tell(true);
  }

  private lost(err: unknown, client?: pg.Client): void {
    if (client && client !== this.client) return;
    const wasListening = this.client !== undefined;
    this.client = undefined;
    if (client) void client.end().catch(() => undefined);
    if (wasListening) this.tell(false);
    if (this.closed || this.reconnectTimer) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures++, RECONNECT_DELAYS_MS.length - 1)];
    this.logger.warn({ err, retryInMs: delay }, 'the notification listener lost its connection');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private tell(listening: boolean): void {
    for (const subscribers of this.subscribers.values()) for (const subscriber of subscribers) subscriber.onListeningChange(listening);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
