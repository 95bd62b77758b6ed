import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest, type ClientRequest } from 'node:http';
import request from 'supertest';
import { MB, mp4Of, sha256, TUS } from '../support/resumable-upload-cases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Issue 15, lock starvation: tus requests whose bodies trickle in must not stop everyone else's
// uploads. Each trickle comes from its own address (through the trusted loopback proxy), so the
// per-client limit of requests in flight is not what lets the other upload through.
describe('/api/uploads while 100 PATCHes trickle in', () => {
  let t: TestApp;
  const trickles: ClientRequest[] = [];

  beforeAll(async () => {
    t = await startTestApp({ UPLOADS_PER_HOUR: '100000' });
  });
  afterAll(async () => {
    for (const req of trickles) req.destroy();
    await t?.close();
  });

  /** A tus creation from `address` (X-Forwarded-For, trusted from loopback); answers the id. */
  async function create(length: number, address: string): Promise<string> {
    const res = await request(t.url)
      .post('/api/uploads')
      .set(TUS)
      .set('X-Forwarded-For', address)
      .set('Upload-Length', String(length))
      .set('Upload-Metadata', `filename ${Buffer.from('clip.mp4').toString('base64')}`);
    expect(res.status).toBe(201);
    return res.headers.location.split('/').pop()!;
  }

  it('100 PATCHes trickling a byte now and then: a normal upload from someone else still finishes at once, with the right SHA-256', async () => {
    const { port } = new URL(t.url);
    for (let i = 0; i < 100; i++) {
      const address = `198.51.${100 + Math.floor(i / 50)}.${(i % 50) + 1}`;
      const id = await create(MB, address);
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'PATCH',
        path: `/api/uploads/${id}`,
        headers: { ...TUS, 'X-Forwarded-For': address, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(MB) },
      });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(1));
      trickles.push(req);
    }
    // Let every trickle reach its upload's lock.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const bytes = mp4Of(2 * MB);
    const started = Date.now();
    const id = await create(bytes.length, '203.0.113.7');
    const res = await request(t.url)
      .patch(`/api/uploads/${id}`)
      .set(TUS)
      .set('X-Forwarded-For', '203.0.113.7')
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .timeout(20_000)
      .send(bytes);
    expect(res.status).toBe(204);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await t.db.query('SELECT sha256 FROM uploads WHERE id = $1', [id])).rows[0].sha256).toBe(sha256(bytes));
    // The trickles are still open: nobody was turned away to make room.
    expect(trickles.filter((req) => req.destroyed || req.writableEnded)).toEqual([]);
  }, 90_000);
});
