// How an error becomes a log object: what it says about the failure, never what it was handling.

/**
 * Properties that carry the data an error was working on, not what went wrong: TypeORM's
 * QueryFailedError keeps the SQL (`query`), its values (`parameters`: a tip's story, name,
 * location) and pg's own error (`driverError`); pg's DatabaseError adds `detail`
 * ("Key (email)=(…) already exists"), `where`, `hint` and `internalQuery`; body-parser's errors
 * keep the raw request `body`. None of them is ever logged.
 */
const CONTENT_KEYS = new Set(['query', 'parameters', 'driverError', 'detail', 'where', 'hint', 'internalQuery', 'body', 'rawBody', 'params', 'raw']);

/** Words after which PostgreSQL quotes a name (kept); any other quoted text in its message is a value (dropped). */
const IDENTIFIER_WORDS =
  /(?:constraint|relation|column|table|type|encoding|index|schema|function|operator|sequence|database|role|enum|domain|extension|trigger|view)\s*$/i;

const MAX_DEPTH = 4;

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  cause?: SerializedError;
  [key: string]: unknown;
}

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && 'stack' in value);
}

/** A database error: TypeORM's wrapper or pg's own (a SQLSTATE `code` beside a `severity`). */
function isDatabaseError(error: Error): boolean {
  const fields = error as unknown as Record<string, unknown>;
  return 'query' in fields || 'driverError' in fields || (typeof fields.severity === 'string' && typeof fields.code === 'string');
}

/** PostgreSQL's message with every quoted value replaced ("invalid input syntax for type uuid: \"…\""); quoted names stay. */
export function withoutQuotedValues(message: string): string {
  return message.replace(/"[^"]*"/g, (quoted, offset: number) => (IDENTIFIER_WORDS.test(message.slice(0, offset)) ? quoted : '"[redacted]"'));
}

/**
 * pino's `err` serializer for tipdesk: type, message, stack, SQLSTATE code, constraint, table
 * and the like, with the content an error carries dropped (see CONTENT_KEYS). A database error's
 * message and stack lose their quoted values too, since PostgreSQL quotes the value it refused.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!isErrorLike(value)) return value;
  const database = isDatabaseError(value);
  const message = database ? withoutQuotedValues(value.message) : value.message;
  const type = value.constructor?.name && value.constructor.name !== 'Object' ? value.constructor.name : value.name;
  const out: SerializedError = { type, message };
  if (typeof value.stack === 'string') {
    // The stack's first lines repeat the message: keep only the frames under our own first line.
    const frames = value.stack.split('\n').filter((line) => /^\s+at /.test(line));
    out.stack = [`${type}: ${message}`, ...frames].join('\n');
  }
  for (const [key, field] of Object.entries(value)) {
    if (CONTENT_KEYS.has(key) || key === 'message' || key === 'stack' || key === 'cause') continue;
    // `type` is the class (pino's convention); an error's own `type` (body-parser's 'entity.parse.failed') goes in `kind`.
    const name = key === 'type' ? 'kind' : key;
    if (isErrorLike(field)) {
      if (depth < MAX_DEPTH) out[name] = serializeError(field, depth + 1);
    } else if (field === null || ['string', 'number', 'boolean'].includes(typeof field)) {
      out[name] = typeof field === 'string' && database ? withoutQuotedValues(field) : field;
    }
    // Objects and arrays (a request, a row, a config) are left out: they are where content hides.
  }
  const cause = (value as { cause?: unknown }).cause;
  if (isErrorLike(cause) && depth < MAX_DEPTH) out.cause = serializeError(cause, depth + 1) as SerializedError;
  return out;
}
