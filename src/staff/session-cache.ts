import type { NotificationSubscriber } from '../database/database-notifications.js';
import type { SessionRow } from './sessions.repository.js';

/** The channel the session triggers NOTIFY on (migration SessionChangeNotifications). */
export const SESSIONS_CHANNEL = 'tipdesk_sessions';

// A bound on memory, not a working set: far more sessions than a newsroom has signed in at once.
const MAX_ENTRIES = 10_000;

/**
 * Live sessions remembered for a few seconds, so a desk request makes one round trip to
 * PostgreSQL instead of two. Trusted only while this process LISTENs for session changes: any
 * notification empties it, and so does losing the connection (it then caches nothing until the
 * connection is back). A lookup that was in flight when a change arrived is not cached, since it
 * may have read the row from before the change (the generation check in put()).
 */
export class SessionCache implements NotificationSubscriber {
  private readonly entries = new Map<string, { row: SessionRow; until: number }>();
  private generation = 0;
  private trusted = false;

  constructor(private readonly ttlMs: number) {}

  onNotification(): void {
    this.forgetAll();
  }

  onListeningChange(listening: boolean): void {
    this.trusted = listening;
    this.forgetAll();
  }

  forgetAll(): void {
    this.generation++;
    this.entries.clear();
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get(key: string, now = Date.now()): SessionRow | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now || entry.row.expires_at.getTime() <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.row;
  }

  /** Call before reading the row from PostgreSQL; hand the ticket to put(). Undefined: do not cache. */
  ticket(): number | undefined {
    return this.trusted && this.ttlMs > 0 ? this.generation : undefined;
  }

  put(key: string, row: SessionRow, ticket: number | undefined, now = Date.now()): void {
    if (ticket === undefined || ticket !== this.generation || !this.trusted) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { row: { ...row, stale: false }, until: now + this.ttlMs });
  }
}
