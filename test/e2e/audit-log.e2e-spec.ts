import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AuditService } from '../../src/audit/audit.service.js';
import type { AuditEventDto } from '../../src/audit/dto/audit-events.dto.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const today = () => new Date().toISOString().slice(0, 10);

describe('GET /api/audit-events and AuditService.forEntity', () => {
  let t: TestApp;
  let admin: SignedInStaff;
  let editor: SignedInStaff;
  let accounting: SignedInStaff;
  const tipIds: string[] = [];
  const wrongPassword = 'not-the-password-Zq9!';

  /** Every event the log holds, newest first, in one big page. */
  async function everything(): Promise<AuditEventDto[]> {
    const res = await admin.get('/api/audit-events?limit=200');
    expect(res.status).toBe(200);
    return res.body.items;
  }

  /** Follows nextCursor from the first page to the last; returns every item seen. */
  async function allPages(query: string, limit: number): Promise<{ items: AuditEventDto[]; pages: number }> {
    const items: AuditEventDto[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await admin.get(`/api/audit-events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(100);
    } while (cursor);
    return { items, pages };
  }

  beforeAll(async () => {
    t = await startTestApp();
    // Names with LIKE wildcards in them, to show q matches them literally.
    admin = await signedInStaff(t, 'admin', { name: 'Ada Lovelace' });
    editor = await signedInStaff(t, 'editor', { name: 'Ed 100%_Sure' });
    accounting = await signedInStaff(t, 'accounting', { name: 'Bob Ledger' });
    // Two failed sign-ins against the editor's account.
    for (let i = 0; i < 2; i++) {
      const res = await request(t.url).post('/api/auth/login').send({ email: editor.user.email, password: wrongPassword });
      expect(res.status).toBe(401);
    }
    for (const story of ['A fox on the tram', 'Flooded underpass', 'Bins on fire']) {
      const res = await request(t.url)
        .post('/api/tips')
        .send({ story, ...consent });
      expect(res.status).toBe(201);
      tipIds.push((await t.db.query('SELECT id FROM tips WHERE reference = $1', [res.body.reference])).rows[0].id);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  describe('what the log holds', () => {
    it('every event, newest first, with the actor’s name for staff', async () => {
      const items = await everything();
      expect(items.length).toBe(await t.count('audit_events'));
      const times = items.map((item) => Date.parse(item.at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(Object.keys(items[0]).sort()).toEqual(['action', 'actorId', 'actorName', 'actorType', 'after', 'at', 'before', 'entityId', 'entityType', 'id']);

      const adminSignIn = items.find((item) => item.action === 'staff.signed_in' && item.actorId === admin.user.id);
      expect(adminSignIn).toMatchObject({
        actorType: 'staff',
        actorName: 'Ada Lovelace',
        entityType: 'staff_user',
        entityId: admin.user.id,
        before: null,
        after: null,
      });
    });

    it('failed sign-ins are system events about the account, with the reason and never the password', async () => {
      const failures = (await everything()).filter((item) => item.action === 'staff.sign_in_failed');
      expect(failures).toHaveLength(2);
      for (const failure of failures) {
        expect(failure).toMatchObject({ actorType: 'system', actorId: null, actorName: null, entityType: 'staff_user', entityId: editor.user.id });
        expect(failure.after).toMatchObject({ reason: 'password' });
      }
      expect(JSON.stringify(await everything())).not.toContain(wrongPassword);
    });

    it('a posted tip is a contributor’s event, with no staff name', async () => {
      const created = (await everything()).filter((item) => item.action === 'tip.created');
      expect(created.map((item) => item.entityId).sort()).toEqual([...tipIds].sort());
      for (const item of created) {
        expect(item).toMatchObject({ actorType: 'contributor', actorName: null, entityType: 'tip' });
        expect(item.after).toMatchObject({ channel: 'api', mediaCount: 0 });
      }
    });
  });

  describe('filters', () => {
    it('action: exactly that action', async () => {
      const res = await admin.get('/api/audit-events?action=tip.created');
      expect(res.body.items).toHaveLength(3);
      expect(res.body.items.every((item: AuditEventDto) => item.action === 'tip.created')).toBe(true);
      expect((await admin.get('/api/audit-events?action=tip')).body.items).toEqual([]);
    });

    it('actorId: one person’s actions', async () => {
      const { items } = (await admin.get(`/api/audit-events?actorId=${admin.user.id}`)).body;
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((item: AuditEventDto) => item.actorId === admin.user.id)).toBe(true);
    });

    it('actorType: only the system’s events', async () => {
      const { items } = (await admin.get('/api/audit-events?actorType=system')).body;
      expect(items.map((item: AuditEventDto) => item.actorType)).toEqual(items.map(() => 'system'));
      expect(items.filter((item: AuditEventDto) => item.action === 'staff.sign_in_failed')).toHaveLength(2);
    });

    it('entityType and entityId: one thing’s events', async () => {
      const tips = (await admin.get('/api/audit-events?entityType=tip')).body.items;
      expect(tips).toHaveLength(3);
      const one = (await admin.get(`/api/audit-events?entityType=tip&entityId=${tipIds[1]}`)).body.items;
      expect(one.map((item: AuditEventDto) => [item.action, item.entityId])).toEqual([['tip.created', tipIds[1]]]);
      const editorsAccount = (await admin.get(`/api/audit-events?entityId=${editor.user.id}`)).body.items;
      expect(editorsAccount.map((item: AuditEventDto) => item.action).sort()).toEqual([
        'staff.created',
        'staff.sign_in_failed',
        'staff.sign_in_failed',
        'staff.signed_in',
      ]);
    });

    it('from and to: a date alone is a whole UTC day; later or earlier finds nothing', async () => {
      const total = await t.count('audit_events');
      expect((await admin.get(`/api/audit-events?from=${today()}&to=${today()}&limit=200`)).body.items).toHaveLength(total);
      expect((await admin.get('/api/audit-events?from=2999-01-01')).body.items).toEqual([]);
      expect((await admin.get('/api/audit-events?to=2000-01-01T00:00:00Z')).body.items).toEqual([]);
      const since = new Date(Date.now() - 3_600_000).toISOString();
      expect((await admin.get(`/api/audit-events?from=${since}&limit=200`)).body.items).toHaveLength(total);
    });

    it('filters combine (AND)', async () => {
      const res = await admin.get(`/api/audit-events?action=staff.signed_in&actorId=${editor.user.id}`);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0]).toMatchObject({ action: 'staff.signed_in', actorName: 'Ed 100%_Sure' });
    });
  });

  describe('q', () => {
    const actionsFor = async (q: string) =>
      ((await admin.get(`/api/audit-events?q=${encodeURIComponent(q)}&limit=200`)).body.items as AuditEventDto[]).map((item) => item.action);

    it('an action prefix', async () => {
      const actions = await actionsFor('staff.sign');
      expect(new Set(actions)).toEqual(new Set(['staff.signed_in', 'staff.sign_in_failed']));
      expect(await actionsFor('TIP.')).toEqual(['tip.created', 'tip.created', 'tip.created']);
    });

    it('part of a staff member’s name or email, in any case', async () => {
      const byName = (await admin.get('/api/audit-events?q=LOVELACE')).body.items as AuditEventDto[];
      expect(byName.length).toBeGreaterThan(0);
      expect(byName.every((item) => item.actorId === admin.user.id)).toBe(true);
      const local = editor.user.email.split('@')[0];
      const byEmail = (await admin.get(`/api/audit-events?q=${encodeURIComponent(local.toUpperCase())}`)).body.items as AuditEventDto[];
      expect(byEmail.length).toBeGreaterThan(0);
      expect(byEmail.every((item) => item.actorId === editor.user.id)).toBe(true);
    });

    it('an entity or actor id', async () => {
      expect(await actionsFor(tipIds[2])).toEqual(['tip.created']);
      const aboutOrByEditor = (await admin.get(`/api/audit-events?q=${editor.user.id}`)).body.items as AuditEventDto[];
      expect(aboutOrByEditor.every((item) => item.entityId === editor.user.id || item.actorId === editor.user.id)).toBe(true);
      expect(aboutOrByEditor.length).toBe(4);
    });

    it('LIKE wildcards in q match only themselves', async () => {
      for (const q of ['%', '_', '100%_', '\\']) {
        const items = (await admin.get(`/api/audit-events?q=${encodeURIComponent(q)}&limit=200`)).body.items as AuditEventDto[];
        const expected = q === '\\' ? [] : items.map(() => editor.user.id);
        expect(items.map((item) => item.actorId)).toEqual(expected);
      }
      expect(await actionsFor('%.created')).toEqual([]);
    });

    it('nothing matching: an empty page', async () => {
      expect((await admin.get('/api/audit-events?q=zebra')).body).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('paging', () => {
    it.each([1, 2, 7, 200])('limit %i: following nextCursor visits every event exactly once, newest first', async (limit) => {
      const full = await everything();
      const { items, pages } = await allPages('', limit);
      expect(items.map((item) => item.id)).toEqual(full.map((item) => item.id));
      expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
      expect(pages).toBe(Math.max(1, Math.ceil(full.length / limit)));
    });

    it('keeps filters across pages', async () => {
      const { items } = await allPages('action=tip.created', 1);
      expect(items.map((item) => item.entityId).sort()).toEqual([...tipIds].sort());
    });

    it('events in the same microsecond, or a microsecond apart, are neither skipped nor repeated', async () => {
      // Events written in one transaction share now(); a Date (milliseconds) cursor would lose some of these.
      const entityId = randomUUID();
      for (const at of [
        '2020-01-01T00:00:00.123456Z',
        '2020-01-01T00:00:00.123456Z',
        '2020-01-01T00:00:00.123456Z',
        '2020-01-01T00:00:00.123457Z',
        '2020-01-01T00:00:00.123455Z',
      ]) {
        // Appended through the hash chain (issue 12), with the time given.
        await t.db.query(
          `WITH head AS (
             UPDATE event_chain_head SET audit_seq = audit_seq + 1, audit_prev_hash = audit_hash,
                    audit_hash = tipdesk_chain_hash(audit_hash, audit_event_canonical(audit_seq + 1, $3::uuid, $2::timestamptz, 'system', NULL, 'test.tick', 'test', $1::uuid, NULL, NULL))
              WHERE id = 1 RETURNING audit_seq, audit_prev_hash, audit_hash)
           INSERT INTO audit_events (id, actor_type, action, entity_type, entity_id, at, seq, prev_hash, hash)
           SELECT $3::uuid, 'system', 'test.tick', 'test', $1::uuid, $2::timestamptz, audit_seq, audit_prev_hash, audit_hash FROM head`,
          [entityId, at, randomUUID()],
        );
      }
      const { items } = await allPages(`entityId=${entityId}`, 1);
      expect(items).toHaveLength(5);
      expect(new Set(items.map((item) => item.id)).size).toBe(5);
      const { items: all } = await allPages('', 3);
      expect(all.filter((item) => item.entityId === entityId)).toHaveLength(5);
      expect(all.length).toBe(await t.count('audit_events'));
    });

    it('a new event arriving between pages does not shift the older pages', async () => {
      const first = (await admin.get('/api/audit-events?limit=2')).body;
      await request(t.url)
        .post('/api/tips')
        .send({ story: 'Late tip', ...consent })
        .expect(201);
      const second = (await admin.get(`/api/audit-events?limit=2&cursor=${first.nextCursor}`)).body;
      const full = await everything();
      const firstIndex = full.findIndex((item) => item.id === first.items[1].id);
      expect(second.items.map((item: AuditEventDto) => item.id)).toEqual(full.slice(firstIndex + 1, firstIndex + 3).map((item) => item.id));
    });
  });

  describe('bad input → 400', () => {
    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=-1', 'limit'],
      [`q=${'x'.repeat(201)}`, 'q'],
      [`action=${'a'.repeat(65)}`, 'action'],
      ['action=DROP%20TABLE', 'action'],
      [`entityType=${'a'.repeat(33)}`, 'entityType'],
      ['actorId=not-a-uuid', 'actorId'],
      ['entityId=123', 'entityId'],
      ['actorType=robot', 'actorType'],
      ['from=yesterday', 'from'],
      ['to=2026-13-45', 'to'],
      [`cursor=${'A'.repeat(201)}`, 'cursor'],
      ['colour=blue', 'colour'],
    ])('%s → 400 naming %s', async (query, field) => {
      const res = await admin.get(`/api/audit-events?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.fields)).toEqual([field]);
    });

    it.each([
      ['garbage', 'not a cursor!'],
      ['base64 of something else', Buffer.from('hello').toString('base64url')],
      ['a real time with a bad id', Buffer.from('2026-01-01T00:00:00.000000Z/xyz').toString('base64url')],
      ['an impossible date', Buffer.from(`2026-02-30T00:00:00.000000Z/${randomUUID()}`).toString('base64url')],
    ])('a bad cursor (%s) → 400 INVALID_CURSOR', async (_what, cursor) => {
      const res = await admin.get(`/api/audit-events?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_CURSOR');
      expect(res.body.fields.cursor).toBeDefined();
    });
  });

  describe('who may read the log', () => {
    it('anonymous → 401', async () => {
      const res = await request(t.url).get('/api/audit-events');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('AUTH_REQUIRED');
    });

    it('editor and accounting → 403', async () => {
      for (const caller of [editor, accounting]) {
        const res = await caller.get('/api/audit-events');
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('FORBIDDEN');
      }
    });

    it('answers are not cached', async () => {
      expect((await admin.get('/api/audit-events')).headers['cache-control']).toBe('no-store');
    });
  });

  describe('AuditService.forEntity (a tip page’s history)', () => {
    it('one thing’s events, oldest first, with actor names', async () => {
      const audit = t.app.get(AuditService);
      const history = await audit.forEntity('staff_user', editor.user.id);
      expect(history.map((item) => item.action)).toEqual(['staff.created', 'staff.signed_in', 'staff.sign_in_failed', 'staff.sign_in_failed']);
      expect(history[1]).toMatchObject({ actorType: 'staff', actorId: editor.user.id, actorName: 'Ed 100%_Sure' });
      expect((await audit.forEntity('tip', tipIds[0])).map((item) => [item.action, item.entityId])).toEqual([['tip.created', tipIds[0]]]);
    });

    it('nothing for another type, an unknown id or a non-id', async () => {
      const audit = t.app.get(AuditService);
      expect(await audit.forEntity('tip', editor.user.id)).toEqual([]);
      expect(await audit.forEntity('tip', randomUUID())).toEqual([]);
      expect(await audit.forEntity('tip', 'not-a-uuid')).toEqual([]);
    });
  });

  it('the app’s database user cannot change or delete an audit event', async () => {
    await expect(t.db.query(`UPDATE audit_events SET action = 'tip.forged'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });
});
