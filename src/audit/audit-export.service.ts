import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { DataSource } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.js';
import { exportLine, exportSignedText, type ExportTrailer } from './audit-export.js';
import { AuditRepository } from './audit.repository.js';

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
    private readonly events: AuditRepository,
    private readonly cipher: FieldCipher,
  ) {}

  async writeTo(out: Writable): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const db = runner.manager;
    try {
      await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await this.events.openExport(db);
      let events = 0;
      let last = { seq: 0, hash: '' };
      for (;;) {
        const rows = await this.events.fetchExport<Parameters<typeof exportLine>[0]>(db, FETCH_ROWS);
        if (rows.length === 0) break;
        const text = rows.map(exportLine).join('');
        events += rows.length;
        last = { seq: Number(rows[rows.length - 1].seq), hash: rows[rows.length - 1].hash };
        if (!out.write(text)) await once(out, 'drain');
      }
      const head = await this.events.auditHead(db);
      const trailer: Omit<ExportTrailer, 'signature'> = {
        chain: 'audit_events',
        events,
        head: head ?? last,
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
