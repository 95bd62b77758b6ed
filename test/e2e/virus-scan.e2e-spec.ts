import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { binary } from '../support/binary.js';
import { EICAR, EICAR_SIGNATURE, FakeClamd } from '../support/fake-clamd.js';
import { sampleVideo } from '../support/media-samples.js';
import { freePort } from '../support/net.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

interface ScanRow {
  id: string;
  tip_id: string;
  scan_state: string | null;
  scan_signature: string | null;
  scan_note: string | null;
  scanned_at: Date | null;
  sha256: string;
}

const jobSettings = { JOBS_ENABLED: 'true', JOBS_POLL_SECONDS: '1', MEDIA_JOB_RETRY_LIMIT: '2', MEDIA_JOB_RETRY_DELAY_SECONDS: '1' };
// The fake clamd's StreamMaxLength, and the app's own (higher) limit on what it sends.
const CLAMD_STREAM_MAX = 256 * 1024;
const APP_MAX_BYTES = 512 * 1024;

async function postFile(t: TestApp, bytes: Buffer, filename: string): Promise<ScanRow> {
  const res = await request(t.url)
    .post('/api/tips')
    .field('story', 'Filmed it on my phone')
    .field('consentTerms', 'true')
    .field('consentOwnWork', 'true')
    .field('consentOver18', 'true')
    .attach('files', bytes, { filename, contentType: 'video/mp4' });
  expect(res.status).toBe(201);
  const {
    rows: [media],
  } = await t.db.query(`SELECT m.id, m.tip_id FROM media m JOIN tips ON tips.id = m.tip_id WHERE tips.reference = $1`, [res.body.reference]);
  return media;
}

async function scanRow(t: TestApp, id: string): Promise<ScanRow> {
  const {
    rows: [row],
  } = await t.db.query(`SELECT id, tip_id, scan_state, scan_signature, scan_note, scanned_at, sha256 FROM media WHERE id = $1`, [id]);
  return row;
}

async function scanned(t: TestApp, id: string, timeoutMs = 20_000): Promise<ScanRow> {
  let row!: ScanRow;
  await eventually(async () => {
    row = await scanRow(t, id);
    expect(row.scan_state).not.toBe('pending');
  }, timeoutMs);
  return row;
}

/** A real phone video with `extra` after its last box: still sniffed as MP4. */
const videoWith = (extra: Buffer) => Buffer.concat([sampleVideo(), extra]);

