import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { DataSource } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { exportLine, exportSignedText, type ExportTrailer } from './audit-export.js';
import { CHAIN_SELECT } from './event-chain.js';

const FETCH_ROWS = 5_000;

/**
 * The signed export of the audit log: every event with its hash, in chain order, then the chain
 * head signed under a key derived from ENCRYPTION_KEY, all read in one snapshot so the head is
 * the last event's. Streamed a page at a time (a million events never sit in memory).
 */
@Injectable()
export class AuditExportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  async writeTo(out: Writable): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const db = runner.manager;
    try {
      await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await db.query(`DECLARE audit_export NO SCROLL CURSOR FOR ${CHAIN_SELECT.audit_events} ORDER BY e.seq`);
      let events = 0;
      let last = { seq: 0, hash: '' };
      for (;;) {
        const rows = await db.query<Parameters<typeof exportLine>[0][]>(`FETCH ${FETCH_ROWS} FROM audit_export`);
        if (rows.length === 0) break;
        const text = rows.map(exportLine).join('');
        events += rows.length;
        last = { seq: Number(rows[rows.length - 1].seq), hash: rows[rows.length - 1].hash };
        if (!out.write(text)) await once(out, 'drain');
      }
      const [head] = await db.query<{ seq: string; hash: string }[]>(`SELECT audit_seq::text AS seq, audit_hash AS hash FROM event_chain_head WHERE id = 1`);
      const trailer: Omit<ExportTrailer, 'signature'> = {
        chain: 'audit_events',
        events,
        head: head ? { seq: Number(head.seq), hash: head.hash } : last,
        exportedAt: new Date().toISOString(),
      };
      const signed: ExportTrailer = {
        ...trailer,
        signature: { alg: 'HMAC-SHA256', keyId: this.cipher.keyId, value: this.cipher.sign(exportSignedText(trailer))! },
      };
      out.write(`${JSON.stringify(signed)}\n`);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
