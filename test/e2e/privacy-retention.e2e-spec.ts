import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RetentionJob } from '../../src/privacy/retention.job.js';
import { RetentionService } from '../../src/privacy/retention.service.js';
import { runCli } from '../support/erasure.js';
import { approvedPayout, contributorWithTip, type SignedInContributor } from '../support/fixtures.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const DAY = 24 * 60 * 60 * 1000;

describe('retention by status, with the clock moved forward', () => {
  let t: TestApp;
  let admin: SignedInStaff;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  let retention: RetentionService;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await signedInStaff(t, 'admin');
    editor = await signedInStaff(t, 'editor');
    accountant = await signedInStaff(t, 'accounting');
    retention = t.app.get(RetentionService);
  });
  afterAll(() => t?.close());

  /** Moves the tip through the desk's statuses, as an editor does. */
  async function moveTo(tipId: string, ...statuses: string[]): Promise<void> {
    for (const status of statuses) {
      const { version } = (await editor.get(`/api/tips/${tipId}`).expect(200)).body;
      await editor.patch(`/api/tips/${tipId}`).send({ status, version }).expect(200);
    }
  }
  const statusOf = async (tipId: string) => (await t.db.query('SELECT status FROM tips WHERE id = $1', [tipId])).rows[0].status as string;

  it('each rule purges exactly its tips at its time; new tips never; a held tip survives; a paid used tip keeps its masked payment record and its story', async () => {
    const spam = await contributorWithTip(t);
    const rejected = await contributorWithTip(t);
    const archived = await contributorWithTip(t);
    const untouched = await contributorWithTip(t);
    const heldSpam = await contributorWithTip(t);
    await moveTo(spam.id, 'spam');
    await moveTo(heldSpam.id, 'spam');
    await moveTo(rejected.id, 'rejected');
    await moveTo(archived.id, 'archived');
    await admin.post(`/api/tips/${heldSpam.id}/legal-hold`).send({ reason: 'Evidence in a harassment case' }).expect(201);

    // A used tip, paid.
    const payout = await approvedPayout(t, editor, accountant);
    const used: SignedInContributor = payout.contributor;
    const batch = (await accountant.post('/api/payout-batches').send({ format: 'csv', currency: 'GBP' }).expect(201)).body;
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
    const version = (await accountant.get(`/api/payouts/${payout.id}`).expect(200)).body.version;
    await accountant.post(`/api/payouts/${payout.id}/mark-paid`).send({ version, reference: 'FP-20261207-0002' }).expect(200);
    await moveTo(used.id, 'in_review', 'verified', 'used');

    const now = Date.now();
    const report29 = await retention.report(new Date(now + 29 * DAY));
    expect(report29.rules.map((r) => r.count)).toEqual([0, 0, 0, 0]);
    const report31 = await retention.report(new Date(now + 31 * DAY));
    expect(report31.rules.find((r) => r.name === 'spam')!.tips.map((x) => x.tipId)).toEqual([spam.id]);
    expect(report31.held.map((x) => x.tipId)).toEqual([heldSpam.id]);
    expect(await statusOf(spam.id)).toBe('spam'); // a report changes nothing
    const cli = await runCli(t, ['retention:report', '--at', new Date(now + 31 * DAY).toISOString()]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Spam: erased 30 days after it was marked spam: 1 due');
    expect(cli.stdout).toContain(`  ${spam.reference} (${spam.id})`);
    expect(cli.stdout).toContain(`Kept by a legal hold: 1\n  ${heldSpam.reference}`);
    expect(await statusOf(spam.id)).toBe('spam');

    expect((await retention.purge(new Date(now + 31 * DAY))).purged.map((p) => p.tipId)).toEqual([spam.id]);
    expect(await statusOf(spam.id)).toBe('erased');
    expect((await retention.purge(new Date(now + 181 * DAY))).purged.map((p) => p.tipId)).toEqual([rejected.id]);
    expect((await retention.purge(new Date(now + 366 * DAY))).purged.map((p) => p.tipId)).toEqual([archived.id]);
    expect(await statusOf(used.id)).toBe('used');

    const sixYears = new Date(now + (6 * 366 + 1) * DAY);
    expect((await retention.purge(sixYears)).purged).toEqual([{ tipId: used.id, reference: used.reference, rule: 'used_contact_details' }]);
    const { rows } = await t.db.query(
      `SELECT t.status, t.story, c.name, c.email_encrypted, p.state, d.masked, d.details_encrypted
         FROM tips t JOIN contributors c ON c.id = t.contributor_id JOIN payouts p ON p.tip_id = t.id JOIN payee_details d ON d.id = p.payee_details_id
        WHERE t.id = $1`,
      [used.id],
    );
    expect(rows[0]).toMatchObject({ status: 'used', name: null, email_encrypted: null, state: 'paid', details_encrypted: '' });
    expect(rows[0].story).not.toBe('');
    expect(rows[0].masked).toMatch(/\d{4}$/);

    // Far in the future: the held tip and the untouched new tip are still there.
    expect((await retention.purge(new Date(now + 100 * 365 * DAY))).purged).toEqual([]);
    expect(await statusOf(heldSpam.id)).toBe('spam');
    expect(await statusOf(untouched.id)).toBe('new');

    // Every purge is an audit event by the system, with counts and ids, never content.
    const { rows: events } = await t.db.query(
      `SELECT entity_id, action, actor_type FROM audit_events WHERE action IN ('tip.erased', 'tip.contact_details_purged') ORDER BY seq`,
    );
    expect(events).toEqual([
      { entity_id: spam.id, action: 'tip.erased', actor_type: 'system' },
      { entity_id: rejected.id, action: 'tip.erased', actor_type: 'system' },
      { entity_id: archived.id, action: 'tip.erased', actor_type: 'system' },
      { entity_id: used.id, action: 'tip.contact_details_purged', actor_type: 'system' },
    ]);
    const certificate = (await admin.get(`/api/tips/${spam.id}/erasure-certificate?format=json`).expect(200)).body.statement;
    expect(certificate.erasedBy).toEqual({ id: null, name: 'tipdesk retention (rule: spam)' });
  });

  it('/desk/admin/retention shows the counts per rule now, and its button purges what is due (admins only)', async () => {
    const old = await contributorWithTip(t);
    await moveTo(old.id, 'spam');
    await t.db.query(`UPDATE tips SET updated_at = now() - interval '40 days' WHERE id = $1`, [old.id]);
    expect((await editor.get('/desk/admin/retention')).status).not.toBe(200);
    const page = await admin.get('/desk/admin/retention').expect(200);
    expect(page.text).toMatch(/data-rule="spam">\s*<th scope="row">Spam: erased 30 days after it was marked spam<\/th>\s*<td class="count">1<\/td>/);
    expect(page.text).toContain(old.reference);
    const run = await admin.post('/desk/admin/retention/run').type('form').send({ _csrf: admin.csrfToken }).expect(201);
    expect(run.text).toContain('Purged 1 tip(s)');
    expect(await statusOf(old.id)).toBe('erased');
  });
});

