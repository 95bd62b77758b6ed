// Issue 15: ffprobe and ffmpeg ran on untrusted files with no protocol whitelist, no memory
// ceiling, no thread bound and a fixed 60 s/120 s timeout. A small PNG claiming 16,000 × 16,000
// pixels made ffmpeg decode a gigabyte; a file that never ends held a worker for minutes.
// Now: MEDIA_MAX_PIXELS, MEDIA_TOOL_TIMEOUT_SECONDS, MEDIA_TOOL_MEMORY_BYTES, MEDIA_TOOL_THREADS,
// `-protocol_whitelist file,pipe`; such files are marked unreadable and the worker goes on.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeflate, crc32 } from 'node:zlib';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { BLOB_STORE, type BlobStore } from '../../src/storage/blob-store.js';
import { sampleVideo } from '../support/media-samples.js';
import { postTip } from '../support/fixtures.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

interface MediaRow {
  id: string;
  tip_id: string;
  state: string;
  storage_key: string;
  probe: { error?: string; width?: number; height?: number; duration?: number } | null;
  thumbnail_key: string | null;
}

/** A PNG of `width` × `height` RGBA pixels, all zero: about a megabyte on disk for a gigabyte decoded. */
async function pngBomb(width: number, height: number): Promise<Buffer> {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (d: Buffer) => parts.push(d));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  const row = Buffer.alloc(width * 4 + 1);
  for (let y = 0; y < height; y++) if (!deflate.write(row)) await new Promise((resolve) => deflate.once('drain', resolve));
  deflate.end();
  await ended;
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]);
}

