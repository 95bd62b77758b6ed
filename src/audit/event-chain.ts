import { createHash } from 'node:crypto';

/**
 * The hash chains over audit_events and payout_events, as the database computes them (migration
 * 1797100000200) and as anyone can recompute them without it:
 *
 *   hash = hex(SHA-256(UTF-8(prev_hash + "\n" + canonical)))
 *
 * where the first event's prev_hash is 64 zeros and `canonical` is PostgreSQL's text of a JSON
 * array of the event's fields, in this order:
 *
 *   audit_events:  [seq, id, at, actor_type, actor_id, action, entity_type, entity_id, before, after]
 *   payout_events: [seq, id, at, payout_id, actor_type, actor_id, role, from_state, to_state, reason, detail]
 *
 * `at` is UTC with microseconds (2026-12-07T12:00:00.123456Z); absent values are `null`; JSON
 * text is PostgreSQL's jsonb rendering (`", "` and `": "` separators, object keys by length then
 * bytes, numbers as written). `seq` is the event's place, so deleting or reordering events
 * breaks the chain as surely as editing one.
 */
export const GENESIS_HASH = '0'.repeat(64);

export type ChainName = 'audit_events' | 'payout_events';
export const CHAINS: readonly ChainName[] = ['audit_events', 'payout_events'];

export function chainHash(prev: string, canonical: string): string {
  return createHash('sha256').update(`${prev}\n${canonical}`, 'utf8').digest('hex');
}

/** A string as PostgreSQL's jsonb output writes it (escape_json). */
export function pgJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A JS number as PostgreSQL's numeric prints it: plain digits, never an exponent. */
function pgNumber(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  const [mantissa, exponentText] = text.toLowerCase().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const [whole, fraction = ''] = mantissa.replace('-', '').split('.');
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + plain;
}

const byteLength = (key: string) => Buffer.byteLength(key, 'utf8');

/** A parsed JSON value rendered as PostgreSQL's jsonb text (for checking an export without the database). */
export function pgJsonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pgJsonString(value);
  if (typeof value === 'number') return pgNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pgJsonText).join(', ')}]`;
  const keys = Object.keys(value as object).sort((a, b) => byteLength(a) - byteLength(b) || Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return `{${keys.map((key) => `${pgJsonString(key)}: ${pgJsonText((value as Record<string, unknown>)[key])}`).join(', ')}}`;
}

const str = (value: string | null) => (value === null ? 'null' : pgJsonString(value));
/** Raw jsonb text as PostgreSQL printed it (already canonical), or null. */
const raw = (value: string | null) => value ?? 'null';

/** An audit event as the verifier reads it: every column as PostgreSQL's text. */
export interface AuditChainRow {
  seq: string;
  id: string;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

export interface PayoutChainRow {
  seq: string;
  id: string;
  at: string;
  payout_id: string;
  actor_type: string;
  actor_id: string | null;
  role: string;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export function auditCanonical(e: AuditChainRow): string {
  return `[${e.seq}, ${str(e.id)}, ${str(e.at)}, ${str(e.actor_type)}, ${str(e.actor_id)}, ${str(e.action)}, ${str(e.entity_type)}, ${str(e.entity_id)}, ${raw(e.before)}, ${raw(e.after)}]`;
}

export function payoutCanonical(e: PayoutChainRow): string {
  return `[${e.seq}, ${str(e.id)}, ${str(e.at)}, ${str(e.payout_id)}, ${str(e.actor_type)}, ${str(e.actor_id)}, ${str(e.role)}, ${str(e.from_state)}, ${str(e.to_state)}, ${str(e.reason)}, ${raw(e.detail)}]`;
}

/** The columns a verifier reads, each as text exactly as the canonical encoding needs it (order by `e.seq`, the number, not the text). */
export const CHAIN_SELECT: Record<ChainName, string> = {
  audit_events: `SELECT seq::text AS seq, id::text AS id, tipdesk_chain_time(at) AS at, actor_type, actor_id::text AS actor_id, action, entity_type, entity_id::text AS entity_id,
                        before::text AS before, after::text AS after, prev_hash, hash FROM audit_events e`,
  payout_events: `SELECT seq::text AS seq, id::text AS id, tipdesk_chain_time(at) AS at, payout_id::text AS payout_id, actor_type, actor_id::text AS actor_id, role, from_state, to_state, reason,
                         detail::text AS detail, prev_hash, hash FROM payout_events e`,
};

/**
 * The canonical encoding from a row as an array of CHAIN_SELECT's columns (the verifier reads rows
 * as arrays: a million objects fewer), the last two being prev_hash and hash.
 */
export function canonicalOfColumns(chain: ChainName, c: (string | null)[]): string {
  return chain === 'audit_events'
    ? `[${c[0]}, ${str(c[1])}, ${str(c[2])}, ${str(c[3])}, ${str(c[4])}, ${str(c[5])}, ${str(c[6])}, ${str(c[7])}, ${raw(c[8])}, ${raw(c[9])}]`
    : `[${c[0]}, ${str(c[1])}, ${str(c[2])}, ${str(c[3])}, ${str(c[4])}, ${str(c[5])}, ${str(c[6])}, ${str(c[7])}, ${str(c[8])}, ${str(c[9])}, ${raw(c[10])}]`;
}

export function canonicalOf(chain: ChainName, row: AuditChainRow | PayoutChainRow): string {
  return chain === 'audit_events' ? auditCanonical(row as AuditChainRow) : payoutCanonical(row as PayoutChainRow);
}