describe('virus scanning through clamd INSTREAM (a real TCP peer)', () => {
  let clamd: FakeClamd;
  let t: TestApp;
  let editor: SignedInStaff;
  let admin: SignedInStaff;

  beforeAll(async () => {
    clamd = await new FakeClamd({ streamMaxLength: CLAMD_STREAM_MAX }).start();
    t = await startTestApp({ ...jobSettings, CLAMAV_HOST: '127.0.0.1', CLAMAV_PORT: String(clamd.port), CLAMAV_MAX_BYTES: String(APP_MAX_BYTES) });
    editor = await signedInStaff(t, 'editor');
    admin = await signedInStaff(t, 'admin');
  });

  afterAll(async () => {
    await t?.close();
    await clamd?.stop();
  });

  it('a clean video → clean, with the time of the scan; still served; the tip says nothing was found', async () => {
    const bytes = sampleVideo();
    const media = await postFile(t, bytes, 'clean.mp4');
    const row = await scanned(t, media.id);
    expect(row).toMatchObject({ scan_state: 'clean', scan_signature: null, scan_note: null });
    expect(row.scanned_at).toBeInstanceOf(Date);
    // clamd got every byte, reassembled from the length-prefixed chunks.
    expect(clamd.scans.some((s) => s.bytes === bytes.length && s.reply === 'stream: OK')).toBe(true);

    const content = await binary(editor.get(`/api/media/${media.id}/content`)).expect(200);
    expect(Buffer.compare(content.body as Buffer, bytes)).toBe(0);
    const tip = await editor.get(`/api/tips/${media.tip_id}`).expect(200);
    expect(tip.body.media[0]).toMatchObject({ scanState: 'clean', scanSignature: null, scanNote: null });
    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain('Virus scan: nothing found.');
  });

  it('a video with the EICAR string appended → infected and quarantined: content and thumbnail 423 MEDIA_QUARANTINED, the tip and the queue warn, the bytes are kept, the tip history says so', async () => {
    const bytes = videoWith(EICAR);
    const media = await postFile(t, bytes, 'eicar.mp4');
    const row = await scanned(t, media.id);
    expect(row).toMatchObject({ scan_state: 'infected', scan_signature: EICAR_SIGNATURE });

    for (const variant of ['content', 'thumbnail']) {
      const refused = await editor.get(`/api/media/${media.id}/${variant}`).expect(423);
      expect(refused.headers['content-type']).toMatch(/^application\/json/);
      expect(refused.body).toMatchObject({ statusCode: 423, code: 'MEDIA_QUARANTINED' });
      expect(refused.body.message).toContain(`ClamAV found ${EICAR_SIGNATURE}`);
    }
    // Kept for evidence, byte for byte.
    expect(await readFile(join(t.dataDir, 'blobs', `media/${media.id}`))).toEqual(bytes);

    const tip = await editor.get(`/api/tips/${media.tip_id}`).expect(200);
    expect(tip.body.media[0]).toMatchObject({ scanState: 'infected', scanSignature: EICAR_SIGNATURE, hasThumbnail: false });
    expect(tip.body.history.map((e: { action: string }) => e.action)).toContain('tip.media_quarantined');
    const event = tip.body.history.find((e: { action: string }) => e.action === 'tip.media_quarantined');
    expect(event).toMatchObject({ actorType: 'system', after: { mediaId: media.id, signature: EICAR_SIGNATURE } });

    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain(`Quarantined: ClamAV found ${EICAR_SIGNATURE}`);
    expect(page.text).toContain('A file was quarantined (ClamAV found a virus)');
    const figure = page.text.slice(
      page.text.indexOf(`data-media-id="${media.id}"`),
      page.text.indexOf('</figure>', page.text.indexOf(`data-media-id="${media.id}"`)),
    );
    // No player, no poster, no download link for it.
    expect(figure).not.toMatch(/<video|<img|\/content|\/thumbnail/);

    const queue = await request(t.url).get('/desk').set('Cookie', editor.cookie).expect(200);
    expect(queue.text).toContain(`Quarantined: ClamAV found ${EICAR_SIGNATURE}`);
    const list = await editor.get('/api/tips').expect(200);
    expect(list.body.items.find((i: { id: string }) => i.id === media.tip_id)).toMatchObject({ quarantinedSignature: EICAR_SIGNATURE });
  });

  it('a signature name is HTML-escaped on the tip page and in the queue', async () => {
    const media = await postFile(t, sampleVideo(), 'odd.mp4');
    await scanned(t, media.id);
    // As if clamd had named it so (a custom signature database can).
    await t.db.query(`UPDATE media SET scan_state = 'infected', scan_signature = '<img src=x onerror=alert(1)>' WHERE id = $1`, [media.id]);
    for (const path of [`/desk/tips/${media.tip_id}`, '/desk']) {
      const page = await request(t.url).get(path).set('Cookie', editor.cookie).expect(200);
      expect(page.text).not.toContain('<img src=x');
      expect(page.text).toContain('Quarantined: ClamAV found &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    }
  });

  it("a file over clamd's StreamMaxLength → not_scanned (too large) from clamd's 'INSTREAM size limit exceeded' reply, never clean", async () => {
    const before = clamd.scans.length;
    const media = await postFile(t, videoWith(randomBytes(CLAMD_STREAM_MAX + 64 * 1024)), 'long.mp4');
    const row = await scanned(t, media.id);
    expect(row).toMatchObject({ scan_state: 'not_scanned', scan_note: 'too large', scan_signature: null });
    expect(clamd.scans.slice(before).map((s) => s.reply)).toContain('INSTREAM size limit exceeded. ERROR');
    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain('Not scanned (too large)');
    // Not a quarantine: the desk can still open it.
    await binary(editor.get(`/api/media/${media.id}/content`)).expect(200);
  });

  it('a file over CLAMAV_MAX_BYTES → not_scanned (too large) without being sent to clamd', async () => {
    const before = clamd.scans.length;
    const media = await postFile(t, videoWith(randomBytes(APP_MAX_BYTES)), 'huge.mp4');
    const row = await scanned(t, media.id);
    expect(row).toMatchObject({ scan_state: 'not_scanned', scan_note: 'too large' });
    expect(clamd.scans.length).toBe(before);
    expect((await editor.get(`/api/tips/${media.tip_id}`).expect(200)).body.media[0]).toMatchObject({ scanState: 'not_scanned', scanNote: 'too large' });
  });

  it('EICAR split across two 64 KiB reads of the blob is still found (the chunks reach clamd intact)', async () => {
    const head = sampleVideo();
    const pad = randomBytes(64 * 1024 - head.length - 20);
    const media = await postFile(t, Buffer.concat([head, pad, EICAR, randomBytes(1000)]), 'split.mp4');
    expect(await scanned(t, media.id)).toMatchObject({ scan_state: 'infected', scan_signature: EICAR_SIGNATURE });
  });

  it('a scan whose enqueue was lost is sent again by the sweep', async () => {
    const media = await postFile(t, sampleVideo(), 'lost.mp4');
    await scanned(t, media.id);
    // As if the process had died between COMMIT and send: a pending row with no scan job.
    await t.db.query(`UPDATE media SET scan_state = 'pending', scanned_at = NULL, created_at = now() - interval '1 hour' WHERE id = $1`, [media.id]);
    await t.db.query(`DELETE FROM pgboss.job WHERE name = 'media-scan' AND id = $1`, [media.id]);
    expect(await t.app.get(JobsService).sendLostMedia()).toBeGreaterThanOrEqual(1);
    expect((await scanned(t, media.id)).scan_state).toBe('clean');
  });

  it('GET /api/jobs/dead-letters lists no scan failures while clamd answers', async () => {
    const { items } = (await admin.get('/api/jobs/dead-letters').expect(200)).body;
    expect(items.filter((i: { queue: string }) => i.queue === 'media-scan')).toEqual([]);
  });
});

describe('virus scanning with clamd down', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let admin: SignedInStaff;

  beforeAll(async () => {
    // A port nobody listens on: every connection is refused.
    t = await startTestApp({ ...jobSettings, CLAMAV_HOST: '127.0.0.1', CLAMAV_PORT: String(await freePort()) });
    editor = await signedInStaff(t, 'editor');
    admin = await signedInStaff(t, 'admin');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('→ tried 3 times with backoff, then dead-lettered; the row stays pending (with the reason), the file is intact, not served inline (409 MEDIA_SCAN_FAILED) but downloadable once confirmed', async () => {
    const bytes = sampleVideo();
    const media = await postFile(t, bytes, 'unscanned.mp4');
    let items: { mediaId: string; errorCode: string; attempts: number; queue: string }[] = [];
    await eventually(async () => {
      ({ items } = (await admin.get('/api/jobs/dead-letters').expect(200)).body);
      expect(items.filter((i) => i.queue === 'media-scan').map((i) => i.mediaId)).toContain(media.id);
    }, 40_000);
    expect(items.find((i) => i.queue === 'media-scan' && i.mediaId === media.id)).toMatchObject({ errorCode: 'CLAMD_UNREACHABLE', attempts: 3 });
    expect(t.logs.filter((line) => line.includes('media scan failed') && line.includes(media.id))).toHaveLength(3);

    const row = await scanRow(t, media.id);
    expect(row).toMatchObject({ scan_state: 'pending', scan_note: 'CLAMD_UNREACHABLE', scanned_at: null, scan_signature: null });
    expect(await readFile(join(t.dataDir, 'blobs', `media/${media.id}`))).toEqual(bytes);
    expect((await editor.get(`/api/media/${media.id}/content`).expect(409)).body.code).toBe('MEDIA_SCAN_FAILED');
    const content = await binary(editor.get(`/api/media/${media.id}/content?download=1&unscanned=1`)).expect(200);
    expect(content.headers['content-disposition']).toMatch(/^attachment/);
    expect(Buffer.compare(content.body as Buffer, bytes)).toBe(0);
    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain('The virus scan failed (CLAMD_UNREACHABLE; it will be tried again)');
    expect(page.text).not.toContain('<video');
    // And on the admins' audit page, named as a scan.
    const audit = await request(t.url).get('/desk/audit').set('Cookie', admin.cookie).expect(200);
    const section = audit.text.slice(audit.text.indexOf('id="dead-letters-table"'));
    expect(section).toContain(media.id);
    expect(section).toContain('<code>media-scan</code>');
    expect(section).toContain('CLAMD_UNREACHABLE');
  }, 60_000);
});

describe('virus scanning off (no CLAMAV_HOST)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(jobSettings);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('→ no scan job and no scan state; the media is processed as before and served', async () => {
    const editor = await signedInStaff(t, 'editor');
    const media = await postFile(t, videoWith(EICAR), 'eicar.mp4');
    await eventually(async () => {
      const {
        rows: [row],
      } = await t.db.query(`SELECT state FROM media WHERE id = $1`, [media.id]);
      expect(['ready', 'unprobed']).toContain(row.state);
    }, 20_000);
    expect((await scanRow(t, media.id)).scan_state).toBeNull();
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'media-scan'`)).rows[0].n)).toBe(0);
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM pgboss.queue WHERE name = 'media-scan'`)).rows[0].n)).toBe(0);
    await binary(editor.get(`/api/media/${media.id}/content`)).expect(200);
    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).not.toMatch(/Virus scan|Quarantined/);
  });
});

