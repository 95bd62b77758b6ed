// Whether an error means "PostgreSQL cannot be reached right now" (down, restarting, refusing
// connections, a connection cut mid-query), as opposed to a bug or a bad query: pure, no I/O.

// Node's socket errors on the way to the server.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// SQLSTATEs: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections,
// database_dropped; class 08 (connection exception) is matched by prefix.
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57P04']);
// node-postgres and pg-pool say these in words only.
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|is not currently accepting connections|the database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM wraps the driver's error (driverError); Node wraps causes (cause). A few levels suffice.
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const e = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08...$/.test(code)) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = e.driverError ?? e.cause;
  }
  return false;
}
