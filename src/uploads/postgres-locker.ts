import type { Lock, Locker, RequestRelease } from '@tus/utils';
import pg from 'pg';
import type { Logger } from 'pino';

// Other processes ask a lock's holder to let go on this channel; the payload is the upload id.
const RELEASE_CHANNEL = 'tipdesk_tus_release';
const RETRY_MS = 100;
// Asking again now and then covers a NOTIFY that raced the holder's session reconnecting.
const ASK_AGAIN_MS = 1_000;
// A lock statement is a sub-millisecond round trip; one that hangs means the session is unusable.
const QUERY_TIMEOUT_MS = 10_000;

// tus answers these as they are (our endpoint words them as JSON); clients retry both.
const LOCK_BUSY = { status_code: 423, body: 'This upload is busy in another request; try again in a moment.' };
const NO_LOCK_SESSION = { status_code: 503, body: 'Uploads cannot be locked just now; try again in a moment.' };

export interface PostgresLockerOptions {
  databaseUrl: string;
  acquireLockTimeoutMs: number;
  logger: Logger;
}

/** The one connection a process's upload locks live on, and which incarnation of it this is. */
interface LockSession {
  client: pg.Client;
  generation: number;
  /** The last statement sent: the next waits for it (pg 9 drops its own queue of concurrent queries). */
  tail: Promise<unknown>;
}

/** Sends a statement on the session after the ones before it, in order. */
function run<R extends pg.QueryResultRow>(session: LockSession, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
  const result = session.tail.then(() => session.client.query<R>(text, values));
  session.tail = result.catch(() => undefined);
  return result;
}

/**
 * tus upload locks shared by every app process: a PostgreSQL session advisory lock per upload id.
 * All of a process's locks live on ONE connection of its own (which also LISTENs for release
 * requests), so a lock costs a round trip to take and one to give back, never a pooled
 * connection for as long as a request's body lasts: a hundred trickling PATCHes hold a hundred
 * locks on that one session and nobody else waits for a connection (issue 15).
 *
 * A request that wants a lock another process holds NOTIFYs the holder, which lets go after
 * tus's drain delay (the in-flight PATCH stops and keeps its bytes), exactly what @tus/server's
 * MemoryLocker does inside one process. Inside one process the same happens in memory (advisory
 * locks are re-entrant within a session, so the session alone cannot tell two of our own
 * requests apart). A process that dies loses its session and so its locks: a SIGKILL never
 * leaves an upload stuck. A session lost while the process lives (PostgreSQL restarted) stops
 * every request that held a lock on it; the next lock opens a new session.
 *
 * Its statements stay here rather than in a repository: they are a lock protocol on a
 * connection of its own (session advisory locks, LISTEN/NOTIFY), not reads or writes of any
 * table, and must run on the very connection that holds the locks, which a DataSource-based
 * repository cannot promise.
 */
export class PostgresLocker implements Locker {
  private current?: LockSession;
  private opening?: Promise<LockSession>;
  private generations = 0;
  private closed = false;
  /** Upload ids a request of this process holds or is waiting for: how to ask that request to stop. */
  readonly claimed = new Map<string, RequestRelease>();
  /** Locks this process holds: upload id → how to ask its request to stop, and the session it is on. */
  readonly held = new Map<string, RequestRelease>();
  private readonly heldOn = new Map<string, number>();

  constructor(private readonly options: PostgresLockerOptions) {}

  newLock(id: string): Lock {
    return new PostgresLock(id, this);
  }

