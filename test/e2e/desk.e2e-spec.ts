import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { tipListQuery } from '../../src/desk/tip-list.query.js';
import type { ListTipsQueryDto } from '../../src/desk/dto/tip-query.dto.js';
import { StaffService } from '../../src/staff/staff.service.js';
import { sampleVideo } from '../support/media-samples.js';
import { seedTip as seedTipInto, type SeedTip } from '../support/seed-tips.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };

describe('desk API', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let colleague: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp();
    editor = await signedInStaff(t, 'editor', { name: 'Esther Editor' });
    colleague = await signedInStaff(t, 'editor', { name: 'Colin Colleague' });
  });
  afterAll(async () => {
    await t.close();
  });

  const seedTip = (fields: SeedTip = {}) => seedTipInto(t, fields);

  async function clearTips() {
    await t.db.query('DELETE FROM tips');
    await t.db.query('DELETE FROM contributors');
  }

  const ids = (res: request.Response) => (res.body.items as { id: string }[]).map((i) => i.id);
  const auditOf = async (tipId: string, action?: string) =>
    (
      await t.db.query(
        `SELECT action, actor_id, before, after FROM audit_events WHERE entity_type = 'tip' AND entity_id = $1 ${action ? 'AND action = $2' : ''} ORDER BY at, id`,
        action ? [tipId, action] : [tipId],
      )
    ).rows;

  async function walk(query: string, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res = await editor.get(`/api/tips?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...ids(res));
      cursor = res.body.nextCursor;
      if (!cursor) return seen;
    }
    throw new Error('the cursor chain did not end');
  }

  describe('GET /api/tips: the queue', () => {
    // Oldest first: a … k, one minute apart.
    const tips: Record<string, string> = {};
    beforeAll(async () => {
      await clearTips();
      tips.a = await seedTip({
        story: 'A burst water main has flooded the high street',
        location: 'Peckham, London',
        name: 'Ngozi Okonkwo',
        channel: 'web',
        tags: ['flood', 'roads'],
        media: [{ kind: 'video' }, { kind: 'image' }],
      });
      tips.b = await seedTip({
        story: 'Council meeting ended in a shouting match',
        channel: 'email',
        status: 'in_review',
        assigneeId: editor.user.id,
        tags: ['politics'],
      });
      tips.c = await seedTip({
        story: 'An ambulance got stuck under the railway bridge',
        location: 'Leeds',
        channel: 'whatsapp',
        status: 'verified',
        assigneeId: colleague.user.id,
        media: [{ kind: 'image' }],
      });
      tips.d = await seedTip({ story: 'Prices at the market went up 50% overnight', channel: 'phone', status: 'rejected', tags: ['money'] });
      tips.e = await seedTip({ story: 'Five hundred people queued for the 500 free tickets', channel: 'api', status: 'spam' });
      tips.f = await seedTip({ story: 'The river is flooding the allotments again', channel: 'web', tags: ['flood'], priority: 2 });
      tips.g = await seedTip({ story: `${'Long story. '.repeat(40)}END`, channel: 'web', status: 'used' });
      tips.h = await seedTip({
        story: 'A fox is riding the number 12 tram',
        location: 'Croydon',
        channel: 'web',
        status: 'archived',
        media: [{ kind: 'audio' }],
      });
      tips.i = await seedTip({ story: "Someone wrote it's the 'best' bakery on the wall", channel: 'email', tags: ['roads', 'flood'] });
      tips.j = await seedTip({ story: 'Odd signs: 100%_\\ sure, said the sign', channel: 'web' });
      tips.k = await seedTip({ story: 'A quiet day at the harbour', name: 'Harbour Master', channel: 'web', status: 'in_review', assigneeId: editor.user.id });
    });
    const order = (...letters: string[]) => letters.map((l) => tips[l]);

    it('lists newest first with the fields a queue row needs', async () => {
      const res = await editor.get('/api/tips');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(ids(res)).toEqual(order('k', 'j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a'));
      expect(res.body.nextCursor).toBeNull();
      const a = res.body.items.find((i: { id: string }) => i.id === tips.a);
      expect(a).toEqual({
        id: tips.a,
        reference: expect.stringMatching(/^TD-\d{4}-SEED$/),
        status: 'new',
        channel: 'web',
        createdAt: expect.any(String),
        snippet: 'A burst water main has flooded the high street',
        location: 'Peckham, London',
        contributorName: 'Ngozi Okonkwo',
        assignee: null,
        priority: 0,
        tags: ['flood', 'roads'],
        mediaCount: 2,
        hasVideo: true,
        quarantinedSignature: null,
        // Seeded rows were never processed: no poster yet.
        poster: null,
        duplicateOfId: null,
        version: 1,
        // Nothing happened since this editor last looked (issue 11's queue news).
        news: [],
      });
      const b = res.body.items.find((i: { id: string }) => i.id === tips.b);
      expect(b.assignee).toEqual({ id: editor.user.id, name: 'Esther Editor' });
      const c = res.body.items.find((i: { id: string }) => i.id === tips.c);
      expect(c).toMatchObject({ mediaCount: 1, hasVideo: false });
    });

    it('the snippet is the first 200 characters of the story', async () => {
      const res = await editor.get('/api/tips?status=used');
      expect(res.body.items[0].snippet).toBe('Long story. '.repeat(40).slice(0, 200).trim());
    });

    it('sort=oldest lists oldest first', async () => {
      const res = await editor.get('/api/tips?sort=oldest');
      expect(ids(res)).toEqual(order('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'));
    });

    it('status filter: one status', async () => {
      expect(ids(await editor.get('/api/tips?status=in_review'))).toEqual(order('k', 'b'));
    });

    it('status filter: repeated and comma lists mean "any of"', async () => {
      expect(ids(await editor.get('/api/tips?status=new&status=spam'))).toEqual(order('j', 'i', 'f', 'e', 'a'));
      expect(ids(await editor.get('/api/tips?status=new,spam'))).toEqual(order('j', 'i', 'f', 'e', 'a'));
    });

    it('channel filter', async () => {
      expect(ids(await editor.get('/api/tips?channel=email'))).toEqual(order('i', 'b'));
      expect(ids(await editor.get('/api/tips?channel=phone,api'))).toEqual(order('e', 'd'));
    });

    it('assignee filter: a staff id, me and none', async () => {
      expect(ids(await editor.get(`/api/tips?assignee=${colleague.user.id}`))).toEqual(order('c'));
      expect(ids(await editor.get('/api/tips?assignee=me'))).toEqual(order('k', 'b'));
      expect(ids(await colleague.get('/api/tips?assignee=me'))).toEqual(order('c'));
      expect(ids(await editor.get('/api/tips?assignee=none'))).toEqual(order('j', 'i', 'h', 'g', 'f', 'e', 'd', 'a'));
      expect(ids(await editor.get(`/api/tips?assignee=${randomUUID()}`))).toEqual([]);
    });

    it('hasMedia filter: true and false', async () => {
      expect(ids(await editor.get('/api/tips?hasMedia=true'))).toEqual(order('h', 'c', 'a'));
      expect(ids(await editor.get('/api/tips?hasMedia=false'))).toEqual(order('k', 'j', 'i', 'g', 'f', 'e', 'd', 'b'));
    });

    it('tag filter: every given tag, matched case-insensitively', async () => {
      expect(ids(await editor.get('/api/tips?tag=flood'))).toEqual(order('i', 'f', 'a'));
      expect(ids(await editor.get('/api/tips?tag=FLOOD&tag=roads'))).toEqual(order('i', 'a'));
      expect(ids(await editor.get('/api/tips?tag=flood,politics'))).toEqual([]);
    });

    it('from/to filter: from inclusive, to exclusive, a date alone in `to` takes the whole day', async () => {
      const { rows } = await t.db.query(`SELECT id, created_at FROM tips WHERE id = ANY($1) ORDER BY created_at`, [order('c', 'e')]);
      const [c, e] = rows.map((r) => (r.created_at as Date).toISOString());
      expect(ids(await editor.get(`/api/tips?from=${c}&to=${e}`))).toEqual(order('d', 'c'));
      expect(ids(await editor.get('/api/tips?from=2026-01-01&to=2026-01-01'))).toHaveLength(11);
      expect(ids(await editor.get('/api/tips?to=2025-12-31'))).toEqual([]);
    });

    it('filters combine (status + tag + channel)', async () => {
      expect(ids(await editor.get('/api/tips?status=new&tag=flood&channel=web'))).toEqual(order('f', 'a'));
    });

    it.each(['newest', 'oldest'])('keyset pages (sort=%s) cover every row exactly once, in order', async (sort) => {
      const all = ids(await editor.get(`/api/tips?limit=100&sort=${sort}`));
      expect(all).toHaveLength(11);
      for (const limit of [1, 2, 3, 5, 10, 11]) expect(await walk(`sort=${sort}`, limit)).toEqual(all);
    });

    it('keyset pages break ties on created_at by id', async () => {
      const same = '2027-03-03T03:03:03.123456Z';
      const twins = [await seedTip({ createdAt: same }), await seedTip({ createdAt: same }), await seedTip({ createdAt: same })];
      try {
        const newest = await walk('sort=newest', 1);
        expect(newest.slice(0, 3)).toEqual([...twins].sort().reverse());
        expect(new Set(newest).size).toBe(14);
        const oldest = await walk('sort=oldest', 2);
        expect(oldest.slice(-3)).toEqual([...twins].sort());
        expect(new Set(oldest).size).toBe(14);
      } finally {
        await t.db.query('DELETE FROM tips WHERE id = ANY($1)', [twins]);
      }
    });

    it('keyset pages with a filter stay within the filter', async () => {
      expect(await walk('hasMedia=false', 3)).toEqual(order('k', 'j', 'i', 'g', 'f', 'e', 'd', 'b'));
    });

    it('both ways of finding a page (walk the index, sort the matches) give the same rows', async () => {
      const cases: ListTipsQueryDto[] = [
        {},
        { sort: 'oldest' },
        { q: 'flood' },
        { q: 'the' },
        { q: 'ambul' },
        { q: 'okonkwo' },
        { q: 'the', status: ['new', 'spam'] },
        { tag: ['flood'] },
        { hasMedia: true, sort: 'oldest' },
        { assignee: 'me' },
        { q: 'the', limit: 2 },
      ];
      for (const filters of cases) {
        const rowsOf = async (strategy: 'walk' | 'sort-matches') => {
          const { sql, params } = tipListQuery(filters, editor.user.id, strategy);
          return (await t.db.query(sql, params)).rows.map((r) => r.id);
        };
        const walked = await rowsOf('walk');
        expect([filters, await rowsOf('sort-matches')]).toEqual([filters, walked]);
      }
    });

    it('the last full page says there is no next page', async () => {
      const res = await editor.get('/api/tips?limit=11');
      expect(res.body.items).toHaveLength(11);
      expect(res.body.nextCursor).toBeNull();
    });

    describe('search (q)', () => {
      it('a word, stemmed (flooding finds flooded)', async () => {
        expect(ids(await editor.get('/api/tips?q=flooding'))).toEqual(order('f', 'a'));
      });

      it('part of a word (ambul)', async () => {
        expect(ids(await editor.get('/api/tips?q=ambul'))).toEqual(order('c'));
      });

      it('several parts of words, in any order (tra fox)', async () => {
        expect(ids(await editor.get('/api/tips?q=tra%20fox'))).toEqual(order('h'));
      });

      it('a short word (under 3 characters) only narrows what the longer words find (12 tra)', async () => {
        expect(ids(await editor.get('/api/tips?q=12%20tra'))).toEqual(order('h'));
        expect(ids(await editor.get('/api/tips?q=99%20tra'))).toEqual([]);
      });

      it('the contributor name, whole or part', async () => {
        expect(ids(await editor.get('/api/tips?q=Okonkwo'))).toEqual(order('a'));
        expect(ids(await editor.get('/api/tips?q=ngoz'))).toEqual(order('a'));
      });

      it('the location, whole or part', async () => {
        expect(ids(await editor.get('/api/tips?q=Peckham'))).toEqual(order('a'));
        expect(ids(await editor.get('/api/tips?q=croyd'))).toEqual(order('h'));
      });

      it('web-search syntax: a phrase and a minus', async () => {
        expect(ids(await editor.get(`/api/tips?q=${encodeURIComponent('"water main"')}`))).toEqual(order('a'));
        expect(ids(await editor.get(`/api/tips?q=${encodeURIComponent('flood -river')}`))).toEqual(order('a'));
      });

      it('search combines with the other filters', async () => {
        expect(ids(await editor.get('/api/tips?q=flood&hasMedia=false'))).toEqual(order('f'));
      });

      it('search results page with the cursor too', async () => {
        expect(await walk('q=the', 1)).toEqual(ids(await editor.get('/api/tips?q=the&limit=100')));
      });

      it("q = '; DROP TABLE tips; -- is just text: 200, and the table is still there", async () => {
        const res = await editor.get(`/api/tips?q=${encodeURIComponent("'; DROP TABLE tips; --")}`);
        expect(res.status).toBe(200);
        expect(await t.count('tips')).toBe(11);
      });

      it('q with quotes is just text', async () => {
        for (const q of [`it's`, `'best'`, `"unterminated`, `"`, `'`, `''`]) {
          const res = await editor.get(`/api/tips?q=${encodeURIComponent(q)}`);
          expect(res.status).toBe(200);
        }
        expect(ids(await editor.get(`/api/tips?q=${encodeURIComponent("it's")}`))).toContain(tips.i);
      });

      it('q with % _ and \\ matches them literally, not as wildcards', async () => {
        expect(ids(await editor.get(`/api/tips?q=${encodeURIComponent('50%')}`))).toEqual(order('d'));
        expect(ids(await editor.get(`/api/tips?q=${encodeURIComponent('%_\\')}`))).toEqual(order('j'));
        expect(ids(await editor.get(`/api/tips?q=${encodeURIComponent('%%%')}`))).toEqual([]);
        expect(ids(await editor.get(`/api/tips?q=${encodeURIComponent('___')}`))).toEqual([]);
      });

      it('q of only stop words or punctuation finds nothing, without an error', async () => {
        for (const q of ['!!!', '&', '|', '<->', ':*']) {
          const res = await editor.get(`/api/tips?q=${encodeURIComponent(q)}`);
          expect(res.status).toBe(200);
          expect(res.body.items).toEqual([]);
        }
      });

      it('q of 200 characters is fine', async () => {
        const res = await editor.get(`/api/tips?q=${'ab '.repeat(66)}ab`);
        expect(res.status).toBe(200);
      });

      it('q of 201 characters: 400 naming q', async () => {
        const res = await editor.get(`/api/tips?q=${'a'.repeat(201)}`);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.fields.q).toEqual(['q is longer than 200 characters']);
      });

      it('q of 12,000 characters: 400 naming q', async () => {
        const res = await editor.get(`/api/tips?q=${'a'.repeat(12_000)}`);
        expect(res.status).toBe(400);
        expect(res.body.fields.q).toBeDefined();
      });

      it('q of a megabyte: 431 (Node refuses the headers) and the server still answers', async () => {
        const res = await editor.get(`/api/tips?q=${'a'.repeat(1024 * 1024)}`);
        expect(res.status).toBe(431);
        expect((await editor.get('/api/tips?q=fox')).status).toBe(200);
      });

      it('q given twice: 400', async () => {
        const res = await editor.get('/api/tips?q=fox&q=tram');
        expect(res.status).toBe(400);
        expect(res.body.fields.q).toBeDefined();
      });
    });

    describe('bad cursors: 400 INVALID_CURSOR', () => {
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      it.each([
        ['garbage', 'not-a-cursor'],
        ['base64 of junk', b64('hello world')],
        ['a date that does not exist', b64(`2026-02-30T10:00:00.000000Z/${randomUUID()}`)],
        ['an id that is not a uuid', b64('2026-02-01T10:00:00.000000Z/1 OR 1=1')],
        ['standard base64 with padding', Buffer.from(`2026-02-01T10:00:00.000000Z/${randomUUID()}`).toString('base64')],
      ])('%s', async (_name, cursor) => {
        const res = await editor.get(`/api/tips?cursor=${encodeURIComponent(cursor)}`);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('INVALID_CURSOR');
      });

      it('a cursor over 200 characters: 400', async () => {
        const res = await editor.get(`/api/tips?cursor=${'A'.repeat(300)}`);
        expect(res.status).toBe(400);
        expect(res.body.fields.cursor).toBeDefined();
      });
    });

    describe('bad filters: 400 naming the filter', () => {
      it.each([
        ['an unknown status', 'status=open', 'status'],
        ['an unknown status in a list', 'status=new,open', 'status'],
        ['an unknown channel', 'channel=fax', 'channel'],
        ['assignee that is neither a uuid, me nor none', 'assignee=bob', 'assignee'],
        ['hasMedia=maybe', 'hasMedia=maybe', 'hasMedia'],
        ['a tag with an underscore', 'tag=road_closure', 'tag'],
        ['a tag over 40 characters', `tag=${'x'.repeat(41)}`, 'tag'],
        ['from that is not a date', 'from=yesterday', 'from'],
        ['to that is not a date', 'to=2026-13-45', 'to'],
        ['sort=random', 'sort=random', 'sort'],
        ['limit=0', 'limit=0', 'limit'],
        ['limit=101', 'limit=101', 'limit'],
        ['limit=ten', 'limit=ten', 'limit'],
        ['limit=1.5', 'limit=1.5', 'limit'],
        ['an unknown parameter', 'owner=me', 'owner'],
      ])('%s', async (_name, query, field) => {
        const res = await editor.get(`/api/tips?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(Object.keys(res.body.fields)).toEqual([field]);
      });
    });
  });

  describe('GET /api/tips/:id: one tip', () => {
    it('a non-uuid id: 400', async () => {
      const res = await editor.get('/api/tips/12345');
      expect(res.status).toBe(400);
      expect(res.body.fields.id).toBeDefined();
    });

    it('an unknown id: 404 TIP_NOT_FOUND', async () => {
      const res = await editor.get(`/api/tips/${randomUUID()}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('TIP_NOT_FOUND');
    });

    it('shows the whole tip with the contact details decrypted, consents, media and history', async () => {
      const receipt = await request(t.url)
        .post('/api/tips')
        .field('story', 'The pier is on fire, I filmed it')
        .field('name', 'Pat Reader')
        .field('email', 'pat@example.org')
        .field('phone', '+44 7700 900123')
        .field('location', 'Brighton')
        .field('occurredAt', '2026-05-01T18:30:00Z')
        .field('licence', 'exclusive')
        .field('consentTerms', 'true')
        .field('consentOwnWork', 'true')
        .field('consentOver18', 'true')
        .attach('files', sampleVideo(), { filename: 'pier.mp4' });
      expect(receipt.status).toBe(201);
      const {
        rows: [{ id, email_encrypted }],
      } = await t.db.query(`SELECT t.id, c.email_encrypted FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.reference = $1`, [
        receipt.body.reference,
      ]);
      expect(email_encrypted).not.toContain('pat@example.org');

      const res = await editor.get(`/api/tips/${id}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({
        id,
        reference: receipt.body.reference,
        status: 'new',
        allowedStatuses: ['in_review', 'rejected', 'spam', 'archived'],
        channel: 'api',
        story: 'The pier is on fire, I filmed it',
        location: 'Brighton',
        occurredAt: '2026-05-01T18:30:00.000Z',
        contributor: { name: 'Pat Reader', email: 'pat@example.org', phone: '+44 7700 900123' },
        assignee: null,
        duplicateOf: null,
        duplicateHints: [],
        notes: [],
        messages: [],
        version: 1,
      });
      expect(res.body.consents).toEqual([expect.objectContaining({ licence: 'exclusive', ownWork: true, over18: true, channel: 'api' })]);
      expect(res.body.media).toHaveLength(1);
      const [media] = res.body.media;
      expect(media).toMatchObject({
        displayFilename: 'pier.mp4',
        sniffedType: 'video/mp4',
        kind: 'video',
        sizeBytes: sampleVideo().length,
        state: 'stored',
        hasThumbnail: false,
      });
      expect(media.contentUrl).toBe(`/api/media/${media.id}/content`);
      expect(res.body.history).toEqual([expect.objectContaining({ action: 'tip.created', actorType: 'contributor' })]);
    });

    it('duplicate hints: other tips holding the same video (same sha256), both ways', async () => {
      const post = (story: string) =>
        request(t.url)
          .post('/api/tips')
          .field('story', story)
          .field('consentTerms', 'true')
          .field('consentOwnWork', 'true')
          .field('consentOver18', 'true')
          .attach('files', sampleVideo(), { filename: 'same.mp4' });
      const first = (await post('Video of the crash, first sender')).body.reference;
      const second = (await post('Video of the crash, second sender')).body.reference;
      const third = await request(t.url)
        .post('/api/tips')
        .send({ story: 'No video here', ...consent });
      const idOf = async (reference: string) => (await t.db.query('SELECT id FROM tips WHERE reference = $1', [reference])).rows[0].id as string;
      const [firstId, secondId, thirdId] = [await idOf(first), await idOf(second), await idOf(third.body.reference)];

      const hintsOf = async (id: string) => (await editor.get(`/api/tips/${id}`)).body.duplicateHints as { id: string; reference: string }[];
      const secondHints = await hintsOf(secondId);
      expect(secondHints).toEqual(expect.arrayContaining([{ id: firstId, reference: first, status: 'new', sharedFiles: 1 }]));
      expect(secondHints.map((h) => h.id)).not.toContain(secondId);
      expect((await hintsOf(firstId)).map((h) => h.id)).toContain(secondId);
      expect(await hintsOf(thirdId)).toEqual([]);
    });
  });

  describe('POST /api/tips/next: claim', () => {
    beforeEach(clearTips);

    // Which tip a claim takes, and what it writes, runs on DeskService in test/service/desk.service-spec.ts.

    it('an empty queue: 404 QUEUE_EMPTY with a friendly message', async () => {
      await seedTip({ status: 'in_review' });
      const res = await editor.post('/api/tips/next');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'QUEUE_EMPTY', message: expect.stringMatching(/no new tips/i) });
    });

    it('without the CSRF token: 403', async () => {
      await seedTip();
      const res = await request(t.url).post('/api/tips/next').set('Cookie', editor.cookie);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('CSRF_TOKEN_INVALID');
      expect((await t.db.query(`SELECT status FROM tips`)).rows).toEqual([{ status: 'new' }]);
    });
  });

  describe('PATCH /api/tips/:id', () => {
    let tipId: string;
    beforeEach(async () => {
      tipId = await seedTip({ story: 'A tip to work on' });
    });
    const patch = (body: Record<string, unknown>, id = tipId) => editor.patch(`/api/tips/${id}`).send(body);
    const row = async (id = tipId) =>
      (await t.db.query('SELECT status, assignee_id, tags, priority, duplicate_of_id, version FROM tips WHERE id = $1', [id])).rows[0];

    it('changes the status, bumps the version and writes tip.status_changed with before/after', async () => {
      const res = await patch({ status: 'in_review', version: 1 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: tipId, status: 'in_review', version: 2, allowedStatuses: ['verified', 'rejected', 'spam', 'archived'] });
      expect(await auditOf(tipId)).toEqual([
        { action: 'tip.status_changed', actor_id: editor.user.id, before: { status: 'new' }, after: { status: 'in_review' } },
      ]);
      expect(res.body.history).toEqual([expect.objectContaining({ action: 'tip.status_changed', actorName: 'Esther Editor' })]);
    });

    it('a stale version: 409 TIP_STALE_VERSION with the current tip, nothing changed', async () => {
      expect((await patch({ priority: 2, version: 1 })).status).toBe(200);
      const res = await patch({ status: 'spam', version: 1 });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('TIP_STALE_VERSION');
      expect(res.body.current).toMatchObject({ id: tipId, status: 'new', priority: 2, version: 2 });
      expect(res.body.current.history).toHaveLength(1);
      expect(await row()).toMatchObject({ status: 'new', version: 2 });
      expect(await auditOf(tipId, 'tip.status_changed')).toEqual([]);
    });

    it('an unknown tip: 404 TIP_NOT_FOUND', async () => {
      const res = await patch({ status: 'in_review', version: 1 }, randomUUID());
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('TIP_NOT_FOUND');
    });

    it('a non-uuid id: 400', async () => {
      const res = await patch({ status: 'in_review', version: 1 }, 'nope');
      expect(res.status).toBe(400);
      expect(res.body.fields.id).toBeDefined();
    });

    it("an unknown status: 409 TIP_UNKNOWN_STATUS naming the statuses, with the tip's state and moves; nothing changed, not even the other fields", async () => {
      const res = await patch({ status: 'published', priority: 3, tags: ['floods'], version: 1 });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        code: 'TIP_UNKNOWN_STATUS',
        message:
          'There is no status "published": a tip\'s statuses are new, in_review, verified, used, rejected, spam, archived, erased. From new it may go to in_review, rejected, spam, archived.',
        from: 'new',
        to: 'published',
        allowed: ['in_review', 'rejected', 'spam', 'archived'],
        statuses: ['new', 'in_review', 'verified', 'used', 'rejected', 'spam', 'archived', 'erased'],
      });
      expect(await row()).toMatchObject({ status: 'new', priority: 0, tags: [], version: 1 });
      expect(await auditOf(tipId, 'tip.status_changed')).toEqual([]);
      expect(await auditOf(tipId, 'tip.priority_changed')).toEqual([]);
    });

    it.each([
      ['a number', 3],
      ['a list', ['in_review']],
      ['an object', { status: 'in_review' }],
      ['a value of 41 characters', 'x'.repeat(41)],
      ['a value of 50,000 characters', 'x'.repeat(50_000)],
    ])('a status that is %s: 400 naming status, nothing changed', async (_name, status) => {
      const res = await patch({ status, version: 1 });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['status']);
      expect(await row()).toMatchObject({ status: 'new', version: 1 });
    });

    it('status null: 400', async () => {
      const res = await patch({ status: null, version: 1 });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['status']);
    });

    it('an illegal transition (new → used): 409 TIP_ILLEGAL_TRANSITION naming from and to', async () => {
      const res = await patch({ status: 'used', version: 1 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'TIP_ILLEGAL_TRANSITION', from: 'new', to: 'used', allowed: ['in_review', 'rejected', 'spam', 'archived'] });
      expect(res.body.message).toContain('from new to used');
      expect(await row()).toMatchObject({ status: 'new', version: 1 });
    });

    it('assign to a disabled editor: 400 ASSIGNEE_NOT_ASSIGNABLE', async () => {
      const gone = await signedInStaff(t, 'editor');
      await t.app.get(StaffService).update({ ...editor.user, totpEnabled: false } as never, gone.user.id, { disabled: true });
      const res = await patch({ assigneeId: gone.user.id, version: 1 });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'ASSIGNEE_NOT_ASSIGNABLE', fields: { assigneeId: ['This staff account is disabled'] } });
      expect(await row()).toMatchObject({ assignee_id: null, version: 1 });
    });

    it('assign to an unknown staff id: 404 STAFF_NOT_FOUND', async () => {
      const res = await patch({ assigneeId: randomUUID(), version: 1 });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('STAFF_NOT_FOUND');
      expect(await row()).toMatchObject({ assignee_id: null, version: 1 });
    });

    it('assign to something that is not a uuid: 400', async () => {
      const res = await patch({ assigneeId: 'colin', version: 1 });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['assigneeId']);
    });

    it('tags are trimmed, lower-cased and deduplicated; tip.tags_changed has before/after', async () => {
      const res = await patch({ tags: [' Flood ', 'FLOOD', 'Road  Closure', 'a-1'], version: 1 });
      expect(res.status).toBe(200);
      expect(res.body.tags).toEqual(['flood', 'road closure', 'a-1']);
      expect(await auditOf(tipId, 'tip.tags_changed')).toEqual([
        expect.objectContaining({ before: { tags: [] }, after: { tags: ['flood', 'road closure', 'a-1'] } }),
      ]);
    });

    it.each([
      ['a tag with an underscore', ['road_closure']],
      ['a tag with an emoji', ['fire🔥']],
      ['an empty tag', ['  ']],
      ['a tag over 40 characters', ['x'.repeat(41)]],
      ['21 tags', Array.from({ length: 21 }, (_, i) => `tag ${i}`)],
      ['tags that are not strings', [1, 2]],
      ['tags that are not a list', 'flood'],
    ])('%s: 400 naming tags', async (_name, tags) => {
      const res = await patch({ tags, version: 1 });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields).every((f) => f.startsWith('tags'))).toBe(true);
      expect(await row()).toMatchObject({ tags: [], version: 1 });
    });

    it('priority 0–3; tip.priority_changed', async () => {
      const res = await patch({ priority: 3, version: 1 });
      expect(res.body.priority).toBe(3);
      expect(await auditOf(tipId, 'tip.priority_changed')).toEqual([expect.objectContaining({ before: { priority: 0 }, after: { priority: 3 } })]);
    });

    it.each([
      ['4', 4],
      ['-1', -1],
      ['1.5', 1.5],
      ['"high"', 'high'],
    ])('priority %s: 400', async (_name, priority) => {
      const res = await patch({ priority, version: 1 });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['priority']);
    });

    it('no version: 400', async () => {
      const res = await patch({ status: 'in_review' });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['version']);
    });

    it('an unknown field: 400', async () => {
      const res = await patch({ story: 'rewritten', version: 1 });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ story: ['This field is not allowed'] });
    });

    // The state machine's and the assignment's rule tables run on DeskService in test/service/desk.service-spec.ts.

    describe('duplicateOfId', () => {
      it('marks and clears a duplicate; the detail shows the other tip; tip.marked_duplicate', async () => {
        const original = await seedTip({ story: 'The original' });
        const res = await patch({ duplicateOfId: original, version: 1 });
        expect(res.status).toBe(200);
        expect(res.body.duplicateOfId).toBe(original);
        expect(res.body.duplicateOf).toMatchObject({ id: original, status: 'new', reference: expect.stringMatching(/^TD-/) });
        expect((await editor.get(`/api/tips?status=new&limit=100`)).body.items.find((i: { id: string }) => i.id === tipId).duplicateOfId).toBe(original);
        const cleared = await patch({ duplicateOfId: null, version: 2 });
        expect(cleared.body.duplicateOf).toBeNull();
        expect(await auditOf(tipId, 'tip.marked_duplicate')).toEqual([
          expect.objectContaining({ before: { duplicateOfId: null }, after: { duplicateOfId: original } }),
          expect.objectContaining({ before: { duplicateOfId: original }, after: { duplicateOfId: null } }),
        ]);
      });

      it('itself: 400 DUPLICATE_OF_ITSELF', async () => {
        const res = await patch({ duplicateOfId: tipId, version: 1 });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('DUPLICATE_OF_ITSELF');
      });

      it('an unknown tip: 400 DUPLICATE_OF_UNKNOWN_TIP', async () => {
        const res = await patch({ duplicateOfId: randomUUID(), version: 1 });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('DUPLICATE_OF_UNKNOWN_TIP');
      });

      it('a cycle (A → B → C, then C → A): 409 TIP_DUPLICATE_CYCLE', async () => {
        const b = await seedTip();
        const c = await seedTip();
        expect((await patch({ duplicateOfId: b, version: 1 })).status).toBe(200);
        expect((await patch({ duplicateOfId: c, version: 1 }, b)).status).toBe(200);
        const res = await patch({ duplicateOfId: tipId, version: 1 }, c);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('TIP_DUPLICATE_CYCLE');
        expect(await row(c)).toMatchObject({ duplicate_of_id: null, version: 1 });
      });

      it('not a uuid: 400', async () => {
        const res = await patch({ duplicateOfId: 'TD-1234-5678', version: 1 });
        expect(res.status).toBe(400);
        expect(Object.keys(res.body.fields)).toEqual(['duplicateOfId']);
      });
    });
  });

  describe('notes and messages', () => {
    let tipId: string;
    beforeAll(async () => {
      tipId = await seedTip({ channel: 'whatsapp' });
    });

    it('POST notes: 201 with the author; shown in the detail; audited without its text', async () => {
      const text = 'Called the council press office: they confirm the closure';
      const res = await editor.post(`/api/tips/${tipId}/notes`).send({ body: `  ${text}  ` });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ tipId, body: text, author: { id: editor.user.id, name: 'Esther Editor' }, createdAt: expect.any(String) });
      const detail = await colleague.get(`/api/tips/${tipId}`);
      expect(detail.body.notes).toEqual([res.body]);
      const events = await auditOf(tipId, 'tip.note_added');
      expect(events).toEqual([{ action: 'tip.note_added', actor_id: editor.user.id, before: null, after: { noteId: res.body.id } }]);
      expect(JSON.stringify(events)).not.toContain('council');
      expect(t.logs.join('')).not.toContain('council press office');
      expect(detail.body.version).toBe(1);
    });

    it('a note of 10,000 characters is fine', async () => {
      const res = await editor.post(`/api/tips/${tipId}/notes`).send({ body: 'n'.repeat(10_000) });
      expect(res.status).toBe(201);
    });

    it('a note over 10,000 characters: 400, nothing stored', async () => {
      const before = await t.count('notes');
      const res = await editor.post(`/api/tips/${tipId}/notes`).send({ body: 'n'.repeat(10_001) });
      expect(res.status).toBe(400);
      expect(res.body.fields.body).toEqual(['A note can be at most 10000 characters']);
      expect(await t.count('notes')).toBe(before);
    });

    it('an empty note: 400, nothing stored', async () => {
      const before = await t.count('notes');
      for (const body of ['', '   ', undefined, 42]) {
        const res = await editor.post(`/api/tips/${tipId}/notes`).send({ body });
        expect(res.status).toBe(400);
      }
      expect(await t.count('notes')).toBe(before);
    });

    it('a note on an unknown tip: 404, nothing stored', async () => {
      const before = await t.count('notes');
      const res = await editor.post(`/api/tips/${randomUUID()}/notes`).send({ body: 'hello' });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('TIP_NOT_FOUND');
      expect(await t.count('notes')).toBe(before);
    });

    it("POST messages: 201, to the contributor on the tip's channel, by the caller; audited", async () => {
      const res = await colleague.post(`/api/tips/${tipId}/messages`).send({ body: 'Could you send the original file?' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        tipId,
        direction: 'to_contributor',
        channel: 'whatsapp',
        body: 'Could you send the original file?',
        author: { id: colleague.user.id, name: 'Colin Colleague' },
      });
      expect((await editor.get(`/api/tips/${tipId}`)).body.messages).toEqual([res.body]);
      expect(await auditOf(tipId, 'tip.message_sent')).toEqual([
        { action: 'tip.message_sent', actor_id: colleague.user.id, before: null, after: { messageId: res.body.id, channel: 'whatsapp' } },
      ]);
    });

    it('a message over 5,000 characters: 400, nothing stored', async () => {
      const before = await t.count('messages');
      const res = await editor.post(`/api/tips/${tipId}/messages`).send({ body: 'm'.repeat(5_001) });
      expect(res.status).toBe(400);
      expect(res.body.fields.body).toEqual(['A message can be at most 5000 characters']);
      expect(await t.count('messages')).toBe(before);
    });

    it('a message with an extra field (direction): 400, nothing stored', async () => {
      const before = await t.count('messages');
      const res = await editor.post(`/api/tips/${tipId}/messages`).send({ body: 'hi', direction: 'from_contributor' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ direction: ['This field is not allowed'] });
      expect(await t.count('messages')).toBe(before);
    });

    it('a message to an unknown tip: 404', async () => {
      const res = await editor.post(`/api/tips/${randomUUID()}/messages`).send({ body: 'hello' });
      expect(res.status).toBe(404);
    });
  });

  describe('who may use the desk', () => {
    let tipId: string;
    beforeAll(async () => {
      tipId = await seedTip();
    });
    const routes = () =>
      [
        ['GET', '/api/tips'],
        ['GET', `/api/tips/${tipId}`],
        ['POST', '/api/tips/next'],
        ['PATCH', `/api/tips/${tipId}`],
        ['POST', `/api/tips/${tipId}/notes`],
        ['POST', `/api/tips/${tipId}/messages`],
      ] as const;
    const send = (caller: SignedInStaff | undefined, method: string, path: string) => {
      const body = method === 'PATCH' ? { status: 'spam', version: 1 } : { body: 'hello' };
      if (!caller) {
        const req = method === 'GET' ? request(t.url).get(path) : method === 'PATCH' ? request(t.url).patch(path) : request(t.url).post(path);
        return method === 'GET' ? req : req.send(body);
      }
      if (method === 'GET') return caller.get(path);
      return (method === 'PATCH' ? caller.patch(path) : caller.post(path)).send(body);
    };

    it('an accounting user: 403 on every desk route, nothing changed', async () => {
      const accountant = await signedInStaff(t, 'accounting');
      for (const [method, path] of routes()) {
        const res = await send(accountant, method, path);
        expect([method, path, res.status]).toEqual([method, path, 403]);
      }
      expect((await t.db.query('SELECT status, version FROM tips WHERE id = $1', [tipId])).rows[0]).toEqual({ status: 'new', version: 1 });
    });

    it('an anonymous caller: 401 on every desk route', async () => {
      for (const [method, path] of routes()) {
        const res = await send(undefined, method, path);
        expect([method, path, res.status, res.body.code]).toEqual([method, path, 401, 'AUTH_REQUIRED']);
      }
    });

    it('an admin may use the desk', async () => {
      const admin = await signedInStaff(t, 'admin');
      expect((await admin.get('/api/tips')).status).toBe(200);
      expect((await admin.get(`/api/tips/${tipId}`)).status).toBe(200);
    });
  });

  it('the OpenAPI document describes the desk routes with their DTOs', async () => {
    const res = await request(t.url).get('/api/docs/openapi.json');
    const paths = res.body.paths;
    expect(paths['/api/tips'].get.tags).toEqual(['desk']);
    expect(paths['/api/tips/next'].post.responses['404'].description).toContain('QUEUE_EMPTY');
    expect(paths['/api/tips/{id}'].patch.responses['409'].description).toContain('TIP_STALE_VERSION');
    expect(res.body.components.schemas.TipDetailDto.properties.duplicateHints).toBeDefined();
    expect(res.body.components.schemas.TipPageDto.properties.nextCursor).toBeDefined();
  });
});
