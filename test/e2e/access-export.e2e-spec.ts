// The right of access (issue 14): GET /api/contributor/export streams everything tipdesk holds
// about the signed-in contributor's tip as one ZIP; nobody else's session reaches it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { EXPORTS_PER_HOUR } from '../../src/privacy/access-export.service.js';
import { TERMS_SHA256, TERMS_TEXT, TERMS_VERSION } from '../../src/tips/terms.js';
import { acceptedPayout, contributorWithTip, type SignedInContributor } from '../support/fixtures.js';
import { sampleVideo } from '../support/media-samples.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startS3Peer, type S3Peer } from '../support/s3-peer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { jsonEntry, unzipEntries } from '../support/zip.js';

let t: TestApp;
let editor: SignedInStaff;

beforeAll(async () => {
  t = await startTestApp();
  editor = await signedInStaff(t, 'editor');
});
afterAll(() => t?.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The export as a browser downloads it: a GET with the cookie (or none). */
async function download(cookie?: string, app: { url: string } = t): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${app.url}/api/contributor/export`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const STORY = 'The bridge on Mill Lane cracked this morning; I filmed the council inspecting it.';
const FIELDS = { story: STORY, name: 'Sam Witness', email: 'sam.witness@example.test', phone: '+447700900123', location: 'Mill Lane, Leeds' };

describe('GET /api/contributor/export', () => {
  let contributor: SignedInContributor;
  let accountNumber: string;

  beforeAll(async () => {
    contributor = await contributorWithTip(t, FIELDS, { videos: 2 });
    await editor.post(`/api/tips/${contributor.id}/messages`).send({ body: 'Did you film it yourself?' }).expect(201);
    await contributor.post('/api/contributor/messages').send({ body: 'Yes, from the footpath.' }).expect(201);
    accountNumber = '41234567';
    await acceptedPayout(t, editor, { contributor, payee: { method: 'uk_bank', accountName: 'Sam Witness', sortCode: '20-00-00', accountNumber } });
  });

  it('answers one ZIP with the tip, contact details, consent with the terms text, messages, masked payouts and the files byte for byte', async () => {
    const res = await download(contributor.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="tipdesk-${contributor.reference}.zip"`);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const entries = await unzipEntries(res.body);
    expect([...entries.keys()]).toEqual([
      'README.txt',
      'tip.json',
      'contact.json',
      'consents.json',
      'messages.json',
      'payouts.json',
      'files.json',
      'files/01-IMG_2041.MP4',
      'files/02-IMG_2042.MP4',
    ]);
    expect(jsonEntry(entries, 'tip.json')).toMatchObject({
      reference: contributor.reference,
      channel: 'api',
      status: 'new',
      story: STORY,
      location: 'Mill Lane, Leeds',
    });
    expect(jsonEntry(entries, 'contact.json')).toEqual({ name: 'Sam Witness', email: 'sam.witness@example.test', phone: '+447700900123' });
    const [consent] = jsonEntry<Record<string, unknown>[]>(entries, 'consents.json');
    expect(consent).toMatchObject({ termsVersion: TERMS_VERSION, termsSha256: TERMS_SHA256, termsText: TERMS_TEXT, ownWork: true, over18: true });
    expect(sha256(Buffer.from(consent.termsText as string))).toBe(consent.termsSha256);
    expect(jsonEntry(entries, 'messages.json')).toEqual([
      expect.objectContaining({ direction: 'to_contributor', body: 'Did you film it yourself?' }),
      expect.objectContaining({ direction: 'from_contributor', body: 'Yes, from the footpath.' }),
    ]);
    const [payout] = jsonEntry<Record<string, unknown>[]>(entries, 'payouts.json');
    expect(payout).toMatchObject({ amountMinor: 25_000, currency: 'GBP', state: 'accepted', payeeMasked: '****4567', payeeMethod: 'uk_bank' });
    // The account itself is nowhere in the ZIP: only its mask.
    expect(res.body.includes(Buffer.from(accountNumber))).toBe(false);
    for (const [name, bytes] of entries) if (name.endsWith('.json')) expect(bytes.toString()).not.toContain(accountNumber);

    const video = sampleVideo();
    expect(entries.get('files/01-IMG_2041.MP4')!.equals(video)).toBe(true);
    expect(entries.get('files/02-IMG_2042.MP4')!.equals(video)).toBe(true);
    const files = jsonEntry<Record<string, unknown>[]>(entries, 'files.json');
    expect(files).toEqual([
      expect.objectContaining({ filename: 'IMG_2041.MP4', type: 'video/mp4', size: video.length, sha256: sha256(video), pathInZip: 'files/01-IMG_2041.MP4' }),
      expect.objectContaining({ filename: 'IMG_2042.MP4', type: 'video/mp4', size: video.length, sha256: sha256(video), pathInZip: 'files/02-IMG_2042.MP4' }),
    ]);
    expect(files[0]).not.toHaveProperty('storageKey');
  });

  it('records the export as an audit event with ids and counts, never content', async () => {
    const { rows } = await t.db.query<{ actor_type: string; entity_id: string; after: Record<string, unknown> }>(
      `SELECT actor_type, entity_id, after FROM audit_events WHERE action = 'contributor.data_exported' AND entity_id = $1`,
      [contributor.id],
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0].actor_type).toBe('contributor');
    expect(rows[0].after).toEqual({ mediaIds: expect.any(Array), payoutIds: [expect.any(String)], messageCount: 2, consentCount: 1 });
    expect((rows[0].after.mediaIds as string[]).length).toBe(2);
    const text = JSON.stringify(rows);
    for (const content of [STORY, 'Sam Witness', 'sam.witness@example.test', '+447700900123', 'Mill Lane', 'footpath']) expect(text).not.toContain(content);
  });

  it('another tip’s session downloads only its own tip: nothing of this one', async () => {
    const other = await contributorWithTip(t, { story: 'A different tip about a fox in the library.', name: 'Alex Other' });
    const res = await download(other.cookie);
    expect(res.status).toBe(200);
    const entries = await unzipEntries(res.body);
    expect(jsonEntry(entries, 'tip.json')).toMatchObject({ reference: other.reference, story: 'A different tip about a fox in the library.' });
    expect(jsonEntry(entries, 'contact.json')).toEqual({ name: 'Alex Other', email: null, phone: null });
    expect(jsonEntry(entries, 'files.json')).toEqual([]);
    for (const content of [STORY, 'Sam Witness', 'sam.witness', '7700900123', contributor.reference])
      expect(res.body.includes(Buffer.from(content))).toBe(false);
  });

  it('without a contributor session: 401 AUTH_REQUIRED signed out, 403 FORBIDDEN for a staff session, and no audit event', async () => {
    const exports = async () => (await t.db.query(`SELECT 1 FROM audit_events WHERE action = 'contributor.data_exported'`)).rows.length;
    const before = await exports();
    const anonymous = await download();
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body.toString())).toMatchObject({ statusCode: 401, code: 'AUTH_REQUIRED' });
    const staff = await download(editor.cookie);
    expect(staff.status).toBe(403);
    expect(JSON.parse(staff.body.toString())).toMatchObject({ code: 'FORBIDDEN' });

    // A session that signed out is no session.
    const leaving = await contributorWithTip(t);
    expect(
      (await fetch(`${t.url}/api/contributor/session`, { method: 'DELETE', headers: { cookie: leaving.cookie, [CSRF_HEADER]: leaving.csrfToken } })).status,
    ).toBe(204);
    const signedOut = await download(leaving.cookie);
    expect(signedOut.status).toBe(401);
    expect(await exports()).toBe(before);
  });
});

