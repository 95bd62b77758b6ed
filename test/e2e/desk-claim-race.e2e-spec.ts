import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TIPS = 500;
const EDITORS = 20;

describe('POST /api/tips/next under contention', () => {
  let t: TestApp;
  let editors: SignedInStaff[];

  beforeAll(async () => {
    t = await startTestApp();
    // 500 new tips straight into the tables, one contributor each, one second apart.
    await t.db.query(
      `WITH c AS (
         INSERT INTO contributors (name) SELECT 'Racer ' || n FROM generate_series(1, $1) n RETURNING id, name
       )
       INSERT INTO tips (reference, secret_hash, channel, story, contributor_id, created_at)
       SELECT 'TD-' || lpad(n::text, 4, '0') || '-RACE', encode(sha256(convert_to('secret ' || n, 'UTF8')), 'hex'), 'web',
              'Race tip ' || n, c.id, timestamptz '2026-01-01' + make_interval(secs => n)
         FROM c, LATERAL (SELECT substr(c.name, 7)::int AS n) num`,
      [TIPS],
    );
    editors = [];
    for (let i = 0; i < EDITORS; i++) editors.push(await signedInStaff(t, 'editor'));
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it(`${EDITORS} editors claiming at once get each of the ${TIPS} tips exactly once, then QUEUE_EMPTY`, async () => {
    expect(await t.count('tips')).toBe(TIPS);
    const claims: { editor: string; tip: string }[] = [];
    const others: { status: number; code: string }[] = [];
    let calls = 0;
    // Each editor claims until the queue is empty for them; all 20 loops run concurrently.
    await Promise.all(
      editors.map(async (editor) => {
        for (;;) {
          calls++;
          const res = await editor.post('/api/tips/next');
          if (res.status !== 200) {
            others.push({ status: res.status, code: res.body.code });
            return;
          }
          expect(res.body.assignee.id).toBe(editor.user.id);
          claims.push({ editor: editor.user.id, tip: res.body.id });
        }
      }),
    );

    expect(claims).toHaveLength(TIPS);
    expect(new Set(claims.map((c) => c.tip)).size).toBe(TIPS);
    expect(others).toEqual(Array.from({ length: EDITORS }, () => ({ status: 404, code: 'QUEUE_EMPTY' })));
    expect(calls).toBe(TIPS + EDITORS);
    // More than one editor got work (the queue was shared, not drained by one loop).
    expect(new Set(claims.map((c) => c.editor)).size).toBeGreaterThan(1);

    const {
      rows: [state],
    } = await t.db.query(
      `SELECT count(*) FILTER (WHERE status = 'in_review' AND assignee_id IS NOT NULL AND version = 2)::int AS claimed,
              count(*) FILTER (WHERE status = 'new')::int AS still_new
         FROM tips`,
    );
    expect(state).toEqual({ claimed: TIPS, still_new: 0 });
    // The database agrees with the answers: each tip went to the editor who was told it was theirs.
    const { rows: assignees } = await t.db.query(`SELECT id, assignee_id FROM tips`);
    const told = new Map(claims.map((c) => [c.tip, c.editor]));
    for (const row of assignees) expect(row.assignee_id).toBe(told.get(row.id));

    const { rows: events } = await t.db.query(
      `SELECT entity_id, count(*)::int AS n, min(actor_id::text) AS actor FROM audit_events WHERE action = 'tip.claimed' GROUP BY entity_id`,
    );
    expect(events).toHaveLength(TIPS);
    for (const event of events) {
      expect(event.n).toBe(1);
      expect(event.actor).toBe(told.get(event.entity_id));
    }
  }, 120_000);

  it('the queue stays empty afterwards', async () => {
    const res = await editors[0].post('/api/tips/next');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('QUEUE_EMPTY');
  });
});
