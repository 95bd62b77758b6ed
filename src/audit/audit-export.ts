import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FieldCipher } from '../crypto/field-cipher.js';
import { auditCanonical, chainHash, GENESIS_HASH, pgJsonString, pgJsonText, type AuditChainRow } from './event-chain.js';

/** One audit event as a line of the export (NDJSON). */
export interface ExportedEvent {
  seq: number;
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

/** The export's last line: the chain head, signed, so the file can be checked later without the database. */
export interface ExportTrailer {
  chain: 'audit_events';
  events: number;
  head: { seq: number; hash: string };
  exportedAt: string;
  signature: { alg: 'HMAC-SHA256'; keyId: string; value: string };
}

/** What the signature covers: the head (which binds every event before it), the count and the time. */
export function exportSignedText(t: Pick<ExportTrailer, 'events' | 'head' | 'exportedAt'>): string {
  return ['tipdesk audit export v1', 'audit_events', t.head.seq, t.head.hash, t.events, t.exportedAt].join('\n');
}

/** One event's line, built from the database's own text (the jsonb payloads verbatim). */
export function exportLine(row: AuditChainRow): string {
  const str = (v: string | null) => (v === null ? 'null' : pgJsonString(v));
  return (
    `{"seq":${row.seq},"id":${str(row.id)},"at":${str(row.at)},"actorType":${str(row.actor_type)},"actorId":${str(row.actor_id)},"action":${str(row.action)},` +
    `"entityType":${str(row.entity_type)},"entityId":${str(row.entity_id)},"before":${row.before ?? 'null'},"after":${row.after ?? 'null'},"prevHash":${str(row.prev_hash)},"hash":${str(row.hash)}}\n`
  );
}

export interface ExportCheck {
  events: number;
  ok: boolean;
  problem?: string;
}

/**
 * Checks an export without the database: every line's hash from its own fields and the line
 * before, then the signed head at the end. Reads the file a line at a time.
 */
export async function verifyExport(input: Readable, cipher: FieldCipher): Promise<ExportCheck> {
  let prev = GENESIS_HASH;
  let seq = 0;
  let events = 0;
  let trailer: ExportTrailer | undefined;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    if (trailer) return { events, ok: false, problem: 'there are lines after the signed head' };
    let parsed: ExportedEvent & Partial<ExportTrailer>;
    try {
      parsed = JSON.parse(line) as ExportedEvent & Partial<ExportTrailer>;
    } catch {
      return { events, ok: false, problem: `line ${events + 1} is not JSON` };
    }
    if (parsed.signature) {
      trailer = parsed as unknown as ExportTrailer;
      continue;
    }
    const e = parsed;
    if (events === 0) {
      // An export may start anywhere: its first event's prev_hash is taken on trust, the signature covers the rest.
      prev = e.prevHash;
      seq = e.seq - 1;
    }
    if (e.seq !== seq + 1) return { events, ok: false, problem: `event ${seq + 1} is missing (the next line is ${e.seq})` };
    if (e.prevHash !== prev) return { events, ok: false, problem: `event ${e.seq} (${e.id}) does not link to the event before it` };
    const canonical = auditCanonical({
      seq: String(e.seq),
      id: e.id,
      at: e.at,
      actor_type: e.actorType,
      actor_id: e.actorId,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      before: e.before === null ? null : pgJsonText(e.before),
      after: e.after === null ? null : pgJsonText(e.after),
      prev_hash: e.prevHash,
      hash: e.hash,
    });
    if (chainHash(prev, canonical) !== e.hash) return { events, ok: false, problem: `event ${e.seq} (${e.id}) does not match its hash` };
    prev = e.hash;
    seq = e.seq;
    events += 1;
  }
  if (!trailer) return { events, ok: false, problem: 'the signed head (last line) is missing: the export was cut off' };
  const expected = cipher.sign(exportSignedText(trailer), trailer.signature.keyId);
  if (expected === null) return { events, ok: false, problem: `the export was signed with key ${trailer.signature.keyId}, which this ENCRYPTION_KEY is not` };
  if (expected !== trailer.signature.value) return { events, ok: false, problem: 'the signature does not match: the head or the count was changed' };
  if (trailer.events !== events || trailer.head.seq !== seq || trailer.head.hash !== (events ? prev : trailer.head.hash)) {
    return {
      events,
      ok: false,
      problem: `the signed head (event ${trailer.head.seq}, ${trailer.events} events) is not where the events end (event ${seq}, ${events} events)`,
    };
  }
  return { events, ok: true };
}