describe('downloading again and again', () => {
  it(`is limited to ${EXPORTS_PER_HOUR} an hour per tip: then 429 RATE_LIMITED with Retry-After, no audit event, and other tips are unaffected`, async () => {
    const contributor = await contributorWithTip(t);
    for (let i = 0; i < EXPORTS_PER_HOUR; i++) expect((await download(contributor.cookie)).status).toBe(200);
    const audited = async () =>
      (await t.db.query(`SELECT 1 FROM audit_events WHERE action = 'contributor.data_exported' AND entity_id = $1`, [contributor.id])).rows.length;
    expect(await audited()).toBe(EXPORTS_PER_HOUR);
    const refused = await download(contributor.cookie);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(await audited()).toBe(EXPORTS_PER_HOUR);
    const other = await contributorWithTip(t);
    expect((await download(other.cookie)).status).toBe(200);
  });
});

describe('a file whose blob has gone from storage', () => {
  it('is listed in files.json as not included, the rest of the ZIP is whole, and the log names the file’s id', async () => {
    const contributor = await contributorWithTip(t, {}, { videos: 2 });
    const { rows } = await t.db.query<{ id: string; storage_key: string }>('SELECT id, storage_key FROM media WHERE tip_id = $1 ORDER BY display_filename', [
      contributor.id,
    ]);
    await rm(join(t.dataDir, 'blobs', rows[0].storage_key));
    const res = await download(contributor.cookie);
    expect(res.status).toBe(200);
    const entries = await unzipEntries(res.body);
    expect([...entries.keys()].filter((name) => name.startsWith('files/'))).toEqual(['files/02-IMG_2042.MP4']);
    expect(jsonEntry(entries, 'files.json')).toEqual([
      expect.objectContaining({ id: rows[0].id, pathInZip: null, notIncluded: 'This file is no longer in our storage.' }),
      expect.objectContaining({ id: rows[1].id, pathInZip: 'files/02-IMG_2042.MP4' }),
    ]);
    expect(t.logs.some((line) => line.includes('files missing from storage') && line.includes(rows[0].id))).toBe(true);
  });
});

describe('with STORAGE_DRIVER=s3 (against s3rver)', () => {
  let peer: S3Peer;
  let s3app: TestApp;

  beforeAll(async () => {
    peer = await startS3Peer();
    s3app = await startTestApp(peer.env);
  });
  afterAll(async () => {
    await s3app?.close();
    await peer?.close();
  });

  it('streams the files from the bucket into the ZIP byte for byte', async () => {
    const contributor = await contributorWithTip(s3app, { story: 'Filmed from the ferry' }, { videos: 2 });
    const res = await download(contributor.cookie, s3app);
    expect(res.status).toBe(200);
    const entries = await unzipEntries(res.body);
    expect(jsonEntry(entries, 'tip.json')).toMatchObject({ story: 'Filmed from the ferry' });
    expect(entries.get('files/01-IMG_2041.MP4')!.equals(sampleVideo())).toBe(true);
    expect(entries.get('files/02-IMG_2042.MP4')!.equals(sampleVideo())).toBe(true);
  });
});
