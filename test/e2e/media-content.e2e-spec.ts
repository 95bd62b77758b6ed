import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readlink, rm } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { BLOB_STORE, type BlobStore } from '../../src/storage/blob-store.js';
import { binary } from '../support/binary.js';
import { sampleVideo } from '../support/media-samples.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startS3Peer, type S3Peer } from '../support/s3-peer.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'";

/** Posts a tip with one file, as the public form does, and returns the media row and the receipt. */
async function postVideo(t: TestApp, bytes: Buffer, filename: string, contentType = 'video/mp4') {
  const res = await request(t.url)
    .post('/api/tips')
    .field('story', 'Filmed the flood on my phone')
    .field('consentTerms', 'true')
    .field('consentOwnWork', 'true')
    .field('consentOver18', 'true')
    .attach('files', bytes, { filename, contentType });
  if (res.status !== 201) throw new Error(`Tip post failed: ${res.status} ${JSON.stringify(res.body)}`);
  const {
    rows: [media],
  } = await t.db.query(
    `SELECT m.id, m.storage_key, m.sha256, m.size_bytes, m.declared_type, m.sniffed_type, m.display_filename
       FROM media m JOIN tips ON tips.id = m.tip_id WHERE tips.reference = $1`,
    [res.body.reference],
  );
  return { media, receipt: res.body as { reference: string; secret: string } };
}

const errorLines = (t: TestApp) => t.logs.filter((line) => (JSON.parse(line) as { level?: string }).level === 'error');

/** How many of this process's file descriptors are open on `path` (the app runs in-process). */
async function openHandlesTo(path: string): Promise<number> {
  const links = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return links.filter((link) => link === path).length;
}