  /** The session the locks live on: opened on first use and again after a lost connection. */
  session(): Promise<LockSession> {
    if (this.current) return Promise.resolve(this.current);
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(): Promise<LockSession> {
    if (this.closed) throw NO_LOCK_SESSION;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'tipdesk-upload-locks',
      keepAlive: true,
      query_timeout: QUERY_TIMEOUT_MS,
    });
    const session: LockSession = { client, generation: ++this.generations, tail: Promise.resolve() };
    client.on('notification', (message) => {
      const release = message.payload ? this.held.get(message.payload) : undefined;
      if (release) void release();
    });
    const lost = (err?: Error) => this.lost(session, err);
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${RELEASE_CHANNEL}`);
    } catch (err) {
      this.options.logger.warn({ err }, 'could not open the upload-lock session');
      client.off('end', lost);
      await client.end().catch(() => undefined);
      throw NO_LOCK_SESSION;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw NO_LOCK_SESSION;
    }
    this.current = session;
    return session;
  }

  /** The session's connection is gone and its locks with it: every request that held one must stop. */
  private lost(session: LockSession, err?: Error): void {
    if (this.current !== session) return;
    this.current = undefined;
    if (!this.closed) this.options.logger.warn({ err }, 'the upload-lock session lost its connection; stopping the requests that held locks on it');
    for (const [id, release] of this.held) {
      if (this.heldOn.get(id) === session.generation) void release();
    }
    session.client.end().catch(() => undefined);
  }

  /** Asks every upload request of this process to stop; their bytes stay and the uploads can resume. */
  releaseAll(): void {
    for (const release of this.held.values()) void release();
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = this.current;
    this.current = undefined;
    await session?.client.end().catch(() => undefined);
  }

  /** @internal */
  markHeld(id: string, release: RequestRelease, generation: number): void {
    this.held.set(id, release);
    this.heldOn.set(id, generation);
  }

  /** @internal Forgets a lock; true when its session is still the current one (so it must be given back there). */
  forget(id: string): LockSession | undefined {
    const generation = this.heldOn.get(id);
    this.held.delete(id);
    this.heldOn.delete(id);
    this.claimed.delete(id);
    return this.current && this.current.generation === generation ? this.current : undefined;
  }

  /** @internal */
  get timeoutMs(): number {
    return this.options.acquireLockTimeoutMs;
  }
}

class PostgresLock implements Lock {
  private locked = false;

  constructor(
    private readonly id: string,
    private readonly locker: PostgresLocker,
  ) {}

  async lock(stopSignal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const deadline = Date.now() + this.locker.timeoutMs;
    // One request per upload in this process: a newer one asks the older to let go, and waits.
    let asked = false;
    while (this.locker.claimed.has(this.id)) {
      if (stopSignal.aborted || Date.now() >= deadline) throw LOCK_BUSY;
      if (!asked) {
        void this.locker.claimed.get(this.id)!();
        asked = true;
      }
      await sleep(RETRY_MS);
    }
    this.locker.claimed.set(this.id, requestRelease);
    try {
      let askedAt = 0;
      for (;;) {
        const session = await this.locker.session();
        const { rows } = await run<{ locked: boolean }>(session, `SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS locked`, [this.id]);
        if (rows[0].locked) {
          this.locker.markHeld(this.id, requestRelease, session.generation);
          this.locked = true;
          return;
        }
        if (stopSignal.aborted || Date.now() >= deadline) throw LOCK_BUSY;
        if (Date.now() - askedAt >= ASK_AGAIN_MS) {
          await run(session, 'SELECT pg_notify($1, $2)', [RELEASE_CHANNEL, this.id]);
          askedAt = Date.now();
        }
        await sleep(RETRY_MS);
      }
    } catch (error) {
      this.locker.claimed.delete(this.id);
      if ((error as { status_code?: number }).status_code) throw error;
      throw NO_LOCK_SESSION;
    }
  }

  unlock(): Promise<void> {
    if (!this.locked) throw new Error('Releasing an unlocked lock!');
    this.locked = false;
    // Forgotten first, then given back: the next request of this process for the upload queues its
    // try-lock behind this unlock on the same connection, so the two never overlap.
    const session = this.locker.forget(this.id);
    if (!session) return Promise.resolve(); // its session is gone, and the lock went with it
    // Not awaited: tus answers the chunk only after unlock() settles, and the client need not wait
    // a round trip for it. Another process asking meanwhile just retries (RETRY_MS).
    run(session, `SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`, [this.id]).catch(() => {
      // A session that cannot unlock is broken: dropping it drops its locks (its 'end' stops their requests).
      session.client.end().catch(() => undefined);
    });
    return Promise.resolve();
  }
}

// 64 bits of md5 of the namespaced id: the advisory-lock key space is shared with anything else in the database.
const LOCK_KEY_SQL = `('x' || substr(md5('tipdesk-tus:' || $1), 1, 16))::bit(64)::bigint`;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
