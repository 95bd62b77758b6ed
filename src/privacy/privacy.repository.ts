import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GenerateSql, SQL_ID, SQL_ID_2, SQL_MANAGER, SqlRepository } from '../database/generate-sql.js';
import type { ErasureRequestState } from './privacy.entities.js';

export interface LegalHoldRow {
  tipId: string;
  reason: string;
  placedBy: string;
  placedByName: string;
  placedAt: Date;
}

export interface ErasureRequestRow {
  id: string;
  tipId: string;
  reference: string;
  state: ErasureRequestState;
  requestedAt: Date;
  decidedAt: Date | null;
  declineReason: string | null;
  onHold: boolean;
}

export interface CertificateRow {
  tipId: string;
  erasedAt: Date;
  statement: string;
  signature: string;
}

type HoldDbRow = { tip_id: string; reason: string; placed_by: string; placed_by_name: string; placed_at: Date };
const toHold = (r: HoldDbRow): LegalHoldRow => ({
  tipId: r.tip_id,
  reason: r.reason,
  placedBy: r.placed_by,
  placedByName: r.placed_by_name,
  placedAt: r.placed_at,
});

type RequestDbRow = {
  id: string;
  tip_id: string;
  reference: string;
  state: ErasureRequestState;
  requested_at: Date;
  decided_at: Date | null;
  decline_reason: string | null;
  on_hold: boolean;
};
const toRequest = (r: RequestDbRow): ErasureRequestRow => ({
  id: r.id,
  tipId: r.tip_id,
  reference: r.reference,
  state: r.state,
  requestedAt: r.requested_at,
  decidedAt: r.decided_at,
  declineReason: r.decline_reason,
  onHold: r.on_hold,
});
const REQUEST_COLUMNS = `r.id, r.tip_id, t.reference, r.state, r.requested_at, r.decided_at, r.decline_reason,
       EXISTS (SELECT 1 FROM legal_holds h WHERE h.tip_id = r.tip_id) AS on_hold`;

