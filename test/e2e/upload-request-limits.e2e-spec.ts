import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest, type ClientRequest } from 'node:http';
import request from 'supertest';
import { loadConfig } from '../../src/config/app-config.js';
import { MB, mp4Of, sha256, TUS } from '../support/resumable-upload-cases.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

// Issue 15: at most UPLOADS_CONCURRENT_PER_CLIENT tus requests in flight per address group, and
// a PATCH body slower than UPLOAD_MIN_BYTES_PER_SECOND over a window is cut (resumable).
describe('/api/uploads request limits', () => {
  let t: TestApp;
  const open: { req: ClientRequest; timer?: NodeJS.Timeout }[] = [];
  const WINDOW_SECONDS = 2;
  const MIN_RATE = 1024;

  beforeAll(async () => {
    t = await startTestApp({
      UPLOADS_PER_HOUR: '100000',
      UPLOAD_MIN_BYTES_PER_SECOND: String(MIN_RATE),
      UPLOAD_MIN_BYTES_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
  });
  afterEach(() => {
    for (const { req, timer } of open.splice(0)) {
      clearInterval(timer);
      req.destroy();
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  async function create(length: number, address: string) {
    return request(t.url)
      .post('/api/uploads')
      .set(TUS)
      .set('X-Forwarded-For', address)
      .set('Upload-Length', String(length))
      .set('Upload-Metadata', `filename ${Buffer.from('clip.mp4').toString('base64')}`);
  }

  async function createId(length: number, address: string): Promise<string> {
    const res = await create(length, address);
    expect(res.status).toBe(201);
    return res.headers.location.split('/').pop()!;
  }

  /** A PATCH of `bytes` from `offset` that sends `first` bytes at once, then `step` bytes every `everyMs`. */
  function pacedPatch(id: string, bytes: Buffer, options: { address: string; offset?: number; first: number; step: number; everyMs: number }) {
    const offset = options.offset ?? 0;
    const req = httpRequest({
      host: '127.0.0.1',
      port: new URL(t.url).port,
      method: 'PATCH',
      path: `/api/uploads/${id}`,
      headers: {
        ...TUS,
        'X-Forwarded-For': options.address,
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(bytes.length - offset),
      },
    });
    let position = offset + options.first;
    const closed = new Promise<void>((resolve) => req.on('close', resolve));
    req.on('error', () => undefined);
    req.write(bytes.subarray(offset, position));
    const entry: { req: ClientRequest; timer?: NodeJS.Timeout } = { req };
    entry.timer = setInterval(() => {
      if (position >= bytes.length || req.destroyed) return clearInterval(entry.timer);
      const end = Math.min(position + options.step, bytes.length);
      req.write(bytes.subarray(position, end));
      position = end;
    }, options.everyMs);
    open.push(entry);
    return { req, closed, sent: () => position };
  }

  it('a fifth tus request in flight from one IPv6 /64: 429 TOO_MANY_UPLOADS_AT_ONCE with Retry-After and nothing created; another group goes on; once one ends, the /64 may again', async () => {
    // Four PATCHes from four addresses of one /64, each well above the minimum rate.
    for (let i = 1; i <= 4; i++) {
      const address = `2001:db8:5:6::${i}`;
      const id = await createId(MB, address);
      pacedPatch(id, mp4Of(MB), { address, first: 4096, step: 4096, everyMs: 250 });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await t.count('uploads');

    const refused = await create(MB, '2001:db8:5:6:ffff::9');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(refused.text)).toMatchObject({ statusCode: 429, code: 'TOO_MANY_UPLOADS_AT_ONCE' });
    expect(await t.count('uploads')).toBe(before);
    // A HEAD counts too: it is a tus request.
    expect((await request(t.url).head('/api/uploads/3f2504e0-4f89-41d3-9a0c-0305e82c3301').set(TUS).set('X-Forwarded-For', '2001:db8:5:6::1')).status).toBe(
      429,
    );

    expect((await create(MB, '2001:db8:5:7::1')).status).toBe(201);

    open[0].req.destroy();
    await eventually(async () => expect((await create(MB, '2001:db8:5:6::1')).status).toBe(201));
  }, 30_000);

  it('a PATCH slower than UPLOAD_MIN_BYTES_PER_SECOND over the window is cut; HEAD answers what was stored, and the rest from there finishes with the right SHA-256', async () => {
    const bytes = mp4Of(256 * 1024);
    const id = await createId(bytes.length, '192.0.2.55');
    // 64 KiB at once (the first window passes), then 10 bytes a second: far under 1 KiB/s.
    const slow = pacedPatch(id, bytes, { address: '192.0.2.55', first: 64 * 1024, step: 10, everyMs: 1000 });
    const started = Date.now();
    await slow.closed;
    // Cut in the second window: the first brought 64 KiB.
    expect(Date.now() - started).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000);
    expect(Date.now() - started).toBeLessThan(4 * WINDOW_SECONDS * 1000);
    expect(t.logs.some((line) => line.includes('upload.slow_body_cut'))).toBe(true);

    let offset = 0;
    await eventually(async () => {
      const head = await request(t.url).head(`/api/uploads/${id}`).set(TUS).set('X-Forwarded-For', '192.0.2.55');
      expect(head.status).toBe(200);
      offset = Number(head.headers['upload-offset']);
      expect(offset).toBeGreaterThanOrEqual(64 * 1024);
    });
    expect(offset).toBeLessThanOrEqual(slow.sent());

    const rest = await request(t.url)
      .patch(`/api/uploads/${id}`)
      .set(TUS)
      .set('X-Forwarded-For', '192.0.2.55')
      .set('Upload-Offset', String(offset))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(bytes.subarray(offset));
    expect(rest.status).toBe(204);
    expect((await t.db.query('SELECT sha256 FROM uploads WHERE id = $1', [id])).rows[0].sha256).toBe(sha256(bytes));
  }, 30_000);

  it.each([
    ['UPLOADS_CONCURRENT_PER_CLIENT', '0'],
    ['UPLOADS_CONCURRENT_PER_CLIENT', 'many'],
    ['UPLOAD_MIN_BYTES_PER_SECOND', '-1'],
    ['UPLOAD_MIN_BYTES_WINDOW_SECONDS', '0'],
  ])('%s=%s: the app refuses to start, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
