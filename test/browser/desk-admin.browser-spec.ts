// The admins' pages in a real browser: staff accounts (add, role, disable/enable, reset the
// second factor, unlock, set a forgotten password) and the searchable audit log.
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { AuthService } from '../../src/staff/auth.service.js';
import { SignInThrottleService, SIGN_IN_FAILURES_BEFORE_LOCK } from '../../src/staff/sign-in-throttle.service.js';
import { totpCode } from '../../src/staff/totp.js';
import { createStaff } from '../support/staff.js';
import { DESKTOP, expectNoHorizontalScroll, MOBILE, screenshot, signInThroughPage, appAndBrowserPerFile } from './desk-support.js';

let admin: { email: string; password: string; id: string };

const suite = appAndBrowserPerFile();
const { pool } = suite;

beforeAll(async () => {
  const { user, password } = await createStaff(suite.t, 'admin', { name: 'Ada Admin' });
  admin = { email: user.email, password, id: user.id };
});

async function asAdmin(options = DESKTOP): Promise<Page> {
  const page = await pool.page(options);
  await signInThroughPage(page, suite.t, admin.email, admin.password);
  await page.goto(`${suite.t.url}/desk/staff`);
  return page;
}

const row = (page: Page, email: string) => page.locator(`#staff-table tr[data-email="${email}"]`);

/** Presses a row's button and waits for the page that answers it. */
async function rowAction(page: Page, email: string, name: RegExp | string): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.waitForURL(/\/desk\/staff/), row(page, email).getByRole('button', { name }).click()]);
}

