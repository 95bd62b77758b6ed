import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { SweepService } from '../../src/jobs/sweep.service.js';
import { sampleVideo } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

describe('the sweep of what crashes leave behind', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Uploads may last a minute here, so a temporary blob is abandoned after 1 min + 15 min grace.
    t = await startTestApp({ UPLOAD_TIMEOUT_SECONDS: '60' });
  });
  afterAll(async () => {
    await t.close();
  });

  async function blob(key: string, age: Date) {
    const path = join(t.dataDir, 'blobs', key);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'bytes');
    await utimes(path, age, age);
  }

  it('removes abandoned temporary blobs, committed blobs without a row, and expired keys and counters; keeps the rest', async () => {
    const posted = await request(t.url)
      .post('/api/tips')
      .set('Idempotency-Key', 'fresh-key-0123456789')
      .field('story', 'Kept with its video')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .attach('files', sampleVideo(), { filename: 'clip.mp4' })
      .expect(201);
    const {
      rows: [media],
    } = await t.db.query('SELECT storage_key FROM media');
    await utimes(join(t.dataDir, 'blobs', media.storage_key), hoursAgo(3), hoursAgo(3));

    const abandoned = `tmp/${randomUUID()}`;
    const uploading = `tmp/${randomUUID()}`;
    const orphan = `media/${randomUUID()}`;
    const justCommitted = `media/${randomUUID()}`;
    // A poster whose row update never happened (processing failed after writing it), and one just written.
    const orphanPoster = `thumbnails/${randomUUID()}.jpg`;
    const posterBeingWritten = `thumbnails/${randomUUID()}.jpg`;
    await blob(orphanPoster, hoursAgo(2));
    await blob(posterBeingWritten, new Date());
    await blob(abandoned, hoursAgo(1));
    await blob(uploading, new Date());
    await blob(orphan, hoursAgo(2));
    await blob(justCommitted, new Date());

    await t.db.query(`UPDATE tip_idempotency_keys SET created_at = now() - interval '2 days'`);
    await request(t.url)
      .post('/api/tips')
      .set('Idempotency-Key', 'new-key-0123456789')
      .send({ story: 'x', consentTerms: true, consentOwnWork: true, consentOver18: true })
      .expect(201);
    await t.db.query(`INSERT INTO rate_limit_windows (bucket, window_start, hits) VALUES ('tips:old', now() - interval '3 days', 5)`);
    const {
      rows: [tip],
    } = await t.db.query(`SELECT id FROM tips LIMIT 1`);
    await t.db.query(
      `INSERT INTO sessions (token_hash, kind, tip_id, csrf_token, last_seen_at, expires_at) VALUES
         (repeat('a', 64), 'contributor', $1, 'x', now(), now() - interval '1 minute'),
         (repeat('b', 64), 'contributor', $1, 'x', now() - interval '1 day', now() + interval '1 hour'),
         (repeat('c', 64), 'contributor', $1, 'x', now(), now() + interval '1 hour')`,
      [tip.id],
    );
    await t.db.query(
      `INSERT INTO sign_in_throttles (subject, failures, locked_until, last_failure_at) VALUES
         (repeat('a', 64), 3, NULL, now() - interval '2 days'),
         (repeat('b', 64), 12, now() + interval '1 hour', now() - interval '2 days'),
         (repeat('c', 64), 3, NULL, now())`,
    );

    const report = await t.app.get(SweepService).sweep();

    // Sessions past their absolute or idle limit go; throttles go after a quiet day unless still locked.
    expect(report).toEqual({ temporaryBlobs: 1, orphanedBlobs: 2, idempotencyKeys: 1, rateLimitWindows: 1, sessions: 2, signInThrottles: 1, uploads: 0 });
    expect((await t.db.query(`SELECT left(token_hash, 1) AS t FROM sessions`)).rows).toEqual([{ t: 'c' }]);
    expect((await t.db.query(`SELECT left(subject, 1) AS s FROM sign_in_throttles ORDER BY 1`)).rows).toEqual([{ s: 'b' }, { s: 'c' }]);
    const files = await t.blobFiles();
    expect(files.sort()).toEqual([media.storage_key, justCommitted, uploading, posterBeingWritten].sort());
    expect(await t.count('tip_idempotency_keys')).toBe(1);
    expect((await t.db.query(`SELECT bucket FROM rate_limit_windows WHERE bucket = 'tips:old'`)).rows).toEqual([]);
    expect(posted.body.reference).toMatch(/^TD-/);
  });

  it('runs in one process at a time: another holder of the sweep lock makes it stand aside', async () => {
    const other = await t.db.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [0x7469_7064]);
      expect(await t.app.get(SweepService).sweep()).toBeUndefined();
      await other.query('SELECT pg_advisory_unlock($1)', [0x7469_7064]);
      expect(await t.app.get(SweepService).sweep()).toEqual(expect.objectContaining({ temporaryBlobs: 0 }));
    } finally {
      other.release();
    }
  });
});
