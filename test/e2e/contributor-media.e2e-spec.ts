// A contributor adds more files to their own tip: POST /api/contributor/media and the /status
// page's "Add more files" form. All or nothing: every refusal leaves no row and no blob behind
// (temporary or final), counted in the storage directory before and after.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { contributorWithTip as contributorWithTipOf, type SignedInContributor } from '../support/fixtures.js';
import { htmlPage, onePixelPng, sampleVideo, windowsExe } from '../support/media-samples.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const MAX_FILES = 3;
const MAX_FILE_BYTES = 200_000;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let t: TestApp;
let editor: SignedInStaff;

beforeAll(async () => {
  t = await startTestApp({ MAX_FILE_BYTES: String(MAX_FILE_BYTES), MAX_FILES_PER_TIP: String(MAX_FILES) });
  editor = await signedInStaff(t, 'editor');
});
afterAll(async () => {
  await t?.close();
});

type Contributor = SignedInContributor;

/** A tip sent with `videos` files, and its contributor signed in through the API. */
const contributorWithTip = (videos = 1) => contributorWithTipOf(t, { story: 'Flood water in the underpass' }, { videos });

type Upload = [bytes: Buffer, filename: string];
const video = (filename = 'second-angle.mp4'): Upload => [sampleVideo(), filename];

/** POST /api/contributor/media as an API client: the session cookie and the X-CSRF-Token header. */
function addMedia(who: Contributor, uploads: Upload[]) {
  const req = request(t.url).post('/api/contributor/media').set('Cookie', who.cookie).set('X-CSRF-Token', who.csrfToken);
  for (const [bytes, filename] of uploads) req.attach('files', bytes, { filename });
  return req;
}

const mediaOf = async (tipId: string) =>
  (
    await t.db.query('SELECT id, display_filename, kind, size_bytes, sha256, storage_key FROM media WHERE tip_id = $1 ORDER BY created_at, display_filename', [
      tipId,
    ])
  ).rows;

const snapshot = async () => ({ media: await t.count('media'), blobs: (await t.blobFiles()).sort() });

/** Nothing new in the media table or anywhere under the storage directory (tmp/ included). */
async function expectNothingNew(before: { media: number; blobs: string[] }) {
  expect(await t.count('media')).toBe(before.media);
  await eventually(async () => expect((await t.blobFiles()).sort()).toEqual(before.blobs));
}

const auditOf = async (tipId: string) =>
  (await t.db.query(`SELECT actor_type, actor_id, after FROM audit_events WHERE action = 'contributor.media_added' AND entity_id = $1`, [tipId])).rows;

async function setStatus(tipId: string, status: string) {
  const { version } = (await editor.get(`/api/tips/${tipId}`).expect(200)).body as { version: number };
  await editor.patch(`/api/tips/${tipId}`).send({ version, status }).expect(200);
}

