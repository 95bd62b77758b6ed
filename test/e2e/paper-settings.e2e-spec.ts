// Issue 11: the paper settings page (/desk/admin/settings): stored in the database and audited,
// over the environment's defaults; a bad logo refused by the field with nothing stored; a change to
// the paying account waits for a second admin; anyone but an admin refused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PAPER_SETTINGS_ID } from '../../src/settings/settings.entities.js';
import { htmlPage, onePixelPng, windowsExe } from '../support/media-samples.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SVG_WITH_SCRIPT = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>');
const BANKLINE_PAYER = {
  sortCode: '20-00-00',
  accountNumber: '55779911',
  name: '',
  serviceUserNumber: '',
  sepaDebtorName: '',
  sepaDebtorIban: '',
  sepaDebtorBic: '',
};

describe('paper settings', () => {
  let t: TestApp;
  let admin: SignedInStaff;
  let secondAdmin: SignedInStaff;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;

  beforeAll(async () => {
    // PAYER_NAME and the contact email come from the environment: the page must say so.
    t = await startTestApp({ PAYER_NAME: 'DAILY BUGLE LTD', PAPER_CONTACT_EMAIL: 'tips@bugle.example' });
    admin = await signedInStaff(t, 'admin', { name: 'Ada Admin' });
    secondAdmin = await signedInStaff(t, 'admin', { name: 'Bea Second' });
    editor = await signedInStaff(t, 'editor');
    accountant = await signedInStaff(t, 'accounting');
  });
  afterAll(async () => {
    await t.close();
  });

  const form = (who: SignedInStaff, path: string, fields: Record<string, string | number>) =>
    request(t.url)
      .post(path)
      .set('Cookie', who.cookie)
      .type('form')
      .send({ _csrf: who.csrfToken, ...fields });
  const version = async () => (await t.db.query(`SELECT version FROM paper_settings WHERE id = $1`, [PAPER_SETTINGS_ID])).rows[0].version as number;
  const stored = async () => (await t.db.query(`SELECT * FROM paper_settings WHERE id = $1`, [PAPER_SETTINGS_ID])).rows[0];
  const audits = async (action: string) => (await t.db.query(`SELECT actor_id, before, after FROM audit_events WHERE action = $1 ORDER BY at`, [action])).rows;
  const logoPost = (who: SignedInStaff, file: Buffer, filename: string, v: number) =>
    request(t.url)
      .post('/desk/admin/settings/logo')
      .set('Cookie', who.cookie)
      .field('_csrf', who.csrfToken)
      .field('version', String(v))
      .attach('logo', file, { filename });
  const paperForm = async (fields: Record<string, string>) => ({
    paperName: '',
    contactEmail: '',
    contactPhone: '',
    contactWhatsapp: '',
    privacyNotice: '',
    timeZone: '',
    dateStyle: '',
    version: await version(),
    ...fields,
  });

  it('shows which values come from the environment, and the defaults', async () => {
    const page = await admin.get('/desk/admin/settings').expect(200);
    expect(page.text).toContain('tips@bugle.example (from the environment (PAPER_CONTACT_EMAIL))');
    expect(page.text).toMatch(/DAILY BUGLE LTD<\/code><\/td><td data-label="From">from the environment \(PAYER_NAME\)/);
    expect(page.text).toContain('Now: Europe/London (tipdesk’s default)');
    expect(page.text).toMatch(/Bankline CSV \(GBP Faster Payments\): <span class="state off">not set up<\/span>/);
  });

  it('saves the paper’s name, contacts, privacy notice and dates at once, audited; the public pages show them', async () => {
    const res = await form(
      admin,
      '/desk/admin/settings',
      await paperForm({
        paperName: 'The Daily Bugle',
        contactPhone: '+44 20 7946 0000',
        contactWhatsapp: '+44 7700 900123',
        privacyNotice: 'We keep tips safe.\nAsk us anything.',
        dateStyle: 'iso',
      }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk/admin/settings?notice=settings-saved');
    const home = await request(t.url).get('/').expect(200);
    expect(home.text).toContain('<span class="paper-name" id="paper-name">The Daily Bugle</span>');
    expect(home.text).toContain('href="/status" id="check-a-tip">Check a tip you sent');
    expect(home.text).toContain('href="mailto:tips@bugle.example"');
    expect(home.text).toContain('href="tel:+442079460000"');
    expect(home.text).toContain('href="https://wa.me/447700900123"');
    expect(home.text).toContain('href="/privacy"');
    expect(home.text).not.toContain('see the footer of any story');
    expect((await request(t.url).get('/privacy').expect(200)).text).toContain('We keep tips safe.\nAsk us anything.');
    const [event] = await audits('settings.changed');
    expect(event.actor_id).toBe(admin.user.id);
    expect(event.after).toMatchObject({ paperName: 'The Daily Bugle', dateStyle: 'iso' });
    expect(event.before).toMatchObject({ paperName: null });
    // The desk writes dates in the chosen style.
    const desk = await editor.get('/desk').expect(200);
    expect(desk.text).toContain('The Daily Bugle desk');
  });

  it('a bad email address and an unknown time zone: 400 by the fields, nothing saved', async () => {
    const before = await stored();
    const res = await form(admin, '/desk/admin/settings', await paperForm({ paperName: 'Changed', contactEmail: 'not an address', timeZone: 'Mars/Olympus' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter an email address, such as tips@paper.example');
    expect(res.text).toContain('Choose a time zone from the list');
    expect(res.text).toContain('value="Changed"');
    expect((await stored()).paper_name).toBe(before.paper_name);
  });

  it('a save from a page opened before someone else’s: 409, nothing saved', async () => {
    const stale = (await version()) - 1;
    const res = await form(admin, '/desk/admin/settings', { ...(await paperForm({ paperName: 'Stale' })), version: stale });
    expect(res.status).toBe(409);
    expect(res.text).toContain('Someone else saved the settings');
    expect((await stored()).paper_name).toBe('The Daily Bugle');
  });

  it.each([
    ['a Windows program named logo.png', 415, windowsExe(), 'logo.png', 'not a PNG, JPEG, GIF or WebP image'],
    ['an SVG with a script', 415, SVG_WITH_SCRIPT, 'logo.svg', 'not a PNG, JPEG, GIF or WebP image'],
    ['an HTML page named logo.gif', 415, htmlPage(), 'logo.gif', 'not a PNG, JPEG, GIF or WebP image'],
    ['a PNG over 256 KB', 413, Buffer.concat([onePixelPng(), Buffer.alloc(300 * 1024)]), 'big.png', 'at most 256 KB'],
    ['a file over 1 MB', 413, Buffer.alloc(1100 * 1024, 1), 'huge.png', 'at most 256 KB'],
  ])('a bad logo (%s): %d with the reason by the field, nothing stored, nothing audited', async (_what, status, file, filename, words) => {
    const res = await logoPost(admin, file, filename, await version());
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('id="logo-error"');
    expect(res.text).toContain(words);
    expect((await stored()).logo).toBeNull();
    expect(await audits('settings.logo_changed')).toEqual([]);
  });

  it('a logo without the CSRF field: 403 and nothing stored', async () => {
    const res = await request(t.url)
      .post('/desk/admin/settings/logo')
      .set('Cookie', admin.cookie)
      .field('version', String(await version()))
      .attach('logo', onePixelPng(), { filename: 'logo.png' });
    expect(res.status).toBe(403);
    expect((await stored()).logo).toBeNull();
  });

  it('a PNG logo: stored, audited, served as image/png with nosniff and a sandbox, and shown on the public pages', async () => {
    const res = await logoPost(admin, onePixelPng(), 'logo.png', await version());
    expect(res.status).toBe(303);
    const row = await stored();
    expect(row.logo_type).toBe('image/png');
    expect(Buffer.compare(row.logo, onePixelPng())).toBe(0);
    expect(await audits('settings.logo_changed')).toHaveLength(1);
    const logo = await request(t.url)
      .get('/paper/logo')
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.headers['x-content-type-options']).toBe('nosniff');
    expect(logo.headers['content-security-policy']).toContain('sandbox');
    expect(Buffer.compare(logo.body as Buffer, onePixelPng())).toBe(0);
    const home = await request(t.url).get('/').expect(200);
    expect(home.text).toMatch(/<img src="\/paper\/logo\?v(=|&#x3D;)[0-9a-f]{16}" alt="The Daily Bugle" class="logo"/);
  });

  it('anyone but an admin is refused: an editor’s or accountant’s post is 403 and changes nothing; their visit leads to their own start page', async () => {
    const before = await stored();
    expect((await form(editor, '/desk/admin/settings', await paperForm({ paperName: 'Hijacked' }))).status).toBe(403);
    expect((await form(accountant, '/desk/admin/settings/payer', BANKLINE_PAYER)).status).toBe(403);
    expect((await logoPost(editor, onePixelPng(), 'x.png', await version())).status).toBe(403);
    expect((await stored()).paper_name).toBe(before.paper_name);
    expect(await t.count('payer_changes')).toBe(0);
    const visit = await editor.get('/desk/admin/settings');
    expect(visit.status).toBe(303);
    expect(visit.headers.location).toBe('/desk?notice=not-for-your-role');
  });

  describe('the paying account: a change needs a second admin', () => {
    let changeId: string;

    it('a proposal is stored as pending and changes nothing yet: a Bankline batch is still refused', async () => {
      const res = await form(admin, '/desk/admin/settings/payer', BANKLINE_PAYER);
      expect(res.status).toBe(303);
      const { rows } = await t.db.query(`SELECT id, state, proposed, proposed_by FROM payer_changes`);
      expect(rows).toEqual([
        {
          id: expect.any(String),
          state: 'pending',
          proposed_by: admin.user.id,
          proposed: expect.objectContaining({ sortCode: '200000', accountNumber: '55779911', name: null }),
        },
      ]);
      changeId = rows[0].id;
      expect((await stored()).payer_sort_code).toBeNull();
      expect((await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' })).body.code).toBe('PAYER_NOT_CONFIGURED');
      const page = await admin.get('/desk/admin/settings').expect(200);
      expect(page.text).toContain('A change is waiting for approval');
      expect(page.text).toContain('Withdraw my change');
      expect(page.text).not.toContain(`/payer/${changeId}/approve`);
    });

    it('a second proposal while one is pending: 409, nothing stored', async () => {
      const res = await form(secondAdmin, '/desk/admin/settings/payer', { ...BANKLINE_PAYER, accountNumber: '11112222' });
      expect(res.status).toBe(409);
      expect(res.text).toContain('already waiting for approval');
      expect(await t.count('payer_changes')).toBe(1);
    });

    it('the proposer approving their own change: 403 PAYER_CHANGE_OWN_PROPOSAL, still pending (and the database itself refuses it)', async () => {
      const res = await form(admin, `/desk/admin/settings/payer/${changeId}/approve`, {});
      expect(res.status).toBe(403);
      expect(res.text).toContain('a second admin must approve it');
      expect((await t.db.query(`SELECT state FROM payer_changes WHERE id = $1`, [changeId])).rows[0].state).toBe('pending');
      await expect(
        t.db.query(`UPDATE payer_changes SET state = 'approved', decided_by = proposed_by, decided_at = now() WHERE id = $1`, [changeId]),
      ).rejects.toThrow(/ck_payer_changes_second_admin/);
    });

    it('an accountant cannot approve it either: 403', async () => {
      expect((await form(accountant, `/desk/admin/settings/payer/${changeId}/approve`, {})).status).toBe(403);
    });

    it('a second admin approves: it takes effect, audited, and a Bankline batch can be made with it', async () => {
      const page = await secondAdmin.get('/desk/admin/settings').expect(200);
      expect(page.text).toContain(`/payer/${changeId}/approve`);
      expect(page.text).toMatch(/data-field="sortCode".*<strong><code>200000<\/code><\/strong>/);
      const res = await form(secondAdmin, `/desk/admin/settings/payer/${changeId}/approve`, {});
      expect(res.status).toBe(303);
      const row = await stored();
      expect([row.payer_sort_code, row.payer_account_number, row.payer_name]).toEqual(['200000', '55779911', null]);
      const [event] = await audits('settings.payer_change_approved');
      expect(event.actor_id).toBe(secondAdmin.user.id);
      expect(event.after).toMatchObject({ sortCode: '200000', proposedBy: admin.user.id });
      // The batch service now finds the payer (no approved payouts, so nothing to pay, but no longer PAYER_NOT_CONFIGURED).
      expect((await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' })).body.code).toBe('BATCH_NOTHING_TO_PAY');
      // PAYER_NAME from the environment still fills the blank the change left.
      const after = await admin.get('/desk/admin/settings').expect(200);
      expect(after.text).toMatch(/DAILY BUGLE LTD<\/code><\/td><td data-label="From">from the environment \(PAYER_NAME\)/);
      expect(after.text).toMatch(/200000<\/code><\/td><td data-label="From">set here/);
    });

    it('an approved change cannot be approved or rejected again: 409', async () => {
      expect((await form(admin, `/desk/admin/settings/payer/${changeId}/reject`, {})).status).toBe(409);
    });

    it('another admin rejects a proposal; its proposer can withdraw one; neither changes the account', async () => {
      await form(admin, '/desk/admin/settings/payer', { ...BANKLINE_PAYER, accountNumber: '99990000' }).expect(303);
      let pending = (await t.db.query(`SELECT id FROM payer_changes WHERE state = 'pending'`)).rows[0].id;
      expect((await form(secondAdmin, `/desk/admin/settings/payer/${pending}/reject`, {})).headers.location).toContain('notice=payer-rejected');
      await form(admin, '/desk/admin/settings/payer', { ...BANKLINE_PAYER, accountNumber: '88880000' }).expect(303);
      pending = (await t.db.query(`SELECT id FROM payer_changes WHERE state = 'pending'`)).rows[0].id;
      expect((await form(admin, `/desk/admin/settings/payer/${pending}/reject`, {})).headers.location).toContain('notice=payer-withdrawn');
      expect((await stored()).payer_account_number).toBe('55779911');
      expect((await t.db.query(`SELECT state FROM payer_changes ORDER BY proposed_at`)).rows.map((r) => r.state)).toEqual([
        'approved',
        'rejected',
        'withdrawn',
      ]);
    });

    it('a bad sort code and IBAN in a proposal: 400 by the fields, nothing proposed', async () => {
      const res = await form(admin, '/desk/admin/settings/payer', { ...BANKLINE_PAYER, sortCode: '12-34', sepaDebtorIban: 'GB00NOPE' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('The sort code must be 6 digits');
      expect(res.text).toContain('The SEPA debtor IBAN must be a valid IBAN');
      expect(await t.count(`payer_changes WHERE state = 'pending'`)).toBe(0);
    });
  });
});