/** The person's suite.browser has been signed out, and signing in again with `password` is refused. */
async function expectSignedOutAndRefused(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${suite.t.url}/desk/account`);
  expect(new URL(page.url()).pathname).toBe('/desk/login');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#form-error').textContent()).resolves.toContain('do not match an account');
}

describe('the staff page', () => {
  it('adds a person (a short first password is refused next to its field), who can then sign in', async () => {
    const page = await asAdmin();
    await page.getByLabel('Name', { exact: true }).fill('Nina Newcomer');
    await page.getByLabel('Email address').fill('nina@newsroom.test');
    await page.getByLabel('Role', { exact: true }).selectOption('editor');
    await page.getByLabel('First password').fill('short');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect(page.locator('#new-password-error').textContent()).resolves.toContain('Use at least 12 characters');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Nina Newcomer');
    expect(await page.getByLabel('Role', { exact: true }).inputValue()).toBe('editor');

    await page.getByLabel('First password').fill('a first secret for the newcomer');
    await Promise.all([page.waitForURL(/notice=staff-added/), page.getByRole('button', { name: 'Add person' }).click()]);
    expect(await row(page, 'nina@newsroom.test').locator('.name').textContent()).toBe('Nina Newcomer');
    expect(await row(page, 'nina@newsroom.test').locator('select').inputValue()).toBe('editor');
    expect(await row(page, 'nina@newsroom.test').textContent()).toContain('Never');
    await screenshot(page, 'desk-staff-desktop');

    // The same address twice is refused next to the email field.
    await page.getByLabel('Name', { exact: true }).fill('Nina Again');
    await page.getByLabel('Email address').fill('NINA@newsroom.test');
    await page.getByLabel('First password').fill('a first secret for the newcomer');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect(page.locator('#new-email-error').textContent()).resolves.toContain('already a staff account');

    const nina = await pool.page();
    await signInThroughPage(nina, suite.t, 'nina@newsroom.test', 'a first secret for the newcomer');
    expect(new URL(nina.url()).pathname).toBe('/desk');
  });

  it('changes a role, and disabling signs the person out and keeps them out until enabled again', async () => {
    const { user, password } = await createStaff(suite.t, 'editor', { name: 'Dan Disabled' });
    const dan = await pool.page();
    await signInThroughPage(dan, suite.t, user.email, password);

    const page = await asAdmin();
    await row(page, user.email).locator('select').selectOption('accounting');
    await rowAction(page, user.email, 'Change role');
    expect(await page.locator('#notice').textContent()).toContain('The role has been changed');
    expect(await row(page, user.email).locator('select').inputValue()).toBe('accounting');

    await rowAction(page, user.email, `Disable ${user.name}`);
    expect(await page.locator('#notice').textContent()).toContain('disabled');
    expect(await row(page, user.email).locator('td[data-label="Account"] .state.off').textContent()).toBe('Disabled');
    expect(await row(page, user.email).getAttribute('class')).toContain('disabled');

    await expectSignedOutAndRefused(dan, user.email, password);

    await rowAction(page, user.email, `Enable ${user.name}`);
    expect(await row(page, user.email).locator('td[data-label="Account"] .state.on').textContent()).toBe('Active');
    await signInThroughPage(dan, suite.t, user.email, password);
    expect(new URL(dan.url()).pathname).toBe('/accounts'); // accounting lands on the accounts page
  });

  it('resets a lost second factor and lifts a sign-in lock', async () => {
    const { user, password } = await createStaff(suite.t, 'editor', { name: 'Lou Locked' });
    const auth = suite.t.app.get(AuthService);
    const principal = { id: user.id, email: user.email, name: user.name, role: user.role, totpEnabled: false };
    const { secret } = await auth.startTotpEnrolment(principal);
    await auth.confirmTotpEnrolment(principal, totpCode(secret));
    const throttle = suite.t.app.get(SignInThrottleService);
    for (let i = 0; i < SIGN_IN_FAILURES_BEFORE_LOCK; i++) await throttle.recordFailure(throttle.subject('staff', user.email));

    const page = await asAdmin();
    expect(await row(page, user.email).locator('.state.warn').textContent()).toBe('Locked');
    expect(await row(page, user.email).textContent()).toContain('On');
    await screenshot(page, 'desk-staff-locked');

    await rowAction(page, user.email, `Unlock ${user.name}`);
    expect(await page.locator('#notice').textContent()).toBe('The account has been unlocked.');
    expect(await row(page, user.email).locator('.state.warn').count()).toBe(0);

    await rowAction(page, user.email, `Reset two-factor sign-in for ${user.name}`);
    expect(await page.locator('#notice').textContent()).toContain('Two-factor sign-in has been reset');
    expect(
      await row(page, user.email)
        .getByRole('button', { name: /Reset two-factor/ })
        .count(),
    ).toBe(0);

    // With the lock lifted and no second factor, the password alone signs in again.
    const lou = await pool.page();
    await signInThroughPage(lou, suite.t, user.email, password);
    expect(new URL(lou.url()).pathname).toBe('/desk');
  });

  it('sets a new password for someone who forgot theirs: a weak one is refused next to the field; then their session ends and the new one signs in', async () => {
    const { user, password } = await createStaff(suite.t, 'editor', { name: 'Fay Forgetful' });
    const fay = await pool.page();
    await signInThroughPage(fay, suite.t, user.email, password);

    const page = await asAdmin();
    // An admin's own row sends them to the Account page, which asks for the current password.
    expect(await row(page, admin.email).locator('details.password-reset').count()).toBe(0);
    expect(await row(page, admin.email).getByRole('link', { name: 'Change your own password' }).getAttribute('href')).toBe('/desk/account');

    await row(page, user.email).locator('details.password-reset summary').click();
    await row(page, user.email).getByLabel('New password for Fay Forgetful', { exact: true }).fill('short');
    await row(page, user.email).getByRole('button', { name: 'Set password for Fay Forgetful' }).click();
    await expect(page.locator(`#password-${user.id}-error`).textContent()).resolves.toContain('Use at least 12 characters');
    expect(await page.locator('#form-error').textContent()).toContain('The new password for Fay Forgetful was not set');
    expect(await row(page, user.email).locator('details.password-reset').getAttribute('open')).not.toBeNull();
    await screenshot(page, 'desk-staff-password-refused');

    await row(page, user.email).getByLabel('New password for Fay Forgetful', { exact: true }).fill('a new secret for fay');
    await Promise.all([page.waitForURL(/notice=password-set/), row(page, user.email).getByRole('button', { name: 'Set password for Fay Forgetful' }).click()]);
    expect(await page.locator('#notice').textContent()).toContain('The new password is set');

    await expectSignedOutAndRefused(fay, user.email, password);
    await signInThroughPage(fay, suite.t, user.email, 'a new secret for fay');
    expect(new URL(fay.url()).pathname).toBe('/desk');
  });

  it('refuses to disable the last active admin, with the reason on the page', async () => {
    const page = await asAdmin();
    await rowAction(page, admin.email, 'Disable Ada Admin');
    expect(await page.locator('#form-error').textContent()).toContain('last active admin');
    expect(await row(page, admin.email).locator('td[data-label="Account"] .state.on').textContent()).toBe('Active');
  });

  it('shows a staff name full of HTML as text', async () => {
    await createStaff(suite.t, 'editor', { name: '<img src=x onerror="window.__xss=3">Eve', email: 'eve@newsroom.test' });
    const page = await asAdmin({ ...DESKTOP, bypassCSP: true });
    await page.waitForLoadState('load');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await row(page, 'eve@newsroom.test').locator('.name').textContent()).toBe('<img src=x onerror="window.__xss=3">Eve');
    expect(await page.locator('#staff-table img').count()).toBe(0);
  });

  it('fits a phone', async () => {
    const page = await asAdmin(MOBILE);
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'desk-staff-mobile', { fullPage: false });
  });
});

