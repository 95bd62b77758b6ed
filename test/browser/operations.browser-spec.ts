// What operations problems look like to the people on the desk: a contributor mail the relay never
// took, on the admin's audit page; the bank-holiday table running out, on the accounts page.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { freePort } from '../support/net.js';
import { createStaff, signedInStaff } from '../support/staff.js';
import { eventually } from '../support/test-app.js';
import { DESKTOP, postTip, screenshot, signInThroughPage, appAndBrowserPerFile } from './desk-support.js';

// A relay nobody listens on, one retry a second later: the mail is dead-lettered within seconds.
const suite = appAndBrowserPerFile(async () => ({
  SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
  NOTIFICATION_RETRY_LIMIT: '1',
  NOTIFICATION_RETRY_DELAY_SECONDS: '1',
  JOBS_POLL_SECONDS: '1',
}));
const { pool } = suite;

afterEach(async () => {
  jest.useRealTimers();
  await pool.closeAll();
});

describe('operations, as the desk sees them', () => {
  it('an admin finds the contributor mail the relay never took under "Background jobs that failed" on the audit page', async () => {
    // Before the journey: a tip with an address, and an editor's message to it that cannot be mailed.
    const tip = await postTip(suite.t, { story: 'Bus shelter smashed on the high street', email: 'unreachable.reader@example.org' });
    const editor = await signedInStaff(suite.t, 'editor');
    await editor.post(`/api/tips/${tip.id}/messages`).send({ body: 'Could you send the original video?' }).expect(201);
    await eventually(async () => {
      const { rows } = await suite.t.db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'contributor-mail-dead-letters'`);
      expect(rows[0].n).toBe(1);
    }, 30_000);

    const { user, password } = await createStaff(suite.t, 'admin', { name: 'Ada Admin' });
    const page = await pool.page(DESKTOP);
    await signInThroughPage(page, suite.t, user.email, password);
    await page.getByRole('link', { name: 'Audit log' }).click();
    const letter = page.locator('#dead-letters-table tbody tr');
    await expect(letter.count()).resolves.toBe(1);
    expect(await letter.locator('td[data-label="Job"]').textContent()).toBe('contributor-mail');
    expect(await letter.locator('td[data-label="About"]').textContent()).toContain(tip.id);
    expect(await letter.locator('td[data-label="Error"]').textContent()).toMatch(/^E(CONNECTION|SOCKET)$/);
    expect(await letter.locator('td[data-label="Tries"]').textContent()).toBe('2');
    expect(await page.locator('#dead-letters').textContent()).not.toContain('unreachable.reader@example.org');
    await screenshot(page, 'desk-audit-dead-letters');
  });

  it('accounting sees on /accounts, from 60 days before, that the bank-holiday table ends and what to do', async () => {
    const { user, password } = await createStaff(suite.t, 'accounting', { name: 'Abe Accounts' });
    const page = await pool.page(DESKTOP);
    // Today (December 2026) the table reaches a year ahead: no notice.
    await signInThroughPage(page, suite.t, user.email, password);
    expect(new URL(page.url()).pathname).toBe('/accounts');
    await expect(page.locator('#bank-holidays-notice').count()).resolves.toBe(0);

    // Mid-November 2027, the server's clock only (its timers keep running).
    jest.useFakeTimers({
      now: new Date('2027-11-15T09:00:00Z'),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    await page.reload();
    const notice = page.locator('#bank-holidays-notice');
    await expect(notice.textContent()).resolves.toContain('The bank-holiday table ends on 2027-12-31');
    await expect(notice.textContent()).resolves.toContain('BANK_HOLIDAYS');
    await screenshot(page, 'accounts-bank-holidays-notice');
  });
});
