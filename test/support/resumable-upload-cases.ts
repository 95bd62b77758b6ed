/**
 * The cases of /api/uploads (tus) that every tus store must pass: the local file store and the
 * S3 store (against the S3 test peer). Each spec file runs them for one store, so the two run in
 * parallel; what the cases see of the store (its leftovers, the blobs) comes from a StoreView.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { Upload } from 'tus-js-client';
import { SweepService } from '../../src/jobs/sweep.service.js';
import { htmlPage, sampleVideo, windowsExe, zipArchive } from './media-samples.js';
import { startS3Peer, type S3Peer } from './s3-peer.js';
import { eventually, startTestApp, type TestApp } from './test-app.js';

export const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
export const validTip = { story: 'The river burst its banks by the old mill', ...consent };
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
export const TUS = { 'Tus-Resumable': '1.0.0' };
export const MB = 1024 * 1024;

/** A valid MP4 (so sniffing says video) padded with random bytes to `size`. */
export const mp4Of = (size: number) => {
  const head = sampleVideo();
  return Buffer.concat([head, randomBytes(size - head.length)]);
};

/** A TCP proxy in front of the app whose connections the test can cut mid-request. */
export async function startCuttableProxy(targetPort: number, cutAfterBytes: number) {
  const sockets = new Set<Socket>();
  let forwarded = 0;
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cut = () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    };
    client.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (cuts === 0 && forwarded > cutAfterBytes) {
        cuts += 1;
        cut(); // the train goes into the tunnel
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Uploads with the real tus client; resolves with the upload id. */
export function tusUpload(endpoint: string, bytes: Buffer, options: { chunkSize: number; filename: string; onRetry?: () => void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(bytes, {
      endpoint: `${endpoint}/api/uploads`,
      chunkSize: options.chunkSize,
      retryDelays: [0, 200, 500, 1000, 2000, 3000, 5000],
      metadata: { filename: options.filename, filetype: 'video/mp4' },
      onShouldRetry: () => {
        options.onRetry?.();
        return true;
      },
      onError: reject,
      onSuccess: () => resolve(upload.url!.split('/').pop()!),
    });
    upload.start();
  });
}

export type TusStoreKind = 'file' | 's3';

/** What a case sees of where the app keeps bytes. */
interface StoreView {
  /**
   * What the tus store holds, sorted: for the file store its files (`<id>`, `<id>.json`); for S3
   * the bucket's tus objects (`<id>.info`, `<id>.part`, the finished `<id>`) and its open multipart
   * uploads (`<id> (multipart upload)`). Either way a new upload is two things.
   */
  tusThings(): Promise<string[]>;
  /** The BlobStore's blobs (keys), and for S3 its open multipart uploads too. */
  blobs(): Promise<string[]>;
}

function storeView(kind: TusStoreKind, t: TestApp, peer: S3Peer | undefined): StoreView {
  if (kind === 'file') {
    return {
      tusThings: async () => (await readdir(join(t.dataDir, 'uploads')).catch(() => [])).sort(),
      blobs: () => t.blobFiles(),
    };
  }
  // The BlobStore's keys all have a folder (media/…, tmp/…, thumbnails/…); the tus store's are bare ids.
  const everything = async () => [...(await peer!.keys()), ...(await peer!.multipartUploads()).map((u) => `${u.key} (multipart upload)`)].sort();
  return {
    tusThings: async () => (await everything()).filter((k) => !k.includes('/')),
    blobs: async () => (await everything()).filter((k) => k.includes('/')),
  };
}

