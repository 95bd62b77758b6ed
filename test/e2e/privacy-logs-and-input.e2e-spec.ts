// Issue 14, "no content in logs" and "no control characters": a database error logs what went
// wrong but none of the tip it was storing, and no text field takes NUL or another C0 control.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTransport } from 'nodemailer';
import request from 'supertest';
import { CONSENT, contributorWithTip, postTip, type SignedInContributor } from '../support/fixtures.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Words that appear nowhere but in what the tests send, so finding one in a log line means content leaked.
const STORY = 'Councillor Brackenbury-Ostrowski hid the flood report';
const NAME = 'Philippa Quintessa Marwood';
const LOCATION = 'Lower Snodsbury Quay';

function logLines(t: TestApp): Record<string, unknown>[] {
  return t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectNoTipTextInLogs(t: TestApp, ...texts: string[]) {
  const all = t.logs.join('\n');
  for (const text of [STORY, NAME, LOCATION, 'Brackenbury', 'Quintessa', 'Snodsbury', ...texts]) expect(all).not.toContain(text);
}

describe('a database error during a tip', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a CHECK constraint refusing the tip insert: 500 JSON with an errorId and no stack, the log names the constraint but holds no query, parameter or tip text', async () => {
    // PostgreSQL's error for a CHECK violation carries the whole failing row in `detail`, and
    // TypeORM's carries the query and its parameters: the story, the name, the location.
    await t.db.query(`ALTER TABLE tips ADD CONSTRAINT ck_tips_forced_failure CHECK (story NOT LIKE '%flood report%')`);
    try {
      const res = await request(t.url)
        .post('/api/tips')
        .send({ story: STORY, name: NAME, location: LOCATION, ...CONSENT })
        .expect(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        code: 'INTERNAL_ERROR',
        message: 'Something went wrong on our side',
        errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(res.text).not.toContain('Brackenbury');

      const line = logLines(t).find((l) => l.errorId === res.body.errorId);
      expect(line).toBeDefined();
      const err = line!.err as Record<string, unknown>;
      // What went wrong is still there for the operator...
      expect(err).toMatchObject({ type: 'QueryFailedError', code: '23514', constraint: 'ck_tips_forced_failure', table: 'tips' });
      // ...but not what it was working on.
      for (const key of ['query', 'parameters', 'driverError', 'detail']) expect(err).not.toHaveProperty(key);
      expectNoTipTextInLogs(t);
      for (const table of ['tips', 'contributors', 'consents']) expect(await t.count(table)).toBe(0);
    } finally {
      await t.db.query('ALTER TABLE tips DROP CONSTRAINT ck_tips_forced_failure');
    }
  });

  it('a value PostgreSQL refuses by type (a trigger casting the story to a number): the log keeps the message with the quoted value taken out', async () => {
    await t.db.query(`CREATE FUNCTION tips_forced_cast() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM NEW.location::int; RETURN NEW; END $$`);
    await t.db.query(`CREATE TRIGGER tips_forced_cast BEFORE INSERT ON tips FOR EACH ROW EXECUTE FUNCTION tips_forced_cast()`);
    try {
      const res = await request(t.url)
        .post('/api/tips')
        .send({ story: STORY, name: NAME, location: LOCATION, ...CONSENT })
        .expect(500);
      const err = logLines(t).find((l) => l.errorId === res.body.errorId)!.err as Record<string, unknown>;
      expect(err.code).toBe('22P02');
      expect(err.message).toBe('invalid input syntax for type integer: "[redacted]"');
      expectNoTipTextInLogs(t);
    } finally {
      await t.db.query('DROP TRIGGER tips_forced_cast ON tips; DROP FUNCTION tips_forced_cast()');
    }
  });
});

