import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { binary } from '../support/binary.js';
import { withExif } from '../support/exif-jpeg.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { postTip } from '../support/fixtures.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

/** Real ffmpeg, never skipped: CI installs Debian's package. */
function ffmpeg(args: string[]): void {
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('ffmpeg is not installed: run `apt-get install -y ffmpeg` (the media processing tests need the real binary)', { cause: error });
    throw error;
  }
}

interface MediaRow {
  id: string;
  tip_id: string;
  state: string;
  probe: { camera?: string; capturedAt?: string; gps?: { latitude: number; longitude: number }; [key: string]: unknown } | null;
  thumbnail_key: string | null;
}

describe('media processing jobs (pg-boss, real ffmpeg, real PostgreSQL)', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let admin: SignedInStaff;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tipdesk-media-processing-'));
    t = await startTestApp({ JOBS_ENABLED: 'true', JOBS_POLL_SECONDS: '1', MEDIA_JOB_RETRY_LIMIT: '2', MEDIA_JOB_RETRY_DELAY_SECONDS: '1' });
    editor = await signedInStaff(t, 'editor');
    admin = await signedInStaff(t, 'admin');
  });

  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function postFile(bytes: Buffer, filename: string, contentType: string): Promise<MediaRow> {
    const tip = await postTip(t, { story: 'Filmed it on my phone' }, { files: [{ bytes, filename, contentType }] });
    return (await t.db.query(`SELECT id, tip_id FROM media WHERE tip_id = $1`, [tip.id])).rows[0];
  }

  async function settled(id: string, timeoutMs = 20_000): Promise<MediaRow> {
    let row!: MediaRow;
    await eventually(async () => {
      ({
        rows: [row],
      } = await t.db.query(`SELECT id, tip_id, state, probe, thumbnail_key FROM media WHERE id = $1`, [id]));
      expect(['ready', 'unprobed']).toContain(row.state);
    }, timeoutMs);
    return row;
  }

  it('a phone video → ready with duration, resolution, codec, capture time and GPS, and a JPEG poster served at /thumbnail', async () => {
    const path = join(dir, 'phone.mp4');
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc=duration=2:size=320x240:rate=10',
      '-pix_fmt',
      'yuv420p',
      '-metadata',
      'creation_time=2026-11-29T14:30:00Z',
      '-metadata',
      'location=+51.5074-000.1278/',
      path,
    ]);
    const media = await postFile(await readFile(path), 'phone.mp4', 'video/mp4');
    const row = await settled(media.id);
    expect(row.state).toBe('ready');
    expect(row.probe).toEqual({
      duration: 2,
      width: 320,
      height: 240,
      codec: 'h264',
      capturedAt: '2026-11-29T14:30:00.000Z',
      gps: { latitude: 51.5074, longitude: -0.1278 },
    });
    expect(row.thumbnail_key).toBe(`thumbnails/${media.id}.jpg`);

    const thumbnail = await binary(editor.get(`/api/media/${media.id}/thumbnail`)).expect(200);
    expect(thumbnail.headers['content-type']).toBe('image/jpeg');
    expect((thumbnail.body as Buffer).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));

    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain('320×240');
    expect(page.text).toContain('h264');
    const mapHref = /href="(https:\/\/www\.openstreetmap\.org\/[^"]*)"/
      .exec(page.text)?.[1]
      .replace(/&#x3D;/g, '=')
      .replace(/&amp;/g, '&');
    expect(mapHref).toBe('https://www.openstreetmap.org/?mlat=51.5074&mlon=-0.1278#map=16/51.5074/-0.1278');
    expect(page.text).toContain('29 Nov 2026, 14:30'); // the desk's one date style, in its time zone (issue 11)
    const queue = await request(t.url).get('/desk').set('Cookie', editor.cookie).expect(200);
    expect(queue.text).toContain(`/api/media/${media.id}/thumbnail`);
    expect(queue.text).toContain('0:02');
  });

  it('a photo with EXIF → ready with capture time, GPS and camera, and a poster', async () => {
    const path = join(dir, 'photo.jpg');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x480', '-frames:v', '1', path]);
    const photo = withExif(await readFile(path), { make: 'Apple', model: 'iPhone 15', takenAt: '2026:11:29 14:30:00', latitude: 51.5074, longitude: -0.1278 });
    const media = await postFile(photo, 'IMG_0001.jpg', 'image/jpeg');
    const row = await settled(media.id);
    expect(row.state).toBe('ready');
    expect(row.probe?.camera).toBe('Apple iPhone 15');
    expect(row.probe?.capturedAt).toMatch(/^2026-11-29T/);
    expect(row.probe?.gps?.latitude).toBeCloseTo(51.5074, 4);
    expect(row.probe?.gps?.longitude).toBeCloseTo(-0.1278, 4);
    await binary(editor.get(`/api/media/${media.id}/thumbnail`))
      .expect(200)
      .expect('Content-Type', 'image/jpeg');
  });

  it('a corrupt video (MP4 header, random bytes) → tried 3 times, then unprobed with the reason; still served; the tip page says it could not be read; admins see the dead letter', async () => {
    const header = Buffer.from('000000206674797069736f6d0000020069736f6d69736f32617663316d703431', 'hex');
    const bytes = Buffer.concat([header, randomBytes(64 * 1024)]);
    const media = await postFile(bytes, 'broken.mp4', 'video/mp4');
    const row = await settled(media.id, 40_000);
    expect(row.state).toBe('unprobed');
    expect(row.probe).toEqual({ error: 'MEDIA_UNREADABLE' });
    const attempts = t.logs.filter((line) => line.includes('media processing failed') && line.includes(media.id));
    expect(attempts).toHaveLength(3);

    const content = await binary(editor.get(`/api/media/${media.id}/content`)).expect(200);
    expect(Buffer.compare(content.body as Buffer, bytes)).toBe(0);
    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain('could not be read');

    let items: { mediaId: string; errorCode: string; attempts: number; failedAt: string; queue: string }[] = [];
    await eventually(async () => {
      ({ items } = (await admin.get('/api/jobs/dead-letters').expect(200)).body);
      expect(items.map((i) => i.mediaId)).toContain(media.id);
    });
    const letter = items.find((i) => i.mediaId === media.id)!;
    expect(letter).toMatchObject({ queue: 'media-process', errorCode: 'MEDIA_UNREADABLE', attempts: 3 });
    expect(Number.isNaN(Date.parse(letter.failedAt))).toBe(false);
    // Nothing personal: no story, no file name.
    expect(JSON.stringify(items)).not.toMatch(/broken\.mp4|Filmed/);
    // And on the admins' audit page.
    const audit = await request(t.url).get('/desk/audit').set('Cookie', admin.cookie).expect(200);
    const section = audit.text.slice(audit.text.indexOf('id="dead-letters"'));
    expect(section).toContain(media.id);
    expect(section).toContain('MEDIA_UNREADABLE');
  }, 60_000);

  it('a poster whose row cannot be updated (the database failing at that moment) is deleted, not left as an orphan', async () => {
    // Every attempt to record a poster fails, as during the soak's PostgreSQL restart.
    await t.db.query(`CREATE FUNCTION refuse_poster() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'database going away'; END $$`);
    await t.db.query(`CREATE TRIGGER refuse_poster BEFORE UPDATE ON media FOR EACH ROW WHEN (NEW.thumbnail_key IS NOT NULL) EXECUTE FUNCTION refuse_poster()`);
    try {
      const path = join(dir, 'unlucky.mp4');
      ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=1:size=160x120:rate=10', '-pix_fmt', 'yuv420p', path]);
      const media = await postFile(await readFile(path), 'unlucky.mp4', 'video/mp4');
      await eventually(async () => {
        const attempts = t.logs.filter((line) => line.includes('media processing failed') && line.includes(media.id));
        expect(attempts).toHaveLength(3);
      }, 40_000);
      expect((await t.db.query(`SELECT thumbnail_key FROM media WHERE id = $1`, [media.id])).rows).toEqual([{ thumbnail_key: null }]);
      expect(await t.blobFiles()).not.toContain(`thumbnails/${media.id}.jpg`);
    } finally {
      await t.db.query(`DROP TRIGGER refuse_poster ON media`);
      await t.db.query(`DROP FUNCTION refuse_poster()`);
    }
  }, 60_000);

  it('GET /api/jobs/dead-letters → 403 for an editor', async () => {
    await editor.get('/api/jobs/dead-letters').expect(403);
  });

  it('media left in state stored (its enqueue lost) is sent again by the sweep', async () => {
    const path = join(dir, 'lost.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=1:size=64x64:rate=5', '-pix_fmt', 'yuv420p', path]);
    const media = await postFile(await readFile(path), 'lost.mp4', 'video/mp4');
    await settled(media.id);
    // As if the process had died between COMMIT and send: a stored row with no job.
    await t.db.query(`UPDATE media SET state = 'stored', probe = NULL, created_at = now() - interval '1 hour' WHERE id = $1`, [media.id]);
    await t.db.query(`DELETE FROM pgboss.job WHERE id = $1`, [media.id]);
    expect(await t.app.get(JobsService).sendLostMedia()).toBeGreaterThanOrEqual(1);
    expect((await settled(media.id)).state).toBe('ready');
  });
});
