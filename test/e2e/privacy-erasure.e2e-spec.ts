import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { BLOB_STORE, type BlobStore } from '../../src/storage/blob-store.js';
import { binary } from '../support/binary.js';
import { richTip, runCli, whereTextsRemain } from '../support/erasure.js';
import { approvedPayout, contributorWithTip, postTip, signedInContributor } from '../support/fixtures.js';
import { startS3Peer, type S3Peer } from '../support/s3-peer.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** What the database holds of one tip, to show a refused erasure changed nothing. */
async function tipState(t: TestApp, tipId: string) {
  const q = async (sql: string) => (await t.db.query(sql, [tipId])).rows;
  return {
    tip: await q('SELECT t::text FROM tips t WHERE id = $1'),
    contributor: await q('SELECT c::text FROM contributors c JOIN tips t ON t.contributor_id = c.id WHERE t.id = $1'),
    media: await q('SELECT m::text FROM media m WHERE tip_id = $1 ORDER BY id'),
    messages: await q('SELECT m::text FROM messages m WHERE tip_id = $1 ORDER BY id'),
    notes: await q('SELECT n::text FROM notes n WHERE tip_id = $1 ORDER BY id'),
    certificates: await q('SELECT count(*) FROM erasure_certificates WHERE tip_id = $1'),
  };
}