/** Legal holds, contributors' erasure requests and erasure certificates: privacy/'s own tables. */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: {
    tips: 'the reference an erasure request is listed by on /desk/admin/erasure',
    staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)',
  },
})
export class PrivacyRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async hold(manager: EntityManager, tipId: string): Promise<LegalHoldRow | undefined> {
    const [row] = await manager.query<HoldDbRow[]>(
      `SELECT h.tip_id, h.reason, h.placed_by, s.name AS placed_by_name, h.placed_at FROM legal_holds h JOIN staff_users s ON s.id = h.placed_by WHERE h.tip_id = $1`,
      [tipId],
    );
    return row && toHold(row);
  }

  /** False when the tip is already held. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, SQL_ID_2, 'A claim was served'] })
  async insertHold(manager: EntityManager, tipId: string, staffId: string, reason: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `INSERT INTO legal_holds (tip_id, reason, placed_by) VALUES ($1, $3, $2) ON CONFLICT (tip_id) DO NOTHING RETURNING tip_id`,
      [tipId, staffId, reason],
    );
    return rows.length > 0;
  }

  /** The hold that was lifted, or undefined when there was none. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async deleteHold(manager: EntityManager, tipId: string): Promise<{ reason: string; placedAt: Date } | undefined> {
    const [rows] = await manager.query<[{ reason: string; placed_at: Date }[], number]>(
      `DELETE FROM legal_holds WHERE tip_id = $1 RETURNING reason, placed_at`,
      [tipId],
    );
    return rows[0] && { reason: rows[0].reason, placedAt: rows[0].placed_at };
  }

  /** The tip's request (new, or the one already there: asking twice is asking once). */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async upsertRequest(manager: EntityManager, tipId: string): Promise<{ request: ErasureRequestRow; created: boolean }> {
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO erasure_requests (tip_id) VALUES ($1) ON CONFLICT (tip_id) DO UPDATE SET state = 'pending', decided_by = NULL, decided_at = NULL, decline_reason = NULL, requested_at = now()
         WHERE erasure_requests.state = 'declined' RETURNING id`,
      [tipId],
    );
    const request = (await this.requestOfTip(manager, tipId))!;
    return { request, created: inserted.length > 0 };
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async requestOfTip(manager: EntityManager, tipId: string): Promise<ErasureRequestRow | undefined> {
    const [row] = await manager.query<RequestDbRow[]>(`SELECT ${REQUEST_COLUMNS} FROM erasure_requests r JOIN tips t ON t.id = r.tip_id WHERE r.tip_id = $1`, [
      tipId,
    ]);
    return row && toRequest(row);
  }

  @GenerateSql({ params: [SQL_MANAGER, SQL_ID] })
  async request(manager: EntityManager, id: string): Promise<ErasureRequestRow | undefined> {
    const [row] = await manager.query<RequestDbRow[]>(`SELECT ${REQUEST_COLUMNS} FROM erasure_requests r JOIN tips t ON t.id = r.tip_id WHERE r.id = $1`, [id]);
    return row && toRequest(row);
  }

  /** Open requests, oldest first (the admins' list). */
  @GenerateSql({ params: [200] })
  async pendingRequests(limit: number): Promise<ErasureRequestRow[]> {
    const rows = await this.dataSource.query<RequestDbRow[]>(
      `SELECT ${REQUEST_COLUMNS} FROM erasure_requests r JOIN tips t ON t.id = r.tip_id WHERE r.state = 'pending' ORDER BY r.requested_at, r.id LIMIT $1`,
      [limit],
    );
    return rows.map(toRequest);
  }

  /** Moves a pending request to `state`; false when it was no longer pending. */
  @GenerateSql({ params: [SQL_MANAGER, SQL_ID, 'declined', SQL_ID_2, 'We must keep it for a court case'] })
  async decideRequest(
    manager: EntityManager,
    id: string,
    state: Exclude<ErasureRequestState, 'pending'>,
    staffId: string | null,
    reason: string | null,
  ): Promise<boolean> {
    const [rows] = await manager.query<[unknown[], number]>(
      `UPDATE erasure_requests SET state = $2, decided_by = $3, decided_at = now(), decline_reason = $4 WHERE id = $1 AND state = 'pending' RETURNING id`,
      [id, state, staffId, reason],
    );
    return rows.length > 0;
  }

  @GenerateSql({ params: [SQL_MANAGER, { tipId: SQL_ID, erasedBy: SQL_ID_2, erasedAt: new Date('2026-01-02T03:04:05Z'), statement: '{}', signature: 'x' }] })
  async insertCertificate(
    manager: EntityManager,
    certificate: { tipId: string; erasedBy: string | null; erasedAt: Date; statement: string; signature: string },
  ): Promise<void> {
    await manager.query(`INSERT INTO erasure_certificates (tip_id, erased_by, erased_at, statement, signature) VALUES ($1, $2, $3, $4, $5)`, [
      certificate.tipId,
      certificate.erasedBy,
      certificate.erasedAt,
      certificate.statement,
      certificate.signature,
    ]);
  }

  /** Of these tips, the ones on legal hold. */
  @GenerateSql({ params: [[SQL_ID, SQL_ID_2]] })
  async heldAmong(tipIds: readonly string[]): Promise<Set<string>> {
    if (tipIds.length === 0) return new Set();
    const rows = await this.dataSource.query<{ tip_id: string }[]>(`SELECT tip_id FROM legal_holds WHERE tip_id = ANY($1::uuid[])`, [[...tipIds]]);
    return new Set(rows.map((r) => r.tip_id));
  }

  @GenerateSql({ params: [SQL_ID] })
  async certificate(tipId: string): Promise<CertificateRow | undefined> {
    const [row] = await this.dataSource.query<{ tip_id: string; erased_at: Date; statement: string; signature: string }[]>(
      `SELECT tip_id, erased_at, statement, signature FROM erasure_certificates WHERE tip_id = $1`,
      [tipId],
    );
    return row && { tipId: row.tip_id, erasedAt: row.erased_at, statement: row.statement, signature: row.signature };
  }
}
