import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { PostgresLocker } from '../../src/uploads/postgres-locker.js';
import { createTestDatabase } from '../support/database.js';

// Two lockers over one database stand for two app processes.
describe('PostgresLocker (tus upload locks shared by app processes)', () => {
  let databaseUrl: string;
  let drop: () => Promise<void>;
  const lockers: PostgresLocker[] = [];
  const locker = (options: { acquireLockTimeoutMs?: number } = {}) => {
    const created = new PostgresLocker({
      databaseUrl,
      acquireLockTimeoutMs: options.acquireLockTimeoutMs ?? 5_000,
      logger: pino({ level: 'silent' }),
    });
    lockers.push(created);
    return created;
  };
  const never = () => new AbortController().signal;

  beforeAll(async () => {
    ({ url: databaseUrl, drop } = await createTestDatabase());
  });
  afterAll(async () => {
    await Promise.all(lockers.map((l) => l.close()));
    await drop();
  });

  it('a lock held in one process is asked to let go by the other, which gets it once it is released', async () => {
    const [first, second] = [locker(), locker()];
    const id = randomUUID();
    const held = first.newLock(id);
    let release!: () => void;
    const askedToRelease = new Promise<void>((resolve) => (release = resolve));
    await held.lock(never(), () => release());
    expect([...first.held.keys()]).toEqual([id]);

    const waiting = second.newLock(id);
    const acquired = waiting.lock(never(), () => undefined);
    await askedToRelease; // the NOTIFY reached the holder
    await held.unlock();
    await acquired;
    expect([...first.held.keys()]).toEqual([]);
    expect([...second.held.keys()]).toEqual([id]);
    await waiting.unlock();
  });

  it('different uploads do not wait for each other', async () => {
    const [first, second] = [locker(), locker()];
    const a = first.newLock(randomUUID());
    const b = second.newLock(randomUUID());
    await a.lock(never(), () => undefined);
    await b.lock(never(), () => undefined);
    await Promise.all([a.unlock(), b.unlock()]);
  });

  it('a holder that never lets go: the other request gets 423 (tus clients retry it), not a hang', async () => {
    const [first, second] = [locker(), locker({ acquireLockTimeoutMs: 300 })];
    const id = randomUUID();
    const stubborn = first.newLock(id);
    await stubborn.lock(never(), () => undefined);
    await expect(second.newLock(id).lock(never(), () => undefined)).rejects.toMatchObject({ status_code: 423 });
    expect(second.held.size).toBe(0);
    await stubborn.unlock();
  });

  it('a request whose client has gone stops waiting for the lock', async () => {
    const [first, second] = [locker(), locker()];
    const id = randomUUID();
    const held = first.newLock(id);
    await held.lock(never(), () => undefined);
    const gone = new AbortController();
    const waiting = second.newLock(id).lock(gone.signal, () => undefined);
    gone.abort();
    await expect(waiting).rejects.toMatchObject({ status_code: 423 });
    await held.unlock();
  });

  it('100 locks held at once by one process live on one PostgreSQL connection (a trickling request pins no pooled connection)', async () => {
    const one = locker();
    const locks = Array.from({ length: 100 }, () => one.newLock(randomUUID()));
    for (const lock of locks) await lock.lock(never(), () => undefined);
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const { rows } = await admin.query<{ sessions: number; locks: number }>(
      `SELECT count(DISTINCT pid)::int AS sessions, count(*)::int AS locks FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    await admin.end();
    expect(rows[0]).toEqual({ sessions: 1, locks: 100 });
    await Promise.all(locks.map((lock) => lock.unlock()));
    expect(one.held.size).toBe(0);
  });

  it('two requests of one process for one upload: the newer asks the older to let go, and gets the lock once it has', async () => {
    const one = locker();
    const id = randomUUID();
    const older = one.newLock(id);
    let askedToRelease!: () => void;
    const asked = new Promise<void>((resolve) => (askedToRelease = resolve));
    await older.lock(never(), () => askedToRelease());
    const newer = one.newLock(id);
    const acquired = newer.lock(never(), () => undefined);
    await asked;
    let got = false;
    void acquired.then(() => (got = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(got).toBe(false); // advisory locks are re-entrant in a session: the locker itself keeps them apart
    await older.unlock();
    await acquired;
    expect([...one.held.keys()]).toEqual([id]);
    await newer.unlock();
  });

  it('a lock whose connection dies (a killed process, a restarted server) is free for others, and its request is told to stop', async () => {
    const [dying, survivor] = [locker(), locker({ acquireLockTimeoutMs: 5_000 })];
    const id = randomUUID();
    const lost = dying.newLock(id);
    let stopRequested!: () => void;
    const told = new Promise<void>((resolve) => (stopRequested = resolve));
    await lost.lock(never(), () => stopRequested());

    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    await admin.end();
    expect(rowCount).toBe(1);
    await told;

    const lock = survivor.newLock(id);
    await lock.lock(never(), () => undefined);
    await lock.unlock();
    await lost.unlock(); // on a dead connection: drops it, does not throw
  });
});
