// The desk's phone line in a real browser: an editor logs a call from the nav, reads the
// reference and secret to the caller, finds the tip in the queue as a phone tip, and adds the
// video the caller sent afterwards.
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleVideo } from '../support/media-samples.js';
import { createStaff } from '../support/staff.js';
import { DESKTOP, MOBILE, expectNoHorizontalScroll, screenshot, signInThroughPage, appAndBrowserPerFile } from './desk-support.js';

let editor: { email: string; password: string; id: string };

const suite = appAndBrowserPerFile();
const { pool } = suite;

beforeAll(async () => {
  const { user, password } = await createStaff(suite.t, 'editor', { name: 'Pia Phones' });
  editor = { email: user.email, password, id: user.id };
});

async function signedIn(options = DESKTOP): Promise<Page> {
  const page = await pool.page(options);
  await signInThroughPage(page, suite.t, editor.email, editor.password);
  return page;
}

describe('log a phone tip', () => {
  it('from the nav: the form, a refusal with the reason by the field, then the logged call, the tip in the queue with channel Phone, and files added later', async () => {
    const page = await signedIn();
    await Promise.all([page.waitForURL(/\/desk\/phone$/), page.getByRole('link', { name: 'Log a phone tip' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Log a phone tip');

    // A number with letters: the form comes back with the reason and what was typed.
    await page.getByLabel("Caller's number").fill('call me');
    await page.getByLabel('What they told you').fill('Burst water main flooding Station Road');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Log the call' }).click()]);
    expect(await page.locator('#callerNumber-error').textContent()).toMatch(/6 to 15 digits/);
    expect(await page.getByLabel('What they told you').inputValue()).toBe('Burst water main flooding Station Road');
    expect(await suite.t.count('tips')).toBe(0);

    await page.getByLabel("Caller's number").fill('+44 7700 900 321');
    await page.getByLabel("Caller's name (optional)").fill('Robin Ringer');
    await page.getByLabel('Where it happened (optional)').fill('Station Road');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Log the call' }).click()]);
    const reference = ((await page.locator('#logged-reference').textContent()) ?? '').trim();
    expect(reference).toMatch(/^TD-/);
    expect(((await page.locator('#logged-secret').textContent()) ?? '').trim()).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);
    await screenshot(page, 'desk-phone-logged');

    await Promise.all([page.waitForURL(/\/desk$/), page.getByRole('link', { name: 'Queue' }).click()]);
    const row = page.locator('[data-tip-row]', { hasText: reference });
    expect(await row.locator('.channel').textContent()).toBe('Phone');

    await Promise.all([page.waitForURL(/\/desk\/tips\//), row.locator('a.ref').click()]);
    expect(await page.locator('#contributor-phone').textContent()).toContain('+447700900321');
    expect(await page.locator('#no-consent').textContent()).toContain('No consent recorded: this tip came by phone');
    expect(await page.locator('#history').textContent()).toContain('Pia Phones');

    const dir = mkdtempSync(join(tmpdir(), 'tipdesk-phone-'));
    writeFileSync(join(dir, 'caller-video.mp4'), sampleVideo());
    await page.locator('#add-files').setInputFiles(join(dir, 'caller-video.mp4'));
    await Promise.all([page.waitForURL(/notice=files-added/), page.locator('#add-files-form').getByRole('button', { name: 'Add files', exact: true }).click()]);
    expect(await page.locator('#media-heading').textContent()).toBe('Media (1)');
    expect(await page.locator('#media .filename').textContent()).toBe('caller-video.mp4');
  });

  it('fits a phone screen', async () => {
    const page = await signedIn(MOBILE);
    await page.goto(`${suite.t.url}/desk/phone`);
    await expectNoHorizontalScroll(page);
  });
});
