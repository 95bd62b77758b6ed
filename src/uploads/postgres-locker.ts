import type { Lock, Locker, RequestRelease } from '@tus/utils';
import pg from 'pg';
import type { Logger } from 'pino';

// Other processes ask a lock's holder to let go on this channel; the payload is the upload id.
const RELEASE_CHANNEL = 'tipdesk_tus_release';
const RETRY_MS = 100;
// Asking again now and then covers a NOTIFY that raced the holder's LISTEN reconnecting.
const ASK_AGAIN_MS = 1_000;

// tus answers these as they are (our endpoint words them as JSON); clients retry both.
const LOCK_BUSY = { status_code: 423, body: 'This upload is busy in another request; try again in a moment.' };
const NO_LOCK_CONNECTION = { status_code: 503, body: 'Too many uploads in progress on this server; try again in a moment.' };

export interface PostgresLockerOptions {
  databaseUrl: string;
  /** Connections for locks: one per upload request in flight in this process. */
  maxConnections: number;
  acquireLockTimeoutMs: number;
  logger: Logger;
}

/**
 * tus upload locks shared by every app process: a PostgreSQL session advisory lock per upload id,
 * held on its own connection for as long as the request runs. A request that wants a held lock
 * NOTIFYs the holder, which lets go after tus's drain delay (the in-flight PATCH stops and keeps
 * its bytes), exactly what @tus/server's MemoryLocker does inside one process. A process that
 * dies loses its connections and so its locks: a SIGKILL never leaves an upload stuck.
 *
 * Its statements stay here rather than in a repository: they are a lock protocol on connections
 * of its own (session advisory locks, LISTEN/NOTIFY), not reads or writes of any table, and
 * must run on the very connection that holds the lock, which a DataSource-based repository
 * cannot promise.
 */
export class PostgresLocker implements Locker {
  private readonly pool: pg.Pool;
  private listener?: pg.Client;
  private listening?: Promise<void>;
  private closed = false;
  /** Locks this process holds: upload id → how to ask its request to stop. */
  readonly held = new Map<string, RequestRelease>();

  constructor(private readonly options: PostgresLockerOptions) {
    this.pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.maxConnections,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: options.acquireLockTimeoutMs,
      application_name: 'tipdesk-upload-locks',
    });
    this.pool.on('error', (err) => options.logger.warn({ err }, 'an idle upload-lock connection failed'));
  }

  newLock(id: string): Lock {
    return new PostgresLock(id, this);
  }

  /** LISTENs for release requests; called before the first lock and again after a lost connection. */
  listen(): Promise<void> {
    this.listening ??= this.connectListener().catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'tipdesk-upload-locks' });
    client.on('notification', (message) => {
      const release = message.payload ? this.held.get(message.payload) : undefined;
      if (release) void release();
    });
    client.on('error', (err) => {
      this.options.logger.warn({ err }, 'upload-lock listener lost its connection; reconnecting on the next lock');
      if (this.listener === client) {
        this.listener = undefined;
        this.listening = undefined;
      }
    });
    await client.connect();
    await client.query(`LISTEN ${RELEASE_CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
  }

  /** Asks every upload request of this process to stop; their bytes stay and the uploads can resume. */
  releaseAll(): void {
    for (const release of this.held.values()) void release();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  /** @internal */
  connect(): Promise<pg.PoolClient> {
    return this.pool.connect();
  }

  /** @internal */
  get logger(): Logger {
    return this.options.logger;
  }

  /** @internal */
  get timeoutMs(): number {
    return this.options.acquireLockTimeoutMs;
  }
}

class PostgresLock implements Lock {
  private client?: pg.PoolClient;
  private onConnectionLost?: (err: Error) => void;

  constructor(
    private readonly id: string,
    private readonly locker: PostgresLocker,
  ) {}

  async lock(stopSignal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    await this.locker.listen();
    const deadline = Date.now() + this.locker.timeoutMs;
    const client = await this.locker.connect().catch((err: unknown) => {
      this.locker.logger.warn({ err }, 'no connection for an upload lock');
      throw NO_LOCK_CONNECTION;
    });
    try {
      let askedAt = 0;
      for (;;) {
        const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS locked`, [this.id]);
        if (rows[0].locked) {
          this.client = client;
          this.locker.held.set(this.id, requestRelease);
          // The lock went with its connection (PostgreSQL restarted, say): the request must stop too.
          this.onConnectionLost = (err: Error) => {
            this.locker.logger.warn({ err, uploadId: this.id }, 'an upload lock lost its connection; stopping its request');
            void requestRelease();
          };
          client.on('error', this.onConnectionLost);
          return;
        }
        if (stopSignal.aborted || Date.now() >= deadline) throw LOCK_BUSY;
        if (Date.now() - askedAt >= ASK_AGAIN_MS) {
          await client.query('SELECT pg_notify($1, $2)', [RELEASE_CHANNEL, this.id]);
          askedAt = Date.now();
        }
        await sleep(RETRY_MS);
      }
    } catch (error) {
      client.release();
      throw error;
    }
  }

  async unlock(): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('Releasing an unlocked lock!');
    this.client = undefined;
    this.locker.held.delete(this.id);
    if (this.onConnectionLost) client.off('error', this.onConnectionLost);
    try {
      await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`, [this.id]);
      client.release();
    } catch (error) {
      // Dropping the connection drops its locks too.
      client.release(error instanceof Error ? error : true);
    }
  }
}

// 64 bits of md5 of the namespaced id: the advisory-lock key space is shared with anything else in the database.
const LOCK_KEY_SQL = `('x' || substr(md5('tipdesk-tus:' || $1), 1, 16))::bit(64)::bigint`;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