describe('control characters in text fields: 400 naming the field, nothing stored', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let contributor: SignedInContributor;
  beforeAll(async () => {
    t = await startTestApp();
    editor = await signedInStaff(t, 'editor');
    contributor = await contributorWithTip(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const counts = async () => ({
    tips: await t.count('tips'),
    contributors: await t.count('contributors'),
    messages: await t.count('messages'),
    notes: await t.count('notes'),
    audit: await t.count('audit_events'),
  });

  for (const field of ['story', 'name', 'location'] as const) {
    it(`NUL in the tip's ${field} (JSON): 400 VALIDATION_FAILED naming ${field}, no row, no tip text in the log`, async () => {
      const before = await counts();
      const tip = { story: STORY, name: NAME, location: LOCATION, [field]: `${{ story: STORY, name: NAME, location: LOCATION }[field]}\u0000` };
      const res = await request(t.url)
        .post('/api/tips')
        .send({ ...tip, ...CONSENT })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', fields: { [field]: [expect.stringMatching(/control character/)] } });
      expect(Object.keys(res.body.fields)).toEqual([field]);
      expect(await counts()).toEqual(before);
      expectNoTipTextInLogs(t);
    });
  }

  it('NUL in the story of a multipart post (as the form sends it): 400 naming story', async () => {
    const before = await counts();
    const req = request(t.url).post('/api/tips');
    for (const [name, value] of Object.entries({ story: `${STORY}\u0000`, name: NAME, ...CONSENT })) req.field(name, String(value));
    const res = await req.expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['story']);
    expect(await counts()).toEqual(before);
    expectNoTipTextInLogs(t);
  });

  it('the other C0 characters (\\u0001, ESC, a lone CR, form feed) are refused too; a missing consent and a NUL are both named', async () => {
    for (const bad of ['\u0001', '\u001b[31m', 'line one\rline two', '\f']) {
      const res = await request(t.url)
        .post('/api/tips')
        .send({ story: `${STORY} ${bad}`, ...CONSENT })
        .expect(400);
      expect(Object.keys(res.body.fields)).toEqual(['story']);
    }
    const res = await request(t.url)
      .post('/api/tips')
      .send({ story: `${STORY}\u0000`, consentTerms: true })
      .expect(400);
    expect(res.body.fields).toHaveProperty('story');
    expect(res.body.fields).toHaveProperty('consentOwnWork');
    expect(await t.count('tips')).toBe(1); // the contributor's own, from beforeAll
  });

  it('tab, newline and CRLF (a textarea as browsers send it) are kept', async () => {
    const story = 'First line\r\nSecond line\n\tindented';
    const receipt = await postTip(t, { story });
    const { rows } = await t.db.query('SELECT story FROM tips WHERE id = $1', [receipt.id]);
    expect(rows[0].story).toBe(story);
  });

  it("NUL in a contributor's message: 400 naming body, no message stored", async () => {
    const before = await counts();
    const res = await contributor
      .post('/api/contributor/messages')
      .send({ body: `${STORY}\u0000` })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['body']);
    expect(await counts()).toEqual(before);
    expectNoTipTextInLogs(t);
  });

  it("NUL in an editor's message to the contributor: 400 naming body, no message stored", async () => {
    const before = await counts();
    const res = await editor
      .post(`/api/tips/${contributor.id}/messages`)
      .send({ body: `${STORY}\u0000` })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['body']);
    expect(await counts()).toEqual(before);
    expectNoTipTextInLogs(t);
  });

  it('NUL in a note: 400 naming body, no note stored', async () => {
    const before = await counts();
    const res = await editor
      .post(`/api/tips/${contributor.id}/notes`)
      .send({ body: `${STORY}\u0000` })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['body']);
    expect(await counts()).toEqual(before);
    expectNoTipTextInLogs(t);
  });

  it('NUL in a tag: 400 naming tags, the tip keeps its tags and version', async () => {
    const detail = await editor.get(`/api/tips/${contributor.id}`).expect(200);
    const before = await counts();
    const res = await editor
      .patch(`/api/tips/${contributor.id}`)
      .send({ tags: ['flooding', 'snodsbury\u0000'], version: detail.body.version })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['tags']);
    const after = await editor.get(`/api/tips/${contributor.id}`).expect(200);
    expect(after.body.tags).toEqual(detail.body.tags);
    expect(after.body.version).toBe(detail.body.version);
    expect(await counts()).toEqual(before);
    expectNoTipTextInLogs(t);
  });

  it('NUL in a phone tip the desk logs (the phone channel answers the desk, so it can refuse): 400 naming story', async () => {
    const before = await counts();
    const res = await editor
      .post('/api/tips/phone')
      .send({ story: `${STORY}\u0000`, callerNumber: '+447700900123' })
      .expect(400);
    expect(res.body.fields).toHaveProperty('story');
    expect(await counts()).toEqual(before);
  });
});

describe('control characters from a channel that cannot answer 400 (email)', () => {
  const TOKEN = 'inbound-mail-token-0123456789abcdef';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ INBOUND_EMAIL_TOKEN: TOKEN, INBOUND_EMAIL_ADDRESSES: 'tips@paper.example' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a mail whose text, subject and sender name carry NUL, BEL and ESC: the tip is stored with them taken out', async () => {
    const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const info = await composer.sendMail({
      from: '"Pat\u001b Reader" <pat@example.org>',
      to: 'tips@paper.example',
      subject: 'Flood\u0007 on the quay',
      text: 'The river\u0000 came over the wall.\r\nSecond line\tend.',
      messageId: '<control-characters@example.org>',
    });
    const res = await request(t.url)
      .post('/api/channels/email/inbound')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', 'message/rfc822')
      .send(info.message as Buffer)
      .expect(201);
    const { rows } = await t.db.query(`SELECT t.story, c.name FROM tips t JOIN contributors c ON c.id = t.contributor_id WHERE t.reference = $1`, [
      res.body.reference,
    ]);
    expect(rows[0].story).toContain('Flood on the quay');
    expect(rows[0].story).toContain('The river came over the wall.');
    expect(rows[0].story).toContain('Second line\tend.');
    expect(rows[0].name).toBe('Pat Reader');
    expect(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(`${rows[0].story}${rows[0].name}`)).toBe(false);
  });
});
