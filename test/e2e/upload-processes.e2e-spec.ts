import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import request from 'supertest';
import { Upload } from 'tus-js-client';
import { UploadsEndpoint } from '../../src/uploads/uploads.endpoint.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { createTestDatabase } from '../support/database.js';
import { startS3Peer, type S3Peer } from '../support/s3-peer.js';
import { MB, mp4Of, sha256, TUS } from '../support/resumable-upload-cases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The app as production runs it, in its own processes: killed, stopped and run twice over one
// database and one store. Each process is `node dist/main.js` (see support/app-process.ts).

/** A tus creation of `length` bytes; answers the id. */
async function create(baseUrl: string, length: number): Promise<string> {
  const res = await request(baseUrl)
    .post('/api/uploads')
    .set(TUS)
    .set('Upload-Length', String(length))
    .set('Upload-Metadata', `filename ${Buffer.from('clip.mp4').toString('base64')}`);
  expect(res.status).toBe(201);
  return res.headers.location.split('/').pop()!;
}

async function offsetOf(baseUrl: string, id: string): Promise<number> {
  const res = await request(baseUrl).head(`/api/uploads/${id}`).set(TUS);
  expect(res.status).toBe(200);
  return Number(res.headers['upload-offset']);
}

/**
 * A PATCH whose body trickles in `step`-byte pieces every `everyMs` (a phone on a slow line),
 * from `offset` to the end of `bytes`. `sent()` says how much has gone; `response` is the answer.
 */