describe('the audit log page', () => {
  it('lists events newest first, searches them, narrows to one thing, and pages through', async () => {
    // Enough events for a second page (50 to a page).
    for (let i = 0; i < 40; i++) await createStaff(suite.t, 'editor', { name: `Bulk Person ${i}` });
    const page = await asAdmin();
    await page.getByRole('link', { name: 'Audit log' }).click();
    expect(new URL(page.url()).pathname).toBe('/desk/audit');
    const actions = () => page.locator('#audit-table code.action').allTextContents();
    expect((await actions()).slice(0, 2)).toEqual(['staff.signed_in', 'staff.created']); // this sign-in, then the last bulk account
    expect(await page.locator('#audit-table tbody tr').count()).toBe(50);
    await screenshot(page, 'desk-audit-desktop');

    await Promise.all([page.waitForURL(/cursor=/), page.locator('#older').click()]);
    const second = await page.locator('#audit-table tbody tr').count();
    expect(second).toBeGreaterThan(0);
    await Promise.all([page.waitForURL((url) => !url.search.includes('cursor=')), page.locator('#newer').click()]);
    expect(await page.locator('#audit-table tbody tr').count()).toBe(50);

    await page.getByLabel('Search').fill('staff.disabled');
    await Promise.all([page.waitForURL(/q=staff.disabled/), page.getByRole('button', { name: 'Search' }).click()]);
    expect(new Set(await actions())).toEqual(new Set(['staff.disabled']));
    const firstRow = page.locator('#audit-table tbody tr').first();
    expect(await firstRow.locator('td[data-label="Who"]').textContent()).toContain('Ada Admin');
    // Issue 11: the change in words up front; the event as stored (codes, JSON) in its details.
    expect(await firstRow.locator('.change').textContent()).toContain('Disabled: false → true');
    expect(await firstRow.locator('td.what').textContent()).toBe('Staff account disabled');
    await firstRow.getByText('Details').click();
    expect(await firstRow.locator('.event-detail').innerText()).toContain('"disabled":true');

    // One thing's whole history.
    await Promise.all([page.waitForURL(/entityId=/), firstRow.getByRole('link', { name: 'history' }).click()]);
    expect(await page.locator('#audit-narrowed').textContent()).toContain('one thing');
    expect((await actions()).every((action) => action.startsWith('staff.'))).toBe(true);
    expect(await actions()).toContain('staff.disabled');
    expect(await actions()).toContain('staff.created');

    // A bad filter is named and left out.
    await page.goto(`${suite.t.url}/desk/audit?from=last+week&action=staff.created`);
    expect(await page.locator('#filter-errors').textContent()).toContain('from must be a date');
    expect(new Set(await actions())).toEqual(new Set(['staff.created']));
  });

  it('is for admins only', async () => {
    const { user, password } = await createStaff(suite.t, 'editor');
    const page = await pool.page();
    await signInThroughPage(page, suite.t, user.email, password);
    // Issue 11: an editor is led to their own start page, not shown "Not allowed".
    await page.goto(`${suite.t.url}/desk/audit`);
    expect(new URL(page.url()).pathname).toBe('/desk');
    expect(await page.locator('#audit-table').count()).toBe(0);
  });

  it('fits a phone', async () => {
    const page = await asAdmin(MOBILE);
    await page.goto(`${suite.t.url}/desk/audit`);
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'desk-audit-mobile', { fullPage: false });
  });
});
