// Tips written straight into the tables, with full control over their fields (status, assignee,
// dates, media): for the desk's tests, where the intake is not what is tested. Tips as the public
// sends them are postTip (fixtures.ts).
import { randomBytes } from 'node:crypto';

export interface SeedTip {
  story?: string;
  location?: string | null;
  name?: string | null;
  channel?: string;
  status?: string;
  assigneeId?: string | null;
  tags?: string[];
  priority?: number;
  createdAt?: string;
  media?: { kind: 'video' | 'image' | 'audio'; sha256?: string }[];
}

/** Anything with a pool on the app's database (TestApp, ServiceApp). */
export interface SeedTarget {
  db: { query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> };
}

let seq = 0;

/** A tip (and its contributor, and media rows when asked) at version 1; created a minute after the one before unless `createdAt` says. */
export async function seedTip(t: SeedTarget, fields: SeedTip = {}): Promise<string> {
  seq += 1;
  const {
    rows: [contributor],
  } = await t.db.query<{ id: string }>(`INSERT INTO contributors (name) VALUES ($1) RETURNING id`, [fields.name ?? null]);
  const {
    rows: [tip],
  } = await t.db.query<{ id: string }>(
    `INSERT INTO tips (reference, secret_hash, channel, status, story, location, contributor_id, assignee_id, tags, priority, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
    [
      `TD-${String(seq).padStart(4, '0')}-SEED`,
      randomBytes(32).toString('hex'),
      fields.channel ?? 'web',
      fields.status ?? 'new',
      fields.story ?? `Seeded tip number ${seq}`,
      fields.location ?? null,
      contributor.id,
      fields.assigneeId ?? null,
      fields.tags ?? [],
      fields.priority ?? 0,
      fields.createdAt ?? new Date(Date.UTC(2026, 0, 1) + seq * 60_000).toISOString(),
    ],
  );
  for (const media of fields.media ?? []) {
    await t.db.query(
      `INSERT INTO media (id, tip_id, storage_key, display_filename, sniffed_type, kind, size_bytes, sha256)
       VALUES (gen_random_uuid(), $1, 'seed/' || gen_random_uuid(), 'clip', 'video/mp4', $2, 1000, $3)`,
      [tip.id, media.kind, media.sha256 ?? randomBytes(32).toString('hex')],
    );
  }
  return tip.id;
}