describe('GET /api/media/:id/content and /thumbnail (local storage)', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let admin: SignedInStaff;
  let accounting: SignedInStaff;
  const video = sampleVideo();
  let media: { id: string; storage_key: string; sha256: string; size_bytes: string; declared_type: string; display_filename: string };
  let receipt: { reference: string; secret: string };
  const contentUrl = () => `/api/media/${media.id}/content`;
  const etag = () => `"${sha256(video)}"`;

  beforeAll(async () => {
    t = await startTestApp();
    [editor, admin, accounting] = await Promise.all([signedInStaff(t, 'editor'), signedInStaff(t, 'admin'), signedInStaff(t, 'accounting')]);
    // Declared as HTML to prove only the sniffed type is ever served.
    ({ media, receipt } = await postVideo(t, video, 'Überschwemmung am Fluss.mp4', 'text/html'));
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the whole file', () => {
    it('200 with exactly the uploaded bytes and every protective header', async () => {
      const res = await binary(editor.get(contentUrl()));
      expect(res.status).toBe(200);
      expect(Buffer.compare(res.body as Buffer, video)).toBe(0);
      expect(res.headers).toMatchObject({
        'accept-ranges': 'bytes',
        'content-length': String(video.length),
        etag: etag(),
        'x-content-type-options': 'nosniff',
        'content-security-policy': MEDIA_CSP,
        'cache-control': 'private, no-store',
        'cross-origin-resource-policy': 'same-origin',
      });
      expect(res.headers['content-range']).toBeUndefined();
    });

    it('Content-Type is the sniffed type, never the declared one', async () => {
      expect(media.declared_type).toBe('text/html');
      const res = await editor.get(contentUrl()).buffer(true);
      expect(res.headers['content-type']).toBe('video/mp4');
    });

    it('Content-Disposition is inline with the sanitised name, ASCII fallback and UTF-8 form', async () => {
      const res = await editor.get(contentUrl()).buffer(true);
      expect(res.headers['content-disposition']).toBe(`inline; filename="?berschwemmung am Fluss.mp4"; filename*=UTF-8''%C3%9Cberschwemmung%20am%20Fluss.mp4`);
    });

    it('?download=1 makes it an attachment; ?download=0 keeps it inline', async () => {
      expect((await editor.get(`${contentUrl()}?download=1`).buffer(true)).headers['content-disposition']).toMatch(/^attachment; filename=/);
      expect((await editor.get(`${contentUrl()}?download=0`).buffer(true)).headers['content-disposition']).toMatch(/^inline; filename=/);
    });

    it('admins may watch too', async () => {
      const res = await binary(admin.get(contentUrl()));
      expect(res.status).toBe(200);
      expect(sha256(res.body as Buffer)).toBe(sha256(video));
    });

    it('a name with quotes and a path is served as its sanitised display name only', async () => {
      const { media: other } = await postVideo(t, video, '..\\..\\secret "clip".mp4');
      const res = await editor.get(`/api/media/${other.id}/content`).buffer(true);
      expect(other.display_filename).toBe('secret _clip_.mp4');
      expect(res.headers['content-disposition']).toBe('inline; filename="secret _clip_.mp4"');
    });
  });

  describe('Range requests', () => {
    it.each([
      ['bytes=0-99', 0, 99],
      ['bytes=0-0', 0, 0],
      ['bytes=0-1', 0, 1],
      ['bytes=1000-', 1000, video.length - 1],
      ['bytes=-500', video.length - 500, video.length - 1],
      ['bytes=-1', video.length - 1, video.length - 1],
      ['bytes=5000-999999', 5000, video.length - 1],
      ['bytes=-999999', 0, video.length - 1],
    ])('%s → 206 with Content-Range and exactly those bytes', async (range, start, end) => {
      const res = await binary(editor.get(contentUrl()).set('Range', range));
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${video.length}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.headers['content-type']).toBe('video/mp4');
      expect(res.headers.etag).toBe(etag());
      expect(Buffer.compare(res.body as Buffer, video.subarray(start, end + 1))).toBe(0);
    });

    it('a browser player’s seek sequence gets the bytes each request asks for, and they reassemble the file', async () => {
      // Chrome opens with bytes=0-, reads the tail for the moov atom, then seeks back and forth.
      const steps: [string, number, number][] = [
        ['bytes=0-', 0, video.length - 1],
        ['bytes=-1024', video.length - 1024, video.length - 1],
        ['bytes=2048-', 2048, video.length - 1],
        ['bytes=512-2047', 512, 2047],
        ['bytes=0-511', 0, 511],
        [`bytes=${video.length - 1024}-${video.length + 5000}`, video.length - 1024, video.length - 1],
      ];
      const assembled = Buffer.alloc(video.length);
      for (const [range, start, end] of steps) {
        const res = await binary(editor.get(contentUrl()).set('Range', range).set('If-Range', etag()));
        expect(res.status).toBe(206);
        expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${video.length}`);
        expect(Buffer.compare(res.body as Buffer, video.subarray(start, end + 1))).toBe(0);
        (res.body as Buffer).copy(assembled, start);
      }
      expect(sha256(assembled)).toBe(media.sha256);
    });

    it.each([`bytes=${video.length}-`, `bytes=${video.length + 10}-${video.length + 20}`, 'bytes=-0'])(
      'unsatisfiable %s → 416 with Content-Range: bytes */size',
      async (range) => {
        const res = await editor.get(contentUrl()).set('Range', range);
        expect(res.status).toBe(416);
        expect(res.headers['content-range']).toBe(`bytes */${video.length}`);
        expect(res.body).toMatchObject({ statusCode: 416, code: 'RANGE_NOT_SATISFIABLE' });
      },
    );

    it.each(['bytes=0-1,5-6', 'bytes=0-99, 200-299', 'bytes=50-10', 'bytes=abc', 'items=0-10', 'bytes=', 'bytes=--5'])(
      'multi-range or malformed %j → ignored: 200 with the whole file',
      async (range) => {
        const res = await binary(editor.get(contentUrl()).set('Range', range));
        expect(res.status).toBe(200);
        expect(res.headers['content-range']).toBeUndefined();
        expect(Buffer.compare(res.body as Buffer, video)).toBe(0);
      },
    );

    it('If-Range with the current ETag honours the Range; a stale ETag, a weak one or a date gets the whole file', async () => {
      const honoured = await binary(editor.get(contentUrl()).set('Range', 'bytes=10-19').set('If-Range', etag()));
      expect(honoured.status).toBe(206);
      expect(Buffer.compare(honoured.body as Buffer, video.subarray(10, 20))).toBe(0);
      for (const ifRange of [`"${'0'.repeat(64)}"`, `W/${etag()}`, 'Wed, 21 Oct 2026 07:28:00 GMT']) {
        const res = await binary(editor.get(contentUrl()).set('Range', 'bytes=10-19').set('If-Range', ifRange));
        expect(res.status).toBe(200);
        expect(Buffer.compare(res.body as Buffer, video)).toBe(0);
      }
    });
  });

  describe('conditional requests and HEAD', () => {
    it('If-None-Match with the ETag (or *) → 304 with no body', async () => {
      for (const ifNoneMatch of [etag(), `"other", ${etag()}`, `W/${etag()}`, '*']) {
        const res = await editor.get(contentUrl()).set('If-None-Match', ifNoneMatch);
        expect(res.status).toBe(304);
        expect(res.headers.etag).toBe(etag());
        expect(res.headers['cache-control']).toBe('private, no-store');
        expect(res.text ?? '').toBe('');
      }
    });

    it('If-None-Match with another ETag → 200 with the file', async () => {
      const res = await binary(editor.get(contentUrl()).set('If-None-Match', '"something-else"'));
      expect(res.status).toBe(200);
      expect(Buffer.compare(res.body as Buffer, video)).toBe(0);
    });

    it('HEAD → the GET headers, no body', async () => {
      const res = await request(t.url).head(contentUrl()).set('Cookie', editor.cookie);
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject({
        'accept-ranges': 'bytes',
        'content-length': String(video.length),
        'content-type': 'video/mp4',
        etag: etag(),
        'x-content-type-options': 'nosniff',
        'content-security-policy': MEDIA_CSP,
      });
      expect(res.body).toEqual({});
    });

    it('HEAD with a Range → the 206 headers, no body', async () => {
      const res = await request(t.url).head(contentUrl()).set('Cookie', editor.cookie).set('Range', 'bytes=100-199');
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes 100-199/${video.length}`);
      expect(res.headers['content-length']).toBe('100');
    });

    it('HEAD with a matching If-None-Match → 304', async () => {
      const res = await request(t.url).head(contentUrl()).set('Cookie', editor.cookie).set('If-None-Match', etag());
      expect(res.status).toBe(304);
    });
  });

  describe('bad ids and missing things', () => {
    it.each(['not-a-uuid', '123', `${randomUUID()}x`])('id %j → 400 VALIDATION_FAILED', async (id) => {
      const res = await editor.get(`/api/media/${id}/content`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.fields.id).toEqual(['Not a valid media id']);
    });

    it('an unknown id → 404 MEDIA_NOT_FOUND (content and thumbnail)', async () => {
      for (const path of ['content', 'thumbnail']) {
        const res = await editor.get(`/api/media/${randomUUID()}/${path}`);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ statusCode: 404, code: 'MEDIA_NOT_FOUND' });
      }
    });

    it('?download=yes or an unknown query parameter → 400', async () => {
      expect((await editor.get(`${contentUrl()}?download=yes`)).body.fields.download).toEqual(['download must be 1 or 0']);
      expect((await editor.get(`${contentUrl()}?path=../../etc/passwd`)).status).toBe(400);
    });

    it('no thumbnail yet → 404 THUMBNAIL_NOT_FOUND', async () => {
      const res = await editor.get(`/api/media/${media.id}/thumbnail`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('THUMBNAIL_NOT_FOUND');
    });

    it('a media row whose upload has not finished → 404 MEDIA_NOT_FOUND', async () => {
      const { media: pending } = await postVideo(t, video, 'pending.mp4');
      await t.db.query(`UPDATE media SET state = 'uploading' WHERE id = $1`, [pending.id]);
      const res = await editor.get(`/api/media/${pending.id}/content`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('MEDIA_NOT_FOUND');
    });

    it('rejected media → 410 MEDIA_REJECTED, for the file and its thumbnail, with or without a Range', async () => {
      const { media: rejected } = await postVideo(t, video, 'rejected.mp4');
      await t.db.query(`UPDATE media SET state = 'rejected' WHERE id = $1`, [rejected.id]);
      for (const path of ['content', 'thumbnail']) {
        const res = await editor.get(`/api/media/${rejected.id}/${path}`).set('Range', 'bytes=0-9');
        expect(res.status).toBe(410);
        expect(res.body).toMatchObject({ statusCode: 410, code: 'MEDIA_REJECTED' });
      }
    });

    it('a row whose blob has gone → 404 MEDIA_NOT_FOUND, and the log says so', async () => {
      const { media: lost } = await postVideo(t, video, 'lost.mp4');
      await rm(join(t.dataDir, 'blobs', lost.storage_key));
      const res = await editor.get(`/api/media/${lost.id}/content`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('MEDIA_NOT_FOUND');
      expect(t.logs.some((line) => line.includes('media row without its blob') && line.includes(lost.id))).toBe(true);
    });
  });

  describe('the thumbnail', () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 0x11), Buffer.from([0xff, 0xd9])]);
    let thumbnailUrl: string;

    beforeAll(async () => {
      // What the thumbnail job will do: write the still through the store, then name it on the row.
      const { media: withThumbnail } = await postVideo(t, video, 'harbour.mov');
      const store = t.app.get<BlobStore>(BLOB_STORE);
      const written = await store.writeTemporary(Readable.from([jpeg]));
      const key = `thumbnails/${withThumbnail.id}.jpg`;
      await store.commit(written.tempKey, key);
      await t.db.query('UPDATE media SET thumbnail_key = $2 WHERE id = $1', [withThumbnail.id, key]);
      thumbnailUrl = `/api/media/${withThumbnail.id}/thumbnail`;
    });

    it('200 image/jpeg, inline, with the same protective headers and a weak ETag', async () => {
      const res = await binary(editor.get(thumbnailUrl));
      expect(res.status).toBe(200);
      expect(Buffer.compare(res.body as Buffer, jpeg)).toBe(0);
      expect(res.headers).toMatchObject({
        'content-type': 'image/jpeg',
        'content-length': String(jpeg.length),
        'content-disposition': 'inline; filename=harbour-thumbnail.jpg',
        'x-content-type-options': 'nosniff',
        'content-security-policy': MEDIA_CSP,
        'cache-control': 'private, no-store',
        'cross-origin-resource-policy': 'same-origin',
      });
      expect(res.headers.etag).toMatch(/^W\/"[0-9a-f]{32}-3006"$/);
    });

    it('If-None-Match → 304; its weak ETag never satisfies If-Range', async () => {
      const { headers } = await editor.get(thumbnailUrl).buffer(true);
      expect((await editor.get(thumbnailUrl).set('If-None-Match', headers.etag)).status).toBe(304);
      const ranged = await binary(editor.get(thumbnailUrl).set('Range', 'bytes=0-9'));
      expect(ranged.status).toBe(206);
      expect(Buffer.compare(ranged.body as Buffer, jpeg.subarray(0, 10))).toBe(0);
      expect((await editor.get(thumbnailUrl).set('Range', 'bytes=0-9').set('If-Range', headers.etag)).status).toBe(200);
    });
  });

  describe('who may fetch media', () => {
    it('anonymous → 401 AUTH_REQUIRED (GET and HEAD, file and thumbnail)', async () => {
      for (const path of [contentUrl(), `/api/media/${media.id}/thumbnail`]) {
        const res = await request(t.url).get(path).set('Range', 'bytes=0-9');
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('AUTH_REQUIRED');
        expect((await request(t.url).head(path)).status).toBe(401);
      }
    });

    it('accounting → 403', async () => {
      const res = await accounting.get(contentUrl());
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect((await accounting.get(`/api/media/${media.id}/thumbnail`)).status).toBe(403);
    });

    it('the contributor who sent the video, signed in to their own tip → 401 (no staff sign-in)', async () => {
      const session = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret });
      expect(session.status).toBe(200);
      const cookie = ([] as string[])
        .concat(session.headers['set-cookie'] ?? [])
        .map((c) => c.split(';')[0])
        .join('; ');
      const res = await request(t.url).get(contentUrl()).set('Cookie', cookie);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('AUTH_REQUIRED');
    });

    it('a signed-out or forged session → 401', async () => {
      const res = await request(t.url).get(contentUrl()).set('Cookie', 'tipdesk_staff=forged-token');
      expect(res.status).toBe(401);
    });

    it('no static or public path reaches the blobs', async () => {
      const id = media.id;
      const paths = [
        `/assets/../blobs/${media.storage_key}`,
        `/assets/%2e%2e/blobs/${media.storage_key}`,
        `/assets/%2e%2e/%2e%2e/%2e%2e/blobs/${media.storage_key}`,
        `/assets/..%2fblobs%2f${media.storage_key.replace('/', '%2f')}`,
        `/assets/${media.storage_key}`,
        `/assets/${id}`,
        `/blobs/${media.storage_key}`,
        `/${media.storage_key}`,
        `/media/${id}`,
        `/media/${id}/content`,
        `/api/media/${id}`,
        `/status/../api/media/${id}/content`,
      ];
      for (const path of paths) {
        // Raw paths, so nothing normalises the dots before the server sees them.
        const res = await rawGet(t.url, path);
        expect({ path, served: res.status < 300 }).toEqual({ path, served: false });
        expect(res.body.includes(video.subarray(0, 64))).toBe(false);
      }
    });
  });

  describe('a viewer who stops watching mid-stream', () => {
    const big = Buffer.concat([video, Buffer.alloc(48 * 1024 * 1024, 0x5a)]);
    let bigMedia: { id: string; storage_key: string };

    beforeAll(async () => {
      ({ media: bigMedia } = await postVideo(t, big, 'long-clip.mp4'));
    });

    it.each([
      ['the whole file', undefined],
      ['an open-ended range', 'bytes=1000-'],
    ])('closes the file and keeps serving, when aborted during %s', async (_what, range) => {
      const blobPath = join(t.dataDir, 'blobs', bigMedia.storage_key);
      expect(await openHandlesTo(blobPath)).toBe(0);
      const errorsBefore = errorLines(t).length;

      const { received, openMidStream } = await new Promise<{ received: number; openMidStream: number }>((resolve, reject) => {
        const req = get(
          `${t.url}/api/media/${bigMedia.id}/content`,
          { headers: { Cookie: editor.cookie, ...(range ? { Range: range } : {}) } },
          (res: IncomingMessage) => {
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              if (bytes < 256 * 1024 || res.isPaused()) return;
              res.pause();
              openHandlesTo(blobPath).then((openMidStream) => {
                req.destroy();
                resolve({ received: bytes, openMidStream });
              }, reject);
            });
            res.on('error', () => undefined);
          },
        );
        req.on('error', (error) => {
          if (!req.destroyed) reject(error);
        });
      });
      expect(received).toBeLessThan(big.length);
      // The server was mid-file: its read stream held the blob open when the viewer left.
      expect(openMidStream).toBe(1);

      await eventually(async () => expect(await openHandlesTo(blobPath)).toBe(0));
      const after = await binary(editor.get(`/api/media/${bigMedia.id}/content`).set('Range', 'bytes=0-1023'));
      expect(after.status).toBe(206);
      expect(Buffer.compare(after.body as Buffer, big.subarray(0, 1024))).toBe(0);
      expect((await request(t.url).get('/health')).status).toBe(200);
      // A gone viewer is not a server error: nothing logged at error level.
      expect(errorLines(t).slice(errorsBefore)).toEqual([]);
    });
  });
});