describe('erasure, legal hold and the erasure certificate (local storage)', () => {
  let t: TestApp;
  let admin: SignedInStaff;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await signedInStaff(t, 'admin', { name: 'Ada Admin' });
    editor = await signedInStaff(t, 'editor');
    accountant = await signedInStaff(t, 'accounting');
    dir = await mkdtemp(join(tmpdir(), 'tipdesk-certificates-'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a legal hold: an admin places it (201, who and why on GET), an editor may not (403), an empty reason is 400 and stores nothing', async () => {
    const c = await contributorWithTip(t);
    expect((await editor.post(`/api/tips/${c.id}/legal-hold`).send({ reason: 'Claim served' })).status).toBe(403);
    const empty = await admin.post(`/api/tips/${c.id}/legal-hold`).send({ reason: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
    expect(await t.count('legal_holds')).toBe(0);
    const placed = await admin.post(`/api/tips/${c.id}/legal-hold`).send({ reason: 'Claim served by Bloggs LLP' });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ tipId: c.id, reason: 'Claim served by Bloggs LLP', placedBy: admin.user.id, placedByName: 'Ada Admin' });
    expect((await admin.post(`/api/tips/${c.id}/legal-hold`).send({ reason: 'again' })).body.code).toBe('LEGAL_HOLD_EXISTS');
    const { rows } = await t.db.query(`SELECT action, after::text FROM audit_events WHERE entity_id = $1 AND action LIKE 'tip.legal_hold%'`, [c.id]);
    expect(rows).toEqual([{ action: 'tip.legal_hold_placed', after: null }]);
    await admin.delete(`/api/tips/${c.id}/legal-hold`).expect(204);
    expect((await admin.delete(`/api/tips/${c.id}/legal-hold`)).body.code).toBe('LEGAL_HOLD_NOT_FOUND');
  });

  it('erasing a tip on legal hold: 409 TIP_ON_LEGAL_HOLD, and nothing changed (rows, files, no certificate)', async () => {
    const { contributor } = await richTip(t, editor, { videos: 1 });
    await admin.post(`/api/tips/${contributor.id}/legal-hold`).send({ reason: 'Police inquiry' }).expect(201);
    const before = await tipState(t, contributor.id);
    const blobsBefore = await t.blobFiles();
    const res = await admin.post(`/api/tips/${contributor.id}/erase`).send({ reason: 'Asked by the contributor' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('TIP_ON_LEGAL_HOLD');
    expect(await tipState(t, contributor.id)).toEqual(before);
    expect(await t.blobFiles()).toEqual(blobsBefore);
    // Lifted, the same erasure goes through.
    await admin.delete(`/api/tips/${contributor.id}/legal-hold`).expect(204);
    expect((await admin.post(`/api/tips/${contributor.id}/erase`).send({ reason: 'Asked by the contributor' })).status).toBe(200);
  });

  it('after erasure no table holds the story, name, email, phone, location or message text; blobs and posters are gone; the certificate lists their SHA-256s and verifies', async () => {
    const rich = await richTip(t, editor, { videos: 2 });
    const tipId = rich.contributor.id;
    // The scan finds what is there before (so its silence afterwards means something).
    expect(await whereTextsRemain(t, rich.texts)).toEqual(
      expect.arrayContaining(['public.tips: story', 'public.contributors: name', 'public.messages: reply']),
    );
    const files = await t.blobFiles();
    for (const key of rich.blobKeys) expect(files).toContain(key);

    const res = await admin.post(`/api/tips/${tipId}/erase`).send({ reason: 'Right to erasure' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tipId, reference: rich.contributor.reference, files: 2, messages: 2, keptPayouts: 0, blobDeletesPending: 0 });

    expect(await whereTextsRemain(t, rich.texts)).toEqual([]);
    const after = await t.blobFiles();
    for (const key of rich.blobKeys) expect(after).not.toContain(key);
    // The tombstone: reference, dates, status erased.
    const { rows } = await t.db.query('SELECT reference, status, story, location, created_at FROM tips WHERE id = $1', [tipId]);
    expect(rows[0]).toMatchObject({ reference: rich.contributor.reference, status: 'erased', story: '', location: null });
    // The audit event has counts and ids, never content.
    const { rows: events } = await t.db.query(`SELECT after::text AS after FROM audit_events WHERE entity_id = $1 AND action = 'tip.erased'`, [tipId]);
    expect(events).toHaveLength(1);
    expect(events[0].after).toContain('"files": 2');
    expect(events[0].after).not.toContain('Right to erasure');

    const json = await admin.get(`/api/tips/${tipId}/erasure-certificate?format=json`).expect(200);
    const statement = json.body.statement;
    expect(statement).toMatchObject({
      tip: { id: tipId, reference: rich.contributor.reference },
      erasedBy: { id: admin.user.id, name: 'Ada Admin' },
      reason: 'Right to erasure',
    });
    expect(statement.erased.files.map((f: { sha256: string }) => f.sha256).sort()).toEqual([...rich.sha256s].sort());
    expect(statement.erased).toMatchObject({ posters: 2, messages: 2, noteTexts: 1, contactDetails: ['name', 'email', 'phone'] });
    expect(statement.erased.posterDigests.map((p: { sha256: string }) => p.sha256).sort()).toEqual([...rich.posterSha256s].sort());
    expect(statement.kept.map((k: { what: string }) => k.what).join(' ')).toContain('tombstone');

    const pdf = await binary(admin.get(`/api/tips/${tipId}/erasure-certificate`)).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const pdfFile = join(dir, 'certificate.pdf');
    const jsonFile = join(dir, 'certificate.json');
    await writeFile(pdfFile, pdf.body as Buffer);
    await writeFile(jsonFile, json.text);
    for (const file of [pdfFile, jsonFile]) {
      const verified = await runCli(t, ['certificate:verify', file]);
      expect(verified).toMatchObject({ code: 0 });
      expect(verified.stdout).toContain('signature valid');
      expect(verified.stdout).toContain(rich.contributor.reference);
    }
  });

  it('a tampered certificate fails verification (JSON and PDF), exit 1', async () => {
    const c = await contributorWithTip(t);
    await admin.post(`/api/tips/${c.id}/erase`).send({ reason: 'Right to erasure' }).expect(200);
    const json = (await admin.get(`/api/tips/${c.id}/erasure-certificate?format=json`).expect(200)).text;
    const forgedJson = join(dir, 'forged.json');
    await writeFile(forgedJson, json.replace('"reason": "Right to erasure"', '"reason": "Routine tidy-up"'));
    const res = await runCli(t, ['certificate:verify', forgedJson]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('NOT VALID');

    const pdf = (await binary(admin.get(`/api/tips/${c.id}/erasure-certificate`)).expect(200)).body as Buffer;
    const { PDFDocument, PDFHexString, PDFName } = await import('pdf-lib');
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const info = doc.context.lookup(doc.context.trailerInfo.Info) as unknown as {
      lookup(n: unknown): { decodeText(): string };
      set(n: unknown, v: unknown): void;
    };
    const key = PDFName.of('TipdeskErasureCertificate');
    info.set(key, PDFHexString.fromText(info.lookup(key).decodeText().replace('Right to erasure', 'Routine tidy-up')));
    const forgedPdf = join(dir, 'forged.pdf');
    await writeFile(forgedPdf, await doc.save());
    expect((await runCli(t, ['certificate:verify', forgedPdf])).code).toBe(1);
    // Not a certificate at all: exit 1, saying so.
    const other = join(dir, 'other.pdf');
    await writeFile(other, await (await PDFDocument.create()).save());
    expect((await runCli(t, ['certificate:verify', other])).stdout).toContain('no signed tipdesk certificate');
    expect(await readFile(forgedJson, 'utf8')).toContain('Routine');
  });

  it('erasing twice: the second is 409 TIP_ERASED and changes nothing', async () => {
    const c = await contributorWithTip(t);
    await admin.post(`/api/tips/${c.id}/erase`).send({ reason: 'Right to erasure' }).expect(200);
    const before = await tipState(t, c.id);
    const again = await admin.post(`/api/tips/${c.id}/erase`).send({ reason: 'Right to erasure' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TIP_ERASED');
    expect(await tipState(t, c.id)).toEqual(before);
  });

  it('an erased tip is a tombstone: a note, a message or a contributor reply is 409 TIP_ERASED and stores nothing; /status has no reply form', async () => {
    const c = await contributorWithTip(t);
    await admin.post(`/api/tips/${c.id}/erase`).send({ reason: 'Right to erasure' }).expect(200);
    const counts = async () => [await t.count(`notes WHERE tip_id = '${c.id}'`), await t.count(`messages WHERE tip_id = '${c.id}'`)];
    const before = await counts();
    for (const res of [
      await editor.post(`/api/tips/${c.id}/notes`).send({ body: 'Any news?' }),
      await editor.post(`/api/tips/${c.id}/messages`).send({ body: 'Are you still there?' }),
      await c.post('/api/contributor/messages').send({ body: 'One more thing' }),
    ]) {
      expect([res.status, res.body.code]).toEqual([409, 'TIP_ERASED']);
    }
    expect(await counts()).toEqual(before);
    const page = (await c.get('/status/tip').expect(200)).text;
    expect(page).toContain('id="replies-closed"');
    expect(page).not.toContain('id="reply-form"');
    expect(page).not.toContain('id="download-data"');
    // A tip that never existed is still 404, not 409.
    const missing = await editor.post('/api/tips/00000000-0000-4000-8000-000000000099/notes').send({ body: 'Hello' });
    expect([missing.status, missing.body.code]).toEqual([404, 'TIP_NOT_FOUND']);
  });

  it('only admins erase (editor 403), a reason is required (400), an unknown tip is 404, and no certificate before erasure (404)', async () => {
    const c = await contributorWithTip(t);
    expect((await editor.post(`/api/tips/${c.id}/erase`).send({ reason: 'x' })).status).toBe(403);
    expect((await admin.post(`/api/tips/${c.id}/erase`).send({})).status).toBe(400);
    expect((await admin.post(`/api/tips/00000000-0000-4000-8000-000000000000/erase`).send({ reason: 'x' })).body.code).toBe('TIP_NOT_FOUND');
    expect((await admin.get(`/api/tips/${c.id}/erasure-certificate`)).body.code).toBe('ERASURE_CERTIFICATE_NOT_FOUND');
    expect((await t.db.query('SELECT status FROM tips WHERE id = $1', [c.id])).rows[0].status).toBe('new');
  });

  it('a paid tip keeps its payment record with the payee masked; the payee details go; a payment under way is 409 TIP_PAYOUT_IN_FLIGHT', async () => {
    const payout = await approvedPayout(t, editor, accountant);
    const tipId = payout.contributor.id;
    const inFlight = await admin.post(`/api/tips/${tipId}/erase`).send({ reason: 'Right to erasure' });
    expect(inFlight.status).toBe(409);
    expect(inFlight.body.code).toBe('TIP_PAYOUT_IN_FLIGHT');

    const batch = (await accountant.post('/api/payout-batches').send({ format: 'csv', currency: 'GBP' }).expect(201)).body;
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
    const version = (await accountant.get(`/api/payouts/${payout.id}`).expect(200)).body.version;
    await accountant.post(`/api/payouts/${payout.id}/mark-paid`).send({ version, reference: 'FP-20261207-0001' }).expect(200);

    const erased = await admin.post(`/api/tips/${tipId}/erase`).send({ reason: 'Right to erasure' });
    expect(erased.status).toBe(200);
    expect(erased.body.keptPayouts).toBe(1);
    const { rows } = await t.db.query(
      `SELECT p.state, p.amount_minor::int AS amount, d.masked, d.details_encrypted, d.account_holder_name_encrypted, d.account_hash
         FROM payouts p JOIN payee_details d ON d.id = p.payee_details_id WHERE p.id = $1`,
      [payout.id],
    );
    expect(rows[0]).toMatchObject({ state: 'paid', amount: 25_000, details_encrypted: '', account_holder_name_encrypted: '', account_hash: null });
    expect(rows[0].masked).toMatch(/\d{4}$/);
    const statement = (await admin.get(`/api/tips/${tipId}/erasure-certificate?format=json`).expect(200)).body.statement;
    const kept = statement.kept.find((k: { what: string }) => k.what.startsWith('Payment record'));
    expect(kept.what).toContain(rows[0].masked);
    expect(kept.why).toContain('Legal obligation');
  });

  it('a contributor asks for erasure (201, pending, listed for admins); naming another tip is 403 TIP_NOT_YOURS; no session is 401; a staff session is refused', async () => {
    const mine = await contributorWithTip(t);
    const other = await postTip(t);
    const wrong = await mine.post('/api/contributor/erasure-request').send({ reference: other.reference });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('TIP_NOT_YOURS');
    expect(await t.count('erasure_requests')).toBe(0);
    expect((await request(t.url).post('/api/contributor/erasure-request').send({})).status).toBe(401);
    expect([401, 403]).toContain((await admin.post('/api/contributor/erasure-request').send({})).status);
    expect(await t.count('erasure_requests')).toBe(0);

    const asked = await mine.post('/api/contributor/erasure-request').send({ reference: mine.reference });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ tipId: mine.id, state: 'pending' });
    const listed = (await admin.get('/api/erasure-requests').expect(200)).body as { tipId: string }[];
    expect(listed.map((r) => r.tipId)).toEqual([mine.id]);
    // Not before it is carried out; then the contributor gets their copy.
    expect((await mine.get('/api/contributor/erasure-certificate')).status).toBe(404);
    await admin.post(`/api/erasure-requests/${asked.body.id}/carry-out`).expect(200);
    const copy = await binary(mine.get('/api/contributor/erasure-certificate')).expect(200);
    expect(copy.headers['content-type']).toBe('application/pdf');
    // The other tip's contributor gets nothing.
    const theirs = await signedInContributor(t, other);
    expect((await theirs.get('/api/contributor/erasure-certificate')).status).toBe(404);
  });

  it('a blob delete that fails after COMMIT is left to the orphan sweep (no row names it any more)', async () => {
    const rich = await richTip(t, editor, { videos: 1 });
    const store = t.app.get<BlobStore>(BLOB_STORE);
    const original = store.delete.bind(store);
    store.delete = async () => {
      throw new Error('storage unavailable');
    };
    try {
      const res = await admin.post(`/api/tips/${rich.contributor.id}/erase`).send({ reason: 'Right to erasure' }).expect(200);
      expect(res.body.blobDeletesPending).toBe(2);
    } finally {
      store.delete = original;
    }
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM media WHERE storage_key = ANY($1) OR thumbnail_key = ANY($1)', [rich.blobKeys]);
    expect(rows[0].n).toBe(0);
  });
});

describe('erasure with STORAGE_DRIVER=s3 (against s3rver)', () => {
  let peer: S3Peer;
  let t: TestApp;
  let admin: SignedInStaff;
  let editor: SignedInStaff;

  beforeAll(async () => {
    peer = await startS3Peer();
    t = await startTestApp(peer.env);
    admin = await signedInStaff(t, 'admin');
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t?.close();
    await peer?.close();
  });

  it('the tip’s objects and posters leave the bucket; the certificate lists their SHA-256s', async () => {
    const rich = await richTip(t, editor, { videos: 2 });
    const before = await peer.keys();
    for (const key of rich.blobKeys) expect(before).toContain(key);
    await admin.post(`/api/tips/${rich.contributor.id}/erase`).send({ reason: 'Right to erasure' }).expect(200);
    const after = await peer.keys();
    for (const key of rich.blobKeys) expect(after).not.toContain(key);
    const statement = (await admin.get(`/api/tips/${rich.contributor.id}/erasure-certificate?format=json`).expect(200)).body.statement;
    expect(statement.erased.files.map((f: { sha256: string }) => f.sha256).sort()).toEqual([...rich.sha256s].sort());
    expect(await whereTextsRemain(t, rich.texts)).toEqual([]);
  });
});