describe('POST /api/contributor/media', () => {
  it('a video and a photo: 201 with each file’s id, name, size and kind; rows, blobs, the tip, the desk and an audit event', async () => {
    const me = await contributorWithTip(1);
    const photo = onePixelPng();
    const res = await addMedia(me, [video('second-angle.mp4'), [photo, 'still.png']]);
    expect(res.status).toBe(201);
    expect(res.body.filesLeft).toBe(0);
    expect(res.body.added).toEqual([
      { id: expect.any(String), filename: 'second-angle.mp4', size: sampleVideo().length, kind: 'video', addedAt: expect.any(String) },
      { id: expect.any(String), filename: 'still.png', size: photo.length, kind: 'image', addedAt: expect.any(String) },
    ]);

    const rows = await mediaOf(me.id);
    expect(rows).toHaveLength(3);
    const added = rows.filter((row) => res.body.added.some((m: { id: string }) => m.id === row.id));
    expect(added.map((row) => [row.display_filename, row.kind])).toEqual(
      expect.arrayContaining([
        ['second-angle.mp4', 'video'],
        ['still.png', 'image'],
      ]),
    );
    for (const row of added) {
      expect(row.storage_key).toBe(`media/${row.id}`);
      const stored = await readFile(join(t.dataDir, 'blobs', row.storage_key));
      expect(sha256(stored)).toBe(row.sha256.trim());
    }
    expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]);

    const tip = (await request(t.url).get('/api/contributor/tip').set('Cookie', me.cookie).expect(200)).body;
    expect(tip.media.map((m: { filename: string }) => m.filename).sort()).toEqual(['IMG_2041.MP4', 'second-angle.mp4', 'still.png']);
    expect(tip).toMatchObject({ acceptsFiles: true, filesLeft: 0 });

    const [contributorId] = (await t.db.query('SELECT contributor_id FROM tips WHERE id = $1', [me.id])).rows.map((r) => r.contributor_id);
    const events = await auditOf(me.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_type: 'contributor', actor_id: contributorId, after: { mediaCount: 2 } });
    expect(events[0].after.mediaIds.sort()).toEqual(added.map((row) => row.id).sort());

    // The desk sees the new files on the tip, and the history says who added them.
    expect((await editor.get(`/api/tips/${me.id}`).expect(200)).body.media).toHaveLength(3);
    expect((await editor.get(`/desk/tips/${me.id}`).expect(200)).text).toContain('Files added by the contributor');
  });

  it.each([
    ['a Windows exe', windowsExe],
    ['an HTML page', htmlPage],
  ])('%s named .mp4 beside a good video: 415, no new row, no blob (temporary or final)', async (_name, bytes) => {
    const me = await contributorWithTip(0);
    const before = await snapshot();
    const res = await addMedia(me, [video('good.mp4'), [bytes(), 'holiday.mp4']]);
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', fields: { files: [expect.stringContaining('holiday.mp4')] } });
    await expectNothingNew(before);
    expect(await auditOf(me.id)).toEqual([]);
  });

  it('more files than the tip has room for: 400 TOO_MANY_FILES, nothing stored', async () => {
    const me = await contributorWithTip(1);
    const before = await snapshot();
    const res = await addMedia(me, [video('a.mp4'), video('b.mp4'), video('c.mp4')]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TOO_MANY_FILES');
    expect(res.body.message).toBe(`A tip can have at most ${MAX_FILES} files: you can add 2 more, and you sent 3.`);
    await expectNothingNew(before);

    // More than MAX_FILES_PER_TIP in one post is refused while the form is read.
    const flood = await addMedia(me, [video('a.mp4'), video('b.mp4'), video('c.mp4'), video('d.mp4')]);
    expect(flood.status).toBe(400);
    expect(flood.body.code).toBe('TOO_MANY_FILES');
    await expectNothingNew(before);
    expect(await mediaOf(me.id)).toHaveLength(1);
  });

  it('a full tip: 400 TOO_MANY_FILES for one more, and the tip says filesLeft 0', async () => {
    const me = await contributorWithTip(MAX_FILES);
    const before = await snapshot();
    const res = await addMedia(me, [video()]);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(`A tip can have at most ${MAX_FILES} files, and yours has them all.`);
    await expectNothingNew(before);
    expect((await request(t.url).get('/api/contributor/tip').set('Cookie', me.cookie)).body).toMatchObject({ acceptsFiles: true, filesLeft: 0 });
  });

  it('two posts at once cannot pass MAX_FILES_PER_TIP together: one 201, one 400', async () => {
    const me = await contributorWithTip(1);
    const results = await Promise.all([addMedia(me, [video('x1.mp4'), video('x2.mp4')]), addMedia(me, [video('y1.mp4'), video('y2.mp4')])]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(await mediaOf(me.id)).toHaveLength(MAX_FILES);
    expect((await t.blobFiles()).filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });

  it('a file over MAX_FILE_BYTES: 413 FILE_TOO_LARGE, partial bytes gone', async () => {
    const me = await contributorWithTip(0);
    const before = await snapshot();
    const res = await addMedia(me, [[Buffer.concat([sampleVideo(), Buffer.alloc(MAX_FILE_BYTES, 1)]), 'long.mp4']]);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('FILE_TOO_LARGE');
    await expectNothingNew(before);
  });

  it('no files: 400 VALIDATION_FAILED naming files (multipart with none, or JSON)', async () => {
    const me = await contributorWithTip(0);
    const before = await snapshot();
    const empty = await request(t.url).post('/api/contributor/media').set('Cookie', me.cookie).field('_csrf', me.csrfToken);
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: { files: ['Choose at least one video, photo or audio file to add'] } });
    const json = await request(t.url).post('/api/contributor/media').set('Cookie', me.cookie).set('X-CSRF-Token', me.csrfToken).send({});
    expect(json.status).toBe(400);
    expect(json.body.fields.files).toBeDefined();
    await expectNothingNew(before);
  });

  it('a text field beside the files: 400 naming it, and the files are removed', async () => {
    const me = await contributorWithTip(0);
    const before = await snapshot();
    const stray = await addMedia(me, [video()]).field('caption', 'hello');
    expect(stray.status).toBe(400);
    expect(stray.body.fields).toEqual({ caption: ['This field is not allowed'] });
    const asText = await request(t.url).post('/api/contributor/media').set('Cookie', me.cookie).set('X-CSRF-Token', me.csrfToken).field('files', '/etc/passwd');
    expect(asText.status).toBe(400);
    expect(asText.body.fields.files[0]).toMatch(/Send the files themselves/);
    await expectNothingNew(before);
  });

  it('no session: 401 AUTH_REQUIRED, nothing stored', async () => {
    const before = await snapshot();
    const res = await request(t.url).post('/api/contributor/media').attach('files', sampleVideo(), { filename: 'clip.mp4' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('AUTH_REQUIRED');
    await expectNothingNew(before);
  });

  it('a staff session: 403 FORBIDDEN, nothing stored', async () => {
    const before = await snapshot();
    const res = await editor.post('/api/contributor/media').attach('files', sampleVideo(), { filename: 'clip.mp4' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    await expectNothingNew(before);
  });

  it('without the CSRF token, with a wrong one, or with the `_csrf` field after the files: 403, nothing stored', async () => {
    const me = await contributorWithTip(0);
    const before = await snapshot();
    const post = () => request(t.url).post('/api/contributor/media').set('Cookie', me.cookie);
    const none = await post().attach('files', sampleVideo(), { filename: 'clip.mp4' });
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('CSRF_TOKEN_INVALID');
    const wrongHeader = await post().set('X-CSRF-Token', 'x'.repeat(me.csrfToken.length)).attach('files', sampleVideo(), { filename: 'clip.mp4' });
    expect(wrongHeader.status).toBe(403);
    const wrongField = await post().field('_csrf', 'nope').attach('files', sampleVideo(), { filename: 'clip.mp4' });
    expect(wrongField.status).toBe(403);
    // A form's token must come before its files: they are not stored on the chance it turns up later.
    const late = await post().attach('files', sampleVideo(), { filename: 'clip.mp4' }).field('_csrf', me.csrfToken);
    expect(late.status).toBe(403);
    await expectNothingNew(before);

    // The token as the form's first field is what the /status page sends.
    const first = await post().field('_csrf', me.csrfToken).attach('files', sampleVideo(), { filename: 'clip.mp4' });
    expect(first.status).toBe(201);
    expect(await mediaOf(me.id)).toHaveLength(1);
  });

  it.each(['spam', 'rejected', 'archived'])('a tip marked %s: 409 TIP_CLOSED, nothing stored; reopened, files are taken again', async (status) => {
    const me = await contributorWithTip(1);
    await setStatus(me.id, status);
    const before = await snapshot();
    const res = await addMedia(me, [video()]);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'TIP_CLOSED', message: expect.stringContaining('no longer taking files') });
    await expectNothingNew(before);
    expect((await request(t.url).get('/api/contributor/tip').set('Cookie', me.cookie)).body).toMatchObject({ acceptsFiles: false, filesLeft: 0 });

    await setStatus(me.id, 'in_review');
    expect((await addMedia(me, [video()])).status).toBe(201);
  });

  it('a used tip is closed to new files too: 409', async () => {
    const me = await contributorWithTip(1);
    for (const status of ['in_review', 'verified', 'used']) await setStatus(me.id, status);
    expect((await addMedia(me, [video()])).status).toBe(409);
    expect(await mediaOf(me.id)).toHaveLength(1);
  });
});

describe('"Add more files" on /status/tip', () => {
  /** The tip page as the contributor's browser gets it, and the CSRF token its files form carries. */
  async function tipPage(me: Contributor) {
    const page = await request(t.url).get('/status/tip').set('Cookie', me.cookie).expect(200);
    const form = /<form method="post" action="\/status\/tip\/files"[^>]*>\s*(?:\{\{!--[^]*?--\}\}\s*)?<input type="hidden" name="_csrf" value="([^"]+)">/.exec(
      page.text,
    );
    return { html: page.text, csrfToken: form?.[1] };
  }

  /** Posts the form as a browser does: `_csrf` first, then the files. */
  function submitForm(me: Contributor, csrfToken: string | undefined, uploads: Upload[]) {
    const req = request(t.url).post('/status/tip/files').set('Cookie', me.cookie).set('Accept', 'text/html');
    if (csrfToken !== undefined) req.field('_csrf', csrfToken);
    for (const [bytes, filename] of uploads) req.attach('files', bytes, { filename, contentType: 'application/octet-stream' });
    return req;
  }

  it('lists the tip’s files with their sizes, and offers a multipart form with the token before the file input', async () => {
    const me = await contributorWithTip(1);
    const { html, csrfToken } = await tipPage(me);
    expect(csrfToken).toBe(me.csrfToken);
    expect(html).toContain('<form method="post" action="/status/tip/files" enctype="multipart/form-data" id="files-form">');
    expect(html).toMatch(/<li><span class="filename">IMG_2041\.MP4<\/span> <span class="hint">Video, 5\.9 KB<\/span><\/li>/);
    expect(html).toContain('up to 2 more files, each up to 195 KB');
    expect(html).not.toContain('{{!--');
  });

  it('two files through the form: 303 with "2 files added", and the page lists them', async () => {
    const me = await contributorWithTip(0);
    const { csrfToken } = await tipPage(me);
    const res = await submitForm(me, csrfToken, [video('from-the-bridge.mp4'), [onePixelPng(), 'IMG_2001.PNG']]);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status/tip?notice=files-added&files=2#files');
    const after = await request(t.url).get('/status/tip?notice=files-added&files=2').set('Cookie', me.cookie).expect(200);
    expect(after.text).toContain('2 files added. The newsroom can see them now.');
    expect(after.text).toContain('<span class="filename">from-the-bridge.mp4</span>');
    expect(after.text).toContain('<span class="filename">IMG_2001.PNG</span> <span class="hint">Photo, 70 B</span>');
    expect(await mediaOf(me.id)).toHaveLength(2);
    expect(await auditOf(me.id)).toHaveLength(1);
    // The count in the address is only ever a number: anything else gets the plain sentence.
    const odd = await request(t.url).get('/status/tip?notice=files-added&files=<b>9</b>').set('Cookie', me.cookie).expect(200);
    expect(odd.text).toContain('Your files have been added.');
  });

  it('a renamed exe through the form: 415, the page again with the reason by the form, nothing stored', async () => {
    const me = await contributorWithTip(1);
    const { csrfToken } = await tipPage(me);
    const before = await snapshot();
    const res = await submitForm(me, csrfToken, [video('fine.mp4'), [windowsExe(), 'party.mp4']]);
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(
      '<div class="alert" role="alert" id="files-error"><p>&quot;party.mp4&quot; is not a video, photo or audio file we can accept. None of your files were added.</p></div>',
    );
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toContain(`name="_csrf" value="${me.csrfToken}"`);
    await expectNothingNew(before);
  });

  it('too many through the form: 400 with how many more fit; a full tip has no form', async () => {
    const me = await contributorWithTip(2);
    const { csrfToken } = await tipPage(me);
    const before = await snapshot();
    const res = await submitForm(me, csrfToken, [video('a.mp4'), video('b.mp4')]);
    expect(res.status).toBe(400);
    expect(res.text).toContain(`A tip can have at most ${MAX_FILES} files: you can add 1 more, and you sent 2. None of your files were added.`);
    await expectNothingNew(before);

    expect((await submitForm(me, csrfToken, [video('c.mp4')])).status).toBe(303);
    const full = await tipPage(me);
    expect(full.html).not.toContain('id="files-form"');
    expect(full.html).toContain(`Your tip has all the files a tip can take (${MAX_FILES}).`);
  });

  it('no file chosen: 400 with the page asking for one', async () => {
    const me = await contributorWithTip(0);
    const { csrfToken } = await tipPage(me);
    const res = await submitForm(me, csrfToken, []);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choose at least one video, photo or audio file to add');
  });

  it('a closed tip: no form on the page; a post anyway is 409 with the reason, nothing stored', async () => {
    const me = await contributorWithTip(1);
    const { csrfToken } = await tipPage(me);
    await setStatus(me.id, 'rejected');
    const closed = await tipPage(me);
    expect(closed.html).not.toContain('id="files-form"');
    expect(closed.html).toContain('We are no longer taking files for this tip.');
    expect(closed.html).toContain('IMG_2041.MP4');
    const before = await snapshot();
    const res = await submitForm(me, csrfToken, [video()]);
    expect(res.status).toBe(409);
    expect(res.text).toContain('id="files-error"');
    expect(res.text).toContain('We are no longer taking files for this tip.');
    await expectNothingNew(before);
  });

  it('the form without _csrf: 403 and nothing stored; signed out: 303 to /status', async () => {
    const me = await contributorWithTip(0);
    const before = await snapshot();
    const res = await submitForm(me, undefined, [video()]);
    expect(res.status).toBe(403);
    const signedOut = await request(t.url).post('/status/tip/files').set('Accept', 'text/html').attach('files', sampleVideo(), { filename: 'clip.mp4' });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.location).toBe('/status');
    await expectNothingNew(before);
  });
});