/** A GET with the path exactly as written (supertest and fetch normalise `..`). */
function rawGet(base: string, path: string): Promise<{ status: number; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = get({ hostname, port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

describe('GET /api/media/:id/content with STORAGE_DRIVER=s3 (against s3rver)', () => {
  let peer: S3Peer;
  let t: TestApp;

  beforeAll(async () => {
    peer = await startS3Peer();
    t = await startTestApp(peer.env);
  });
  afterAll(async () => {
    await t.close();
    await peer.close();
  });

  it('serves the whole file, ranges (0-0 included) and HEAD from the bucket, byte for byte', async () => {
    const video = sampleVideo();
    const editor = await signedInStaff(t, 'editor');
    const { media } = await postVideo(t, video, 'flood.mp4');
    const url = `/api/media/${media.id}/content`;

    const whole = await binary(editor.get(url));
    expect(whole.status).toBe(200);
    expect(Buffer.compare(whole.body as Buffer, video)).toBe(0);
    expect(whole.headers['content-type']).toBe('video/mp4');

    for (const [range, start, end] of [
      ['bytes=0-0', 0, 0],
      ['bytes=0-1', 0, 1],
      ['bytes=100-4099', 100, 4099],
      ['bytes=3000-', 3000, video.length - 1],
      ['bytes=-700', video.length - 700, video.length - 1],
    ] as const) {
      const res = await binary(editor.get(url).set('Range', range));
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${video.length}`);
      expect(Buffer.compare(res.body as Buffer, video.subarray(start, end + 1))).toBe(0);
    }

    const head = await request(t.url).head(url).set('Cookie', editor.cookie);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(video.length));
    expect((await editor.get(url).set('Range', `bytes=${video.length}-`)).status).toBe(416);
  });
});
