import pg from 'pg';
import { CHAIN_SELECT, CHAINS, canonicalOfColumns, chainHash, GENESIS_HASH, type ChainName } from './event-chain.js';

/** Rows a verifier holds at once: one FETCH of the cursor. */
const FETCH_ROWS = 1_000;

export interface ChainReport {
  chain: ChainName;
  events: number;
  /** The first event that does not match, in words; absent when the chain is intact. */
  broken?: { seq: string; id: string | null; problem: string };
}

/**
 * Walks one chain in `seq` order through a server-side cursor (a page at a time, so a million
 * events never sit in memory), recomputing each hash from the event's own fields and the hash
 * before it (event-chain.ts), and finally checks the head row: an edited, deleted, inserted or
 * reordered event, or a cut-off tail, is named.
 */
export async function verifyChain(client: pg.ClientBase, chain: ChainName): Promise<ChainReport> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(`DECLARE chain_walk NO SCROLL CURSOR FOR ${CHAIN_SELECT[chain]} ORDER BY e.seq`);
    let prev = GENESIS_HASH;
    let expectedSeq = 1n;
    let events = 0;
    for (;;) {
      const { rows } = await client.query<(string | null)[]>({ text: `FETCH ${FETCH_ROWS} FROM chain_walk`, rowMode: 'array' });
      if (rows.length === 0) break;
      for (const columns of rows) {
        const row = { seq: columns[0]!, id: columns[1]!, prev_hash: columns[columns.length - 2], hash: columns[columns.length - 1] };
        const seq = BigInt(row.seq);
        const where = { seq: row.seq, id: row.id };
        if (seq !== expectedSeq) {
          return {
            chain,
            events,
            broken: {
              ...where,
              problem: seq > expectedSeq ? `event ${expectedSeq} is missing (the next is ${seq})` : `seq ${seq} appears twice or out of order`,
            },
          };
        }
        if (row.prev_hash !== prev) return { chain, events, broken: { ...where, problem: 'its prev_hash is not the hash of the event before it' } };
        if (chainHash(prev, canonicalOfColumns(chain, columns)) !== row.hash)
          return { chain, events, broken: { ...where, problem: 'its contents do not match its hash (changed after it was written)' } };
        prev = row.hash!;
        expectedSeq += 1n;
        events += 1;
      }
    }
    await client.query('CLOSE chain_walk');
    const column = chain === 'audit_events' ? 'audit' : 'payout';
    const {
      rows: [head],
    } = await client.query<{ seq: string; hash: string }>(`SELECT ${column}_seq::text AS seq, ${column}_hash AS hash FROM event_chain_head WHERE id = 1`);
    if (!head) return { chain, events, broken: { seq: String(expectedSeq), id: null, problem: 'the chain head row is missing' } };
    if (BigInt(head.seq) !== expectedSeq - 1n || head.hash !== prev) {
      return {
        chain,
        events,
        broken: {
          seq: head.seq,
          id: null,
          problem: `the chain head says event ${head.seq} is the last, but the events end at ${expectedSeq - 1n}: events were removed from the end`,
        },
      };
    }
    return { chain, events };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** Both chains, audit_events then payout_events; stops at the first broken one. */
export async function verifyChains(url: string): Promise<ChainReport[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'tipdesk audit:verify' });
  await client.connect();
  try {
    const reports: ChainReport[] = [];
    for (const chain of CHAINS) {
      const report = await verifyChain(client, chain);
      reports.push(report);
      if (report.broken) break;
    }
    return reports;
  } finally {
    await client.end();
  }
}