describe('scan before view: a file still waiting for its scan (issue 14)', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let accounting: SignedInStaff;
  let media: ScanRow;
  const bytes = sampleVideo();

  beforeAll(async () => {
    // A scanner is configured but no job runs: the file stays 'pending', as it does while clamd is busy.
    t = await startTestApp({ CLAMAV_HOST: '127.0.0.1', CLAMAV_PORT: String(await freePort()) });
    editor = await signedInStaff(t, 'editor');
    accounting = await signedInStaff(t, 'accounting');
    media = await postFile(t, bytes, 'waiting.mp4');
    expect((await scanRow(t, media.id)).scan_state).toBe('pending');
  });

  afterAll(async () => {
    await t?.close();
  });

  it("inline content (a player's request, a Range request, a HEAD) → 409 MEDIA_SCAN_PENDING JSON, no bytes", async () => {
    for (const req of [
      editor.get(`/api/media/${media.id}/content`),
      editor.get(`/api/media/${media.id}/content`).set('Range', 'bytes=0-99'),
      editor.get(`/api/media/${media.id}/content?download=1`),
      editor.get(`/api/media/${media.id}/content?unscanned=1`),
    ]) {
      const res = await req.expect(409);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ statusCode: 409, code: 'MEDIA_SCAN_PENDING', message: expect.stringMatching(/waiting for the virus scan/) });
    }
    await request(t.url).head(`/api/media/${media.id}/content`).set('Cookie', editor.cookie).expect(409);
  });

  it('the confirmed download (download=1&unscanned=1) → the bytes as an attachment, never inline; unscanned=2 → 400', async () => {
    const res = await binary(editor.get(`/api/media/${media.id}/content?download=1&unscanned=1`)).expect(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment/);
    expect(Buffer.compare(res.body as Buffer, bytes)).toBe(0);
    expect((await editor.get(`/api/media/${media.id}/content?download=1&unscanned=2`).expect(400)).body.fields).toHaveProperty('unscanned');
    // Accounting has no use for footage, scanned or not.
    await accounting.get(`/api/media/${media.id}/content?download=1&unscanned=1`).expect(403);
  });

  it('the tip page says "Waiting for the virus scan", has no player, and links to the confirmation page, which links to the confirmed download', async () => {
    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    const figure = page.text.slice(
      page.text.indexOf(`data-media-id="${media.id}"`),
      page.text.indexOf('</figure>', page.text.indexOf(`data-media-id="${media.id}"`)),
    );
    expect(figure).toContain('Waiting for the virus scan');
    expect(figure).not.toMatch(/<video|<img|<audio/);
    expect(figure).not.toContain(`/api/media/${media.id}/content`);
    expect(figure).toContain(`/desk/tips/${media.tip_id}/media/${media.id}/download`);
    const confirm = await request(t.url).get(`/desk/tips/${media.tip_id}/media/${media.id}/download`).set('Cookie', editor.cookie).expect(200);
    expect(confirm.text).toContain('This file is waiting for the virus scan.');
    // (Handlebars escapes `=` and `&` in the address.)
    expect(confirm.text).toContain(`href="/api/media/${media.id}/content?download&#x3D;1&amp;unscanned&#x3D;1" download`);
  });

  it('the confirmation page for a media id that is not on the tip → 404', async () => {
    const other = await postFile(t, sampleVideo(), 'other.mp4');
    await request(t.url).get(`/desk/tips/${media.tip_id}/media/${other.id}/download`).set('Cookie', editor.cookie).expect(404);
  });

  it('once the scan clears it, the file plays again: inline content 200', async () => {
    await t.db.query(`UPDATE media SET scan_state = 'clean', scanned_at = now() WHERE id = $1`, [media.id]);
    await binary(editor.get(`/api/media/${media.id}/content`)).expect(200);
    const page = await request(t.url).get(`/desk/tips/${media.tip_id}`).set('Cookie', editor.cookie).expect(200);
    expect(page.text).toContain(`<video controls preload="metadata" playsinline src="/api/media/${media.id}/content"`);
  });
});
