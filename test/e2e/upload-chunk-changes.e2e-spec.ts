import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomInt } from 'node:crypto';
import request from 'supertest';
import { Upload } from 'tus-js-client';
import { loadChunkPolicies } from '../support/chunk-policy.js';
import { mp4Of, sha256, startCuttableProxy, TUS } from '../support/resumable-upload-cases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KiB = 1024;

// Issue 17: the form's chunk size changes as it goes (upload-chunks.js); a change never corrupts an
// upload across a cut, and a resume after a cut never goes back further than the last accepted chunk.
describe('tus uploads whose chunk size changes, cut at random points', () => {
  let t: TestApp;
  const policies = loadChunkPolicies();

  beforeAll(async () => {
    t = await startTestApp({ UPLOADS_PER_HOUR: '100000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * Uploads `bytes` the way tip-form.js does (the same policy object, scaled down so a small file
   * sees many sizes): the next chunk's size after each accepted one and after each failure.
   */
  function uploadAsTheFormDoes(endpoint: string, bytes: Buffer) {
    const policy = policies.create({ start: randomInt(16, 129) * KiB, min: 16 * KiB, max: 512 * KiB, targetSeconds: 0.02 });
    const sizes = new Set<number>();
    const resumedBehind: string[] = [];
    let accepted = 0;
    let startedAt = 0;
    return new Promise<{ id: string; sizes: Set<number>; resumedBehind: string[] }>((resolve, reject) => {
      const upload = new Upload(bytes, {
        endpoint: `${endpoint}/api/uploads`,
        chunkSize: policy.size(),
        retryDelays: [0, 50, 100, 200, 500],
        metadata: { filename: 'clip.mp4', filetype: 'video/mp4' },
        onBeforeRequest: (req) => {
          if (req.getMethod() === 'PATCH') {
            startedAt = Date.now();
            sizes.add(upload.options.chunkSize!);
          }
        },
        onAfterResponse: (req, res) => {
          if (req.getMethod() !== 'HEAD') return;
          const offset = Number(res.getHeader('Upload-Offset'));
          if (offset < accepted) resumedBehind.push(`HEAD said ${offset} after ${accepted} were accepted`);
        },
        onChunkComplete: (chunkSize, bytesAccepted) => {
          accepted = bytesAccepted;
          upload.options.chunkSize = policy.succeeded(chunkSize, Date.now() - startedAt);
        },
        onShouldRetry: () => {
          upload.options.chunkSize = policy.failed();
          return true;
        },
        onError: reject,
        onSuccess: () => resolve({ id: upload.url!.split('/').pop()!, sizes, resumedBehind }),
      });
      upload.start();
    });
  }

  it('100 uploads (256 KiB–2 MiB), each cut once at a random byte: every one finishes with its SHA-256, none resumes behind its last accepted chunk', async () => {
    const port = Number(new URL(t.url).port);
    const problems: string[] = [];
    let sizesSeen = 0;
    for (let run = 0; run < 100; run++) {
      const bytes = mp4Of(randomInt(256 * KiB, 2048 * KiB + 1));
      const cutAt = randomInt(1, bytes.length);
      const proxy = await startCuttableProxy(port, cutAt);
      try {
        const result = await uploadAsTheFormDoes(proxy.url, bytes);
        const [row] = (await t.db.query('SELECT sha256, size_bytes FROM uploads WHERE id = $1', [result.id])).rows;
        if (row?.sha256 !== sha256(bytes) || Number(row.size_bytes) !== bytes.length)
          problems.push(`run ${run}: ${bytes.length} bytes cut at ${cutAt}: row ${JSON.stringify(row)}`);
        if (proxy.cuts() !== 1) problems.push(`run ${run}: the connection was cut ${proxy.cuts()} times`);
        problems.push(...result.resumedBehind.map((p) => `run ${run}: ${p}`));
        sizesSeen += result.sizes.size;
      } finally {
        await proxy.close();
      }
    }
    expect(problems).toEqual([]);
    // The sizes did change: on average each upload sent chunks of more than two sizes.
    expect(sizesSeen / 100).toBeGreaterThan(2);
  }, 300_000);

  it('an upload another process terminated while this one had its info cached: 404 here as there, not a stale answer', async () => {
    const other = await startTestApp({}, { shareWith: t });
    try {
      const created = await request(t.url).post('/api/uploads').set(TUS).set('Upload-Length', '1000');
      const path = new URL(created.headers.location, t.url).pathname;
      expect((await request(t.url).head(path).set(TUS)).status).toBe(200); // cached here now
      expect((await request(other.url).delete(path).set(TUS)).status).toBe(204);
      const head = await request(t.url).head(path).set(TUS);
      expect(head.status).toBe(404);
      const patch = await request(t.url)
        .patch(path)
        .set(TUS)
        .set('Upload-Offset', '0')
        .set('Content-Type', 'application/offset+octet-stream')
        .send(Buffer.alloc(10));
      expect(patch.status).toBe(404);
      expect(JSON.parse(patch.text)).toMatchObject({ statusCode: 404, code: 'UPLOAD_NOT_FOUND' });
    } finally {
      await other.close();
    }
  });
});