describe('the scheduled retention job (pg-boss, two app processes)', () => {
  let setup: TestApp;
  let t: TestApp;
  let second: TestApp;

  afterAll(async () => {
    await second?.close();
    await t?.close();
    await setup?.close();
  });

  it('purges what is due once, whichever process runs it; a second offer in the same interval is dropped', async () => {
    const env = { JOBS_ENABLED: 'true', JOBS_POLL_SECONDS: '1' };
    // The world first (jobs off), then two processes with the job on.
    setup = await startTestApp();
    const editor = await signedInStaff(setup, 'editor');
    const old = await contributorWithTip(setup);
    const { version } = (await editor.get(`/api/tips/${old.id}`).expect(200)).body;
    await editor.patch(`/api/tips/${old.id}`).send({ status: 'spam', version }).expect(200);
    await setup.db.query(`UPDATE tips SET updated_at = now() - interval '40 days' WHERE id = $1`, [old.id]);
    t = await startTestApp(env, { shareWith: setup });
    second = await startTestApp(env, { shareWith: setup });
    await eventually(async () => expect((await t.db.query('SELECT status FROM tips WHERE id = $1', [old.id])).rows[0].status).toBe('erased'), 20_000);
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE entity_id = $1 AND action = 'tip.erased'`, [old.id]);
    expect(rows[0].n).toBe(1);
    expect(await t.app.get(RetentionJob).offer()).toBeNull();
  });
});
