// Issue 15: while PostgreSQL could not be reached every request answered 500 INTERNAL_ERROR
// ("something went wrong on our side"), which says neither "not your fault" nor "try again".
// Now: 503 DATABASE_UNAVAILABLE with Retry-After (JSON), a page in words for browsers, and a tip
// sent during the outage leaves nothing behind. The outage is this file's own database refusing
// connections (ALLOW_CONNECTIONS false, the app's connections cut): the shared server runs on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { CONSENT } from '../support/fixtures.js';
import { sampleVideo } from '../support/media-samples.js';
import { signedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('database outage: 503 DATABASE_UNAVAILABLE, nothing half-stored', () => {
  let t: TestApp;
  let admin: pg.Client;
  let name: string;

  beforeAll(async () => {
    t = await startTestApp();
    name = new URL(t.databaseUrl).pathname.slice(1);
    admin = new pg.Client({ connectionString: process.env.TIPDESK_TEST_ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end();
    await t?.close();
  });
  afterEach(async () => {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  });

  /** The database goes away for the app: new connections refused, open ones cut. */
  async function outage(): Promise<void> {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  }

  /** Counted from outside the app (the test's own pool was cut too). */
  async function count(table: string): Promise<number> {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      return Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    } finally {
      await client.end();
    }
  }

  it('POST /api/tips (JSON) during the outage: 503 DATABASE_UNAVAILABLE with Retry-After; after it, the same tip goes in (201)', async () => {
    const tips = await count('tips');
    await outage();
    const res = await request(t.url)
      .post('/api/tips')
      .send({ story: 'The bridge is closed', ...CONSENT });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('try again') });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/tipdesk_test_|ECONN|pg_|accepting connections/);

    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await request(t.url)
      .post('/api/tips')
      .send({ story: 'The bridge is closed', ...CONSENT })
      .expect(201);
    expect(await count('tips')).toBe(tips + 1);
  });

  it('a multipart tip with a video during the outage: 503, and no tip, no media row and no blob once it is back', async () => {
    const [tips, media, blobs] = [await count('tips'), await count('media'), await t.blobFiles()];
    await outage();
    const res = await request(t.url)
      .post('/api/tips')
      .field('story', 'Filmed it')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .attach('files', sampleVideo(), { filename: 'clip.mp4', contentType: 'video/mp4' });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    expect(await count('tips')).toBe(tips);
    expect(await count('media')).toBe(media);
    expect(await t.blobFiles()).toEqual(blobs);
  });

  it('the tip form posted during the outage: 503, the form again with the reason in words, not JSON or a stack trace', async () => {
    await outage();
    const form = await request(t.url)
      .post('/')
      .set('Accept', 'text/html')
      .type('form')
      .send({ story: 'The bridge is closed', consentTerms: 'true', consentOwnWork: 'true', consentOver18: 'true' });
    expect(form.status).toBe(503);
    expect(form.headers['content-type']).toMatch(/text\/html/);
    expect(form.text).toContain('We cannot reach our database for a moment');
    expect(form.text).not.toMatch(/at .*\.js:\d+|INTERNAL_ERROR/);
  });

  it("staff API and the desk's pages during the outage: 503 DATABASE_UNAVAILABLE, not 500; the desk page in words", async () => {
    const editor = await signedInStaff(t, 'editor');
    await outage();
    const res = await editor.get('/api/tips');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
    const page = await request(t.url).get('/desk').set('Cookie', editor.cookie);
    expect(page.status).toBe(503);
    expect(page.text).toContain('We cannot reach our database for a moment');
  });
});