function slowPatch(baseUrl: string, id: string, bytes: Buffer, offset: number, step = 256 * 1024, everyMs = 50) {
  let position = offset;
  let timer: NodeJS.Timeout | undefined;
  const body = new Readable({
    read() {
      timer = setTimeout(() => {
        if (position >= bytes.length) return this.push(null);
        const end = Math.min(position + step, bytes.length);
        this.push(bytes.subarray(position, end));
        position = end;
      }, everyMs);
    },
  });
  const req = httpRequest(`${baseUrl}/api/uploads/${id}`, {
    method: 'PATCH',
    headers: { ...TUS, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(bytes.length - offset) },
  });
  req.on('error', () => undefined); // the test stops sending once the server has answered
  const response = new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
  body.pipe(req);
  return {
    sent: () => position - offset,
    response: response.finally(() => {
      clearTimeout(timer);
      body.unpipe(req);
      req.destroy();
    }),
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let databaseUrl: string;
let dropDatabase: () => Promise<void>;
let dataDir: string;
let db: pg.Pool;
let env: Record<string, string>;
const running = new Set<AppProcess>();

async function start(extra: Record<string, string> = {}, port?: number): Promise<AppProcess> {
  const app = await startAppProcess({ ...env, ...extra }, port);
  running.add(app);
  void app.exited.then(() => running.delete(app));
  return app;
}

beforeAll(async () => {
  ({ url: databaseUrl, drop: dropDatabase } = await createTestDatabase());
  dataDir = await mkdtemp(join(tmpdir(), 'tipdesk-processes-'));
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  db.on('error', () => undefined);
  env = {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    MAX_FILE_BYTES: String(200 * MB),
    UPLOADS_PER_HOUR: '1000',
    JOBS_ENABLED: 'false',
  };
});
afterEach(async () => {
  for (const app of running) {
    app.kill('SIGKILL');
    await app.exited;
  }
});
afterAll(async () => {
  await db.end();
  await dropDatabase();
  await rm(dataDir, { recursive: true, force: true });
});

const finishedUpload = async (id: string) => (await db.query(`SELECT sha256, finished_at IS NOT NULL AS finished FROM uploads WHERE id = $1`, [id])).rows[0];

describe('an app process killed with SIGKILL mid-upload', () => {
  it('is started again and the same tus client resumes the upload and completes it with the right SHA-256', async () => {
    const bytes = mp4Of(40 * MB);
    let app = await start();
    const port = app.port;
    let killedAt = 0;
    let restarted: Promise<AppProcess> | undefined;
    const uploadUrl = await new Promise<string>((resolve, reject) => {
      const upload = new Upload(bytes, {
        endpoint: `${app.url}/api/uploads`,
        chunkSize: 5 * MB,
        // Long enough for a process to be started again in between.
        retryDelays: [0, 250, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 5000, 5000, 5000],
        metadata: { filename: 'flood.mp4', filetype: 'video/mp4' },
        onProgress: (sent) => {
          if (killedAt || sent < 12 * MB) return;
          killedAt = sent;
          app.kill('SIGKILL');
          restarted = app.exited.then(() => start({}, port));
        },
        onSuccess: () => resolve(upload.url!),
        onError: reject,
      });
      upload.start();
    });
    expect(killedAt).toBeGreaterThan(0);
    const second = await restarted!;
    expect(second.child.pid).not.toBe(app.child.pid);
    expect(await app.exited).toBe('SIGKILL');
    app = second;

    const id = uploadUrl.split('/').pop()!;
    expect(await finishedUpload(id)).toEqual({ sha256: sha256(bytes), finished: true });
    expect(await offsetOf(app.url, id)).toBe(bytes.length);
  });
});

describe('SIGTERM', () => {
  it('lets an upload chunk in flight finish within the grace period, then exits 0', async () => {
    const app = await start({ SHUTDOWN_GRACE_SECONDS: '60' });
    const bytes = mp4Of(4 * MB);
    const id = await create(app.url, bytes.length);
    const patch = slowPatch(app.url, id, bytes, 0);
    await until(() => patch.sent() >= MB, 'the first megabyte');
    app.kill('SIGTERM');

    const response = await patch.response;
    expect(response.statusCode).toBe(204);
    expect(Number(response.headers['upload-offset'])).toBe(bytes.length);
    expect(await app.exited).toBe(0);
    expect(app.output()).toMatch(/"msg":"stopped"/);
    expect(await finishedUpload(id)).toEqual({ sha256: sha256(bytes), finished: true });
  });

  it('stops an upload that outlasts the grace period with its bytes kept; it resumes on the next process', async () => {
    const app = await start({ SHUTDOWN_GRACE_SECONDS: '1' });
    const bytes = mp4Of(60 * MB);
    const id = await create(app.url, bytes.length);
    const patch = slowPatch(app.url, id, bytes, 0, 128 * 1024, 50); // ~2.5 MB/s: 24 s for all of it
    await until(() => patch.sent() >= 2 * MB, 'two megabytes');
    app.kill('SIGTERM');

    const response = await patch.response;
    expect(response.statusCode).toBe(204);
    const stoppedAt = Number(response.headers['upload-offset']);
    expect(stoppedAt).toBeGreaterThanOrEqual(2 * MB);
    expect(stoppedAt).toBeLessThan(bytes.length);
    expect(await app.exited).toBe(0);
    expect(await finishedUpload(id)).toEqual({ sha256: null, finished: false });

    const next = await start();
    expect(await offsetOf(next.url, id)).toBe(stoppedAt);
    const rest = await request(next.url)
      .patch(`/api/uploads/${id}`)
      .set(TUS)
      .set('Upload-Offset', String(stoppedAt))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(bytes.subarray(stoppedAt));
    expect(rest.status).toBe(204);
    expect(await finishedUpload(id)).toEqual({ sha256: sha256(bytes), finished: true });
  });
});

describe.each([
  ['one data directory (tus file store)', false],
  ['one S3 bucket (tus S3 store, s3rver)', true],
])('two app processes over one database and %s', (_store, useS3) => {
  let s3: S3Peer | undefined;
  beforeAll(async () => {
    if (useS3) s3 = await startS3Peer();
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('an upload started on one resumes on the other; a chunk still hanging on the first is stopped so the second can go on', async () => {
    const [first, second] = [await start(s3?.env), await start(s3?.env)];
    const bytes = mp4Of(30 * MB);
    const id = await create(first.url, bytes.length);
    const hanging = slowPatch(first.url, id, bytes, 0, 128 * 1024, 50);
    await until(() => hanging.sent() >= 3 * MB, 'three megabytes on the first process');

    // The client lost its connection to the first process and asks the second where it stands:
    // the second takes the upload's lock, which makes the first stop and keep what it has.
    const offset = await offsetOf(second.url, id);
    const stopped = await hanging.response;
    expect(stopped.statusCode).toBe(204);
    expect(Number(stopped.headers['upload-offset'])).toBe(offset);
    expect(offset).toBeGreaterThanOrEqual(3 * MB);

    const rest = await request(second.url)
      .patch(`/api/uploads/${id}`)
      .set(TUS)
      .set('Upload-Offset', String(offset))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(bytes.subarray(offset));
    expect(rest.status).toBe(204);
    expect(await finishedUpload(id)).toEqual({ sha256: sha256(bytes), finished: true });
    expect(await offsetOf(first.url, id)).toBe(bytes.length);
  });
});

describe('a draining process (in-process, the 503 a client sees on a kept-alive connection)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers new tus requests 503 SHUTTING_DOWN with Retry-After, and creates nothing', async () => {
    const id = await create(t.url, 1000);
    await t.app.get(UploadsEndpoint).drain(1000);
    const creation = await request(t.url).post('/api/uploads').set(TUS).set('Upload-Length', '1000');
    expect(creation.status).toBe(503);
    expect(creation.headers['retry-after']).toBe('5');
    expect(creation.body).toMatchObject({ statusCode: 503, code: 'SHUTTING_DOWN' });
    const head = await request(t.url).head(`/api/uploads/${id}`).set(TUS);
    expect(head.status).toBe(503);
    expect(await t.count('uploads')).toBe(1);
  });
});