/** The tus endpoint and attaching uploads to tips, with the given tus store. */
export function describeResumableUploads(kind: TusStoreKind): void {
  describe(`/api/uploads (tus 1.0, ${kind} store) and attaching uploads to tips`, () => {
    let t: TestApp;
    let peer: S3Peer | undefined;
    let store: StoreView;
    const MAX = 60 * MB;
    const tusFiles = () => store.tusThings();
    /** What the tus store still holds of upload `id`. */
    const leftOf = async (id: string) => (await tusFiles()).filter((f) => f.startsWith(id));

    beforeAll(async () => {
      peer = kind === 's3' ? await startS3Peer() : undefined;
      t = await startTestApp({ ...peer?.env, MAX_FILE_BYTES: String(MAX), UPLOADS_PER_HOUR: '1000', MAX_FILES_PER_TIP: '3' });
      store = storeView(kind, t, peer);
    });
    afterAll(async () => {
      await t?.close();
      await peer?.close();
    });

    /** A raw tus creation; answers the id. */
    async function create(length: number, filename = 'clip.mp4'): Promise<string> {
      const res = await request(t.url)
        .post('/api/uploads')
        .set(TUS)
        .set('Upload-Length', String(length))
        .set('Upload-Metadata', `filename ${Buffer.from(filename).toString('base64')}`);
      expect(res.status).toBe(201);
      return res.headers.location.split('/').pop()!;
    }

    const patch = (id: string, offset: number, body: Buffer) =>
      request(t.url)
        .patch(`/api/uploads/${id}`)
        .set(TUS)
        .set('Upload-Offset', String(offset))
        .set('Content-Type', 'application/offset+octet-stream')
        .send(body);

    it('OPTIONS answers the tus capabilities: creation, termination, expiration and the size limit', async () => {
      const res = await request(t.url).options('/api/uploads');
      expect(res.status).toBe(204);
      expect(res.headers['tus-version']).toContain('1.0.0');
      expect(res.headers['tus-extension'].split(',')).toEqual(expect.arrayContaining(['creation', 'termination', 'expiration']));
      expect(res.headers['tus-extension']).not.toContain('creation-defer-length');
      expect(res.headers['tus-max-size']).toBe(String(MAX));
    });

    it('50 MB in 5 MB chunks through a connection cut mid-way: resumes and finishes with the right SHA-256; attaches to a tip', async () => {
      const bytes = mp4Of(50 * MB);
      const proxy = await startCuttableProxy(Number(new URL(t.url).port), 22 * MB);
      let retries = 0;
      let id: string;
      try {
        id = await tusUpload(proxy.url, bytes, { chunkSize: 5 * MB, filename: 'flood.mp4', onRetry: () => (retries += 1) });
      } finally {
        await proxy.close();
      }
      expect(proxy.cuts()).toBe(1);
      expect(retries).toBeGreaterThanOrEqual(1);
      const [row] = (await t.db.query('SELECT * FROM uploads WHERE id = $1', [id])).rows;
      expect(row).toMatchObject({
        sha256: sha256(bytes),
        size_bytes: String(50 * MB),
        sniffed_type: 'video/mp4',
        kind: 'video',
        display_filename: 'flood.mp4',
        attached_tip_id: null,
      });
      expect(row.finished_at).toBeInstanceOf(Date);

      const receipt = await request(t.url)
        .post('/api/tips')
        .send({ ...validTip, uploads: [id] });
      expect(receipt.status).toBe(201);
      const tip = (await t.db.query('SELECT id FROM tips WHERE reference = $1', [receipt.body.reference])).rows[0];
      const media = (await t.db.query('SELECT * FROM media WHERE tip_id = $1', [tip.id])).rows;
      expect(media).toHaveLength(1);
      expect(media[0]).toMatchObject({
        sha256: sha256(bytes),
        size_bytes: String(50 * MB),
        kind: 'video',
        sniffed_type: 'video/mp4',
        display_filename: 'flood.mp4',
      });
      expect(await store.blobs()).toContain(media[0].storage_key);
      expect((await t.db.query('SELECT attached_tip_id FROM uploads WHERE id = $1', [id])).rows[0].attached_tip_id).toBe(tip.id);
      // The tus copy is gone once the tip has its own.
      expect(await leftOf(id)).toEqual([]);

      // The same upload cannot go with a second tip.
      const again = await request(t.url)
        .post('/api/tips')
        .send({ ...validTip, uploads: [id] });
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({ statusCode: 422, code: 'UPLOAD_NOT_FOUND' });
      expect(again.body.message).toContain(id);
      expect(await t.count('tips')).toBe(1);
    }, 120_000);

    it.each([
      ['a Windows exe renamed clip.mp4', windowsExe],
      ['a zip renamed clip.mp4', zipArchive],
      ['an HTML page renamed clip.mp4', htmlPage],
    ])('%s: 415 with our JSON error when it finishes, and its bytes and row are gone', async (_name, bytesOf) => {
      const before = await tusFiles();
      const bytes = bytesOf();
      const id = await create(bytes.length);
      expect((await tusFiles()).length).toBe(before.length + 2); // the data (S3: its multipart upload) and its tus info
      const res = await patch(id, 0, bytes);
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toMatchObject({
        statusCode: 415,
        error: 'Unsupported Media Type',
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: expect.stringContaining('clip.mp4'),
      });
      expect(await tusFiles()).toEqual(before);
      expect((await t.db.query('SELECT 1 FROM uploads WHERE id = $1', [id])).rows).toEqual([]);
    });

    it('a PATCH cut mid-way keeps the bytes that arrived: HEAD answers them as the offset, and the rest from there finishes with the right SHA-256', async () => {
      const bytes = mp4Of(12 * MB);
      const id = await create(bytes.length);
      const sent = 3 * MB;
      const { port } = new URL(t.url);
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'PATCH',
          path: `/api/uploads/${id}`,
          headers: { ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(bytes.length) },
        });
        req.on('error', () => resolve());
        // The connection drops after 3 MB of the 12 MB it announced.
        req.write(bytes.subarray(0, sent), () => setTimeout(() => req.destroy(), 500));
      });
      let offset = 0;
      await eventually(async () => {
        offset = Number((await request(t.url).head(`/api/uploads/${id}`).set(TUS)).headers['upload-offset']);
        expect(offset).toBeGreaterThan(0);
      });
      expect(offset).toBeLessThanOrEqual(sent);
      if (kind === 's3') {
        // Under S3's 5 MiB minimum part: kept as a separate object, beside the open multipart upload.
        expect(await leftOf(id)).toEqual([`${id} (multipart upload)`, `${id}.info`, `${id}.part`]);
      } else {
        expect(await leftOf(id)).toEqual([id, `${id}.json`]);
      }

      expect((await patch(id, offset, bytes.subarray(offset))).status).toBe(204);
      expect((await t.db.query('SELECT sha256, size_bytes FROM uploads WHERE id = $1', [id])).rows[0]).toEqual({
        sha256: sha256(bytes),
        size_bytes: String(bytes.length),
      });
      // S3: one object, its info, no trailing part and no open multipart upload.
      expect(await leftOf(id)).toEqual(kind === 's3' ? [id, `${id}.info`] : [id, `${id}.json`]);
    }, 60_000);

    it('an empty upload (Upload-Length: 0): 415 at its creation, and nothing of it is left', async () => {
      const before = { things: await tusFiles(), rows: await t.count('uploads') };
      const res = await request(t.url).post('/api/uploads').set(TUS).set('Upload-Length', '0');
      expect(res.status).toBe(415);
      expect(JSON.parse(res.text)).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(await tusFiles()).toEqual(before.things);
      expect(await t.count('uploads')).toBe(before.rows);
    });

    it('Upload-Length over MAX_FILE_BYTES: 413 at creation, nothing stored', async () => {
      const before = { files: await tusFiles(), rows: await t.count('uploads') };
      const res = await request(t.url)
        .post('/api/uploads')
        .set(TUS)
        .set('Upload-Length', String(MAX + 1));
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toMatchObject({ statusCode: 413, error: 'Payload Too Large', code: 'UPLOAD_TOO_LARGE' });
      expect(await tusFiles()).toEqual(before.files);
      expect(await t.count('uploads')).toBe(before.rows);
    });

    it('a PATCH declaring more bytes than the upload has left: 413, nothing written', async () => {
      const id = await create(1000);
      const res = await patch(id, 0, randomBytes(1001));
      expect(res.status).toBe(413);
      const head = await request(t.url).head(`/api/uploads/${id}`).set(TUS);
      expect(head.headers['upload-offset']).toBe('0');
    });

    it('a chunked PATCH (no Content-Length) streaming past the declared size is cut off at the size', async () => {
      const id = await create(64 * 1024);
      const { port } = new URL(t.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'PATCH',
            path: `/api/uploads/${id}`,
            headers: { ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Transfer-Encoding': 'chunked' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        // 4 × 64 KiB: four times what was declared.
        for (let i = 0; i < 4; i++) req.write(randomBytes(64 * 1024));
        req.end();
      });
      expect(status).toBe(413);
      const head = await request(t.url).head(`/api/uploads/${id}`).set(TUS);
      expect(Number(head.headers['upload-offset'])).toBeLessThanOrEqual(64 * 1024);
      expect((await t.db.query('SELECT finished_at FROM uploads WHERE id = $1', [id])).rows[0].finished_at).toBeNull();
    });

    it('an upload abandoned past its expiry is swept: nothing of it in the store, no row', async () => {
      const id = await create(10_000);
      expect((await patch(id, 0, mp4Of(8_000))).status).toBe(204);
      const unrelated = await create(10_000);
      await t.db.query(`UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);

      const report = await t.app.get(SweepService).sweep();

      expect(report?.uploads).toBe(1);
      expect(await leftOf(id)).toEqual([]);
      expect((await t.db.query('SELECT 1 FROM uploads WHERE id = $1', [id])).rows).toEqual([]);
      // One still within its time stays, bytes and row.
      expect(await leftOf(unrelated)).toHaveLength(2);
      expect((await t.db.query('SELECT 1 FROM uploads WHERE id = $1', [unrelated])).rows).toHaveLength(1);
    });

    it('a finished upload never attached is swept after its TTL', async () => {
      const bytes = mp4Of(20_000);
      const id = await create(bytes.length);
      expect((await patch(id, 0, bytes)).status).toBe(204);
      await t.db.query(`UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
      await t.app.get(SweepService).sweep();
      expect(await leftOf(id)).toEqual([]);
      expect(
        await request(t.url)
          .post('/api/tips')
          .send({ ...validTip, uploads: [id] })
          .then((r) => r.status),
      ).toBe(422);
    });

    it('an unknown upload id in POST /api/tips: 422 UPLOAD_NOT_FOUND naming it, no tip', async () => {
      const before = await t.count('tips');
      const unknown = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
      const res = await request(t.url)
        .post('/api/tips')
        .send({ ...validTip, uploads: [unknown] });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'UPLOAD_NOT_FOUND', fields: { uploads: [expect.stringContaining(unknown)] } });
      expect(await t.count('tips')).toBe(before);
    });

    it('an unfinished upload in POST /api/tips: 422, and it can still be finished', async () => {
      const bytes = mp4Of(30_000);
      const id = await create(bytes.length);
      expect((await patch(id, 0, bytes.subarray(0, 10_000))).status).toBe(204);
      const blobsBefore = await store.blobs();
      const res = await request(t.url)
        .post('/api/tips')
        .send({ ...validTip, uploads: [id] });
      expect(res.status).toBe(422);
      expect(await store.blobs()).toEqual(blobsBefore);
      expect((await patch(id, 10_000, bytes.subarray(10_000))).status).toBe(204);
      expect((await t.db.query('SELECT sha256 FROM uploads WHERE id = $1', [id])).rows[0].sha256).toBe(sha256(bytes));
    });

    it('a finished upload and an unknown id together: 422, no tip, no blob, and the finished one stays attachable', async () => {
      const bytes = mp4Of(30_000);
      const id = await create(bytes.length);
      expect((await patch(id, 0, bytes)).status).toBe(204);
      const before = { tips: await t.count('tips'), blobs: await store.blobs() };
      const res = await request(t.url)
        .post('/api/tips')
        .send({ ...validTip, uploads: [id, '3f2504e0-4f89-41d3-9a0c-0305e82c3302'] });
      expect(res.status).toBe(422);
      expect(await t.count('tips')).toBe(before.tips);
      await eventually(async () => expect(await store.blobs()).toEqual(before.blobs));
      expect(
        (
          await request(t.url)
            .post('/api/tips')
            .send({ ...validTip, uploads: [id] })
        ).status,
      ).toBe(201);
    });

    it('termination (DELETE) of an unfinished upload removes its bytes and row; a finished one cannot be terminated', async () => {
      const id = await create(10_000);
      expect((await request(t.url).delete(`/api/uploads/${id}`).set(TUS)).status).toBe(204);
      await eventually(async () => expect((await t.db.query('SELECT 1 FROM uploads WHERE id = $1', [id])).rows).toEqual([]));
      expect(await leftOf(id)).toEqual([]);

      const bytes = mp4Of(20_000);
      const finished = await create(bytes.length);
      expect((await patch(finished, 0, bytes)).status).toBe(204);
      expect((await request(t.url).delete(`/api/uploads/${finished}`).set(TUS)).status).toBe(400);
      expect(await leftOf(finished)).toHaveLength(2);

      // One never created (or already gone): 404.
      expect((await request(t.url).delete(`/api/uploads/${id}`).set(TUS)).status).toBe(404);
    });

    describe('POST /api/contributor/media {uploads} for a signed-in contributor', () => {
      /** A finished upload of a small valid MP4; answers its id and bytes. */
      async function finishedUpload(size = 20_000): Promise<{ id: string; bytes: Buffer }> {
        const bytes = mp4Of(size);
        const id = await create(bytes.length, 'later.mp4');
        expect((await patch(id, 0, bytes)).status).toBe(204);
        return { id, bytes };
      }

      async function signedInContributor() {
        const receipt = (await request(t.url).post('/api/tips').send(validTip).expect(201)).body as { reference: string; secret: string };
        const tipId = (await t.db.query('SELECT id FROM tips WHERE reference = $1', [receipt.reference])).rows[0].id as string;
        const session = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret }).expect(200);
        const cookie = (session.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
        const add = (uploads: unknown) =>
          request(t.url).post('/api/contributor/media').set('Cookie', cookie).set('X-CSRF-Token', session.body.csrfToken).send({ uploads });
        return { tipId, add };
      }

      it("a finished upload becomes the tip's media with its SHA-256; the same id again: 422", async () => {
        const me = await signedInContributor();
        const { id, bytes } = await finishedUpload();
        const res = await me.add([id]);
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ added: [{ filename: 'later.mp4', kind: 'video', size: bytes.length }], filesLeft: 2 });
        const media = (await t.db.query('SELECT sha256 FROM media WHERE tip_id = $1', [me.tipId])).rows;
        expect(media).toEqual([{ sha256: sha256(bytes) }]);
        const again = await me.add([id]);
        expect(again.status).toBe(422);
        expect(again.body.code).toBe('UPLOAD_NOT_FOUND');
      });

      it('a closed tip: 409 TIP_CLOSED, nothing attached, the upload still attachable elsewhere', async () => {
        const me = await signedInContributor();
        await t.db.query(`UPDATE tips SET status = 'archived' WHERE id = $1`, [me.tipId]);
        const { id } = await finishedUpload();
        const blobsBefore = await store.blobs();
        const res = await me.add([id]);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('TIP_CLOSED');
        await eventually(async () => expect(await store.blobs()).toEqual(blobsBefore));
        expect((await t.db.query('SELECT attached_tip_id FROM uploads WHERE id = $1', [id])).rows[0].attached_tip_id).toBeNull();
        expect(
          (
            await request(t.url)
              .post('/api/tips')
              .send({ ...validTip, uploads: [id] })
          ).status,
        ).toBe(201);
      });

      it('more than MAX_FILES_PER_TIP: 400 TOO_MANY_FILES, nothing attached', async () => {
        const me = await signedInContributor();
        const ids = [];
        for (let i = 0; i < 4; i++) ids.push((await finishedUpload(10_000 + i)).id);
        const res = await me.add(ids);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('TOO_MANY_FILES');
        expect(await t.db.query('SELECT count(*)::int AS n FROM media WHERE tip_id = $1', [me.tipId]).then((r) => r.rows[0].n)).toBe(0);
        expect((await t.db.query('SELECT count(*)::int AS n FROM uploads WHERE id = ANY($1) AND attached_tip_id IS NULL', [ids])).rows[0].n).toBe(4);
      });

      it('not signed in: 401', async () => {
        const { id } = await finishedUpload();
        expect(
          (
            await request(t.url)
              .post('/api/contributor/media')
              .send({ uploads: [id] })
          ).status,
        ).toBe(401);
      });
    });

    it('an upload id that tries to climb out of the directory is not found', async () => {
      const res = await request(t.url).head('/api/uploads/..%2F..%2Fetc%2Fpasswd').set(TUS);
      expect(res.status).toBe(404);
    });
  });
}