describe('media tools on hostile files (real ffprobe/ffmpeg, pg-boss)', () => {
  let t: TestApp;
  let store: BlobStore;
  let peer: Server;
  let peerHits: string[];

  beforeAll(async () => {
    t = await startTestApp({
      JOBS_ENABLED: 'true',
      JOBS_POLL_SECONDS: '1',
      MEDIA_JOB_RETRY_LIMIT: '1',
      MEDIA_JOB_RETRY_DELAY_SECONDS: '1',
      MEDIA_TOOL_TIMEOUT_SECONDS: '3',
    });
    store = t.app.get<BlobStore>(BLOB_STORE);
    peerHits = [];
    peer = createServer((req, res) => {
      peerHits.push(req.url ?? '');
      res.end(sampleVideo());
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => peer?.close(resolve));
  });

  async function postFile(bytes: Buffer, filename: string, contentType: string): Promise<MediaRow> {
    const tip = await postTip(t, { story: 'Filmed it on my phone' }, { files: [{ bytes, filename, contentType }] });
    return row((await t.db.query(`SELECT id FROM media WHERE tip_id = $1`, [tip.id])).rows[0].id);
  }

  const row = async (id: string): Promise<MediaRow> =>
    (await t.db.query(`SELECT id, tip_id, state, storage_key, probe, thumbnail_key FROM media WHERE id = $1`, [id])).rows[0];

  async function settled(id: string, timeoutMs = 20_000): Promise<MediaRow> {
    let media!: MediaRow;
    await eventually(async () => {
      media = await row(id);
      expect(['ready', 'unprobed']).toContain(media.state);
    }, timeoutMs);
    return media;
  }

  /**
   * A video that passed the type sniffer (which reads the first bytes) whose stored bytes are
   * then `replace`d: what ffmpeg would meet in a file crafted to look like one thing to the
   * sniffer and another to ffmpeg's own probing. Processed again by the real worker.
   */
  async function processedAgainAs(replace: (path: string) => Promise<void>, timeoutMs?: number): Promise<MediaRow> {
    const media = await postFile(sampleVideo(), 'clip.mp4', 'video/mp4');
    expect((await settled(media.id)).state).toBe('ready');
    const path = await store.localPath(media.storage_key);
    await unlink(path!);
    await replace(path!);
    await t.db.query(`UPDATE media SET state = 'stored', probe = NULL, thumbnail_key = NULL, created_at = now() - interval '1 hour' WHERE id = $1`, [media.id]);
    await t.db.query(`DELETE FROM pgboss.job WHERE id = $1`, [media.id]);
    await t.app.get(JobsService).sendLostMedia();
    return settled(media.id, timeoutMs);
  }

  it('a 16,000 × 16,000 PNG (1 MB on disk, 1 GB decoded) → unprobed MEDIA_TOO_LARGE on the first try, no poster; the file is still served', async () => {
    const bomb = await pngBomb(16_000, 16_000);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const media = await postFile(bomb, 'holiday.png', 'image/png');
    const done = await settled(media.id);
    expect(done.state).toBe('unprobed');
    expect(done.probe).toEqual({ error: 'MEDIA_TOO_LARGE' });
    expect(done.thumbnail_key).toBeNull();
    // Given up at once: the same file is as large on every try.
    expect(t.logs.filter((line) => line.includes('media processing failed') && line.includes(media.id))).toHaveLength(0);
  }, 60_000);

  it('an HLS playlist pointing at http:// and file:// segments → nothing fetched or read, unprobed MEDIA_UNREADABLE', async () => {
    const { port } = peer.address() as AddressInfo;
    const local = `${t.dataDir}/segment.mp4`;
    await writeFile(local, sampleVideo());
    const done = await processedAgainAs((path) =>
      writeFile(
        path,
        [
          '#EXTM3U',
          '#EXT-X-TARGETDURATION:1',
          '#EXTINF:1.0,',
          `http://127.0.0.1:${port}/segment.ts`,
          '#EXTINF:1.0,',
          `file://${local}`,
          '#EXTINF:1.0,',
          'file:///etc/passwd',
          '#EXT-X-ENDLIST',
          '',
        ].join('\n'),
      ),
    );
    expect(done.state).toBe('unprobed');
    expect(done.probe).toEqual({ error: 'MEDIA_UNREADABLE' });
    expect(peerHits).toEqual([]);
  }, 60_000);

  it('a concat list pointing at http:// → nothing fetched, unprobed', async () => {
    const { port } = peer.address() as AddressInfo;
    const done = await processedAgainAs((path) => writeFile(path, `ffconcat version 1.0\nfile http://127.0.0.1:${port}/concat.mp4\nfile /etc/passwd\n`));
    expect(done.state).toBe('unprobed');
    expect(peerHits).toEqual([]);
  }, 60_000);

  it('the worker lives on: a phone video sent after all of the above is ready with its poster', async () => {
    const media = await postFile(sampleVideo(), 'after.mp4', 'video/mp4');
    const done = await settled(media.id);
    expect(done.state).toBe('ready');
    expect(done.probe).toMatchObject({ width: 64, height: 64 });
    expect(done.thumbnail_key).toBe(`thumbnails/${media.id}.jpg`);
  }, 60_000);
});

describe('a file that keeps the tool busy past MEDIA_TOOL_TIMEOUT_SECONDS', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No pixel ceiling and room to decode: only the timeout stands between the worker and a
    // gigabyte-sized decode (what any file that makes ffprobe loop or crawl meets).
    t = await startTestApp({
      JOBS_ENABLED: 'true',
      JOBS_POLL_SECONDS: '1',
      MEDIA_JOB_RETRY_LIMIT: '0',
      MEDIA_TOOL_TIMEOUT_SECONDS: '1',
      MEDIA_MAX_PIXELS: '1000000000',
      MEDIA_TOOL_MEMORY_BYTES: String(4 * 1024 ** 3),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ffprobe decoding a 16,000 × 16,000 PNG is killed after 1 s: unprobed MEDIA_TIMEOUT, and the next file is processed', async () => {
    const panorama = await postTip(
      t,
      { story: 'A panorama' },
      { files: [{ bytes: await pngBomb(16_000, 16_000), filename: 'panorama.png', contentType: 'image/png' }] },
    );
    const started = Date.now();
    const id = (await t.db.query(`SELECT id FROM media WHERE tip_id = $1`, [panorama.id])).rows[0].id;
    let row!: { state: string; probe: unknown };
    await eventually(async () => {
      row = (await t.db.query(`SELECT state, probe FROM media WHERE id = $1`, [id])).rows[0];
      expect(['ready', 'unprobed']).toContain(row.state);
    }, 20_000);
    expect(row).toEqual({ state: 'unprobed', probe: { error: 'MEDIA_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(10_000);

    const next = await postTip(t, { story: 'A clip' }, { files: [{ bytes: sampleVideo(), filename: 'clip.mp4', contentType: 'video/mp4' }] });
    await eventually(async () => {
      const { rows } = await t.db.query(`SELECT state FROM media WHERE tip_id = $1`, [next.id]);
      expect(rows[0].state).toBe('ready');
    }, 20_000);
  }, 60_000);
});
