// Getting into the desk in a real browser: the first admin's one-time link, signing in with and
// without a second factor, enrolling an authenticator, wrong passwords, and being sent to sign
// in (and back) when signed out.
import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { totpCode } from '../../src/staff/totp.js';
import { createStaff } from '../support/staff.js';
import { startTestApp } from '../support/test-app.js';
import { expectNoHorizontalScroll, MOBILE, screenshot, signInThroughPage, appAndBrowserPerFile } from './desk-support.js';

const suite = appAndBrowserPerFile();
const { pool } = suite;

const ADMIN = { name: 'Ada Admin', email: 'ada@newsroom.test', password: 'correct horse battery staple' };

/** The one-time link the app logged at start-up (no staff yet), pointed at the test server. */
function setupLinkFromLog(): string {
  const line = suite.t.logs.find((l) => l.includes('/desk/setup?token='));
  expect(line).toBeDefined();
  const token = /\/desk\/setup\?token=([A-Za-z0-9_-]+)/.exec(line!)![1];
  return `${suite.t.url}/desk/setup?token=${token}`;
}

async function signedInAs(page: Page): Promise<string> {
  return ((await page.locator('#signed-in-as').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

describe('the first admin', () => {
  it('is created from the one-time link in the log, signed in, and sent to set up two-factor sign-in', async () => {
    const link = setupLinkFromLog();
    const page = await pool.page();
    expect((await page.goto(link))?.status()).toBe(200);
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email address').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Password again').fill('a different password');
    await page.getByRole('button', { name: 'Create the admin account' }).click();
    // A typo in the repeated password comes back next to the field, with the name and email kept.
    await expect(page.locator('#passwordAgain-error').textContent()).resolves.toContain('not the same');
    expect(await page.getByLabel('Your name').inputValue()).toBe(ADMIN.name);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await Promise.all([page.waitForURL(/\/desk\/account/), page.getByRole('button', { name: 'Create the admin account' }).click()]);

    expect(await page.locator('#notice').textContent()).toContain('Your admin account is ready');
    expect(await signedInAs(page)).toBe('Ada Admin admin');
    expect(await page.getByRole('navigation', { name: 'Desk' }).getByRole('link').allTextContents()).toEqual([
      'Queue',
      'Log a phone tip',
      'Accounts',
      'Staff',
      'Audit log',
      'Settings',
      'Erasure requests',
      'Account',
    ]);
    await screenshot(page, 'desk-account-first-admin');
  });

  it('the same link shows a clear page once it has been used (410)', async () => {
    const page = await pool.page();
    const response = await page.goto(setupLinkFromLog());
    expect(response?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This setup link does not work any more');
    expect(await page.locator('#error-message').textContent()).toContain('expired or has already been used');
  });
});

describe('signing in', () => {
  it('without two-factor sign-in: email and password lead to the queue', async () => {
    const { user, password } = await createStaff(suite.t, 'editor', { name: 'Eddie Editor' });
    const page = await pool.page();
    await signInThroughPage(page, suite.t, user.email, password);
    expect(new URL(page.url()).pathname).toBe('/desk');
    expect(await signedInAs(page)).toBe('Eddie Editor editor');
    // Editors see the queue and their account, not the admin pages.
    expect(await page.getByRole('navigation', { name: 'Desk' }).getByRole('link').allTextContents()).toEqual(['Queue', 'Log a phone tip', 'Account']);
    // Issue 11: an admin page leads an editor back to their own start page with a notice, not to "Not allowed".
    expect((await page.goto(`${suite.t.url}/desk/staff`))?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/desk');
    expect(await page.locator('#notice').textContent()).toContain('not part of your role’s work');
  });

  it('an accountant who opens /desk first signs in and lands on /accounts, never on “Not allowed”', async () => {
    const { user, password } = await createStaff(suite.t, 'accounting', { name: 'Amir Accounts' });
    const page = await pool.page();
    await page.goto(`${suite.t.url}/desk`);
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    await page.getByLabel('Email address').fill(user.email);
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL((url) => url.pathname !== '/desk/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/accounts');
    expect(await page.locator('h1').textContent()).toBe('Accounts');
    // Signed in, /desk again leads to /accounts too.
    await page.goto(`${suite.t.url}/desk`);
    expect(new URL(page.url()).pathname).toBe('/accounts');
  });

  it('a wrong password says so without saying whether the account exists', async () => {
    const { user } = await createStaff(suite.t, 'editor');
    const page = await pool.page();
    await page.goto(`${suite.t.url}/desk/login`);
    await page.getByLabel('Email address').fill(user.email);
    await page.getByLabel('Password').fill('not my password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#form-error').waitFor();
    const wrongPassword = await page.locator('#form-error').textContent();
    expect(wrongPassword).toContain('That email address and password do not match an account.');
    expect(await page.getByLabel('Email address').inputValue()).toBe(user.email);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await screenshot(page, 'desk-login-wrong-password');

    await page.getByLabel('Email address').fill('nobody-here@newsroom.test');
    await page.getByLabel('Password').fill('not my password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#form-error').textContent()).toBe(wrongPassword);
  });

  it('a signed-out visit to a desk page goes to sign in, and back to that page afterwards', async () => {
    const { user, password } = await createStaff(suite.t, 'editor');
    const page = await pool.page();
    await page.goto(`${suite.t.url}/desk?status=all&sort=oldest`);
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/desk?status=all&sort=oldest');
    await page.getByLabel('Email address').fill(user.email);
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL((url) => url.pathname === '/desk'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(new URL(page.url()).search).toBe('?status=all&sort=oldest');
    expect(await page.getByLabel('Order').inputValue()).toBe('oldest');
  });

  it('signing out ends the session: the desk asks to sign in again', async () => {
    const { user, password } = await createStaff(suite.t, 'editor');
    const page = await pool.page();
    await signInThroughPage(page, suite.t, user.email, password);
    await Promise.all([page.waitForURL(/\/desk\/login/), page.getByRole('button', { name: 'Sign out' }).click()]);
    expect(await page.locator('#notice').textContent()).toBe('You have signed out.');
    await page.goto(`${suite.t.url}/desk`);
    expect(new URL(page.url()).pathname).toBe('/desk/login');
  });
});

describe('two-factor sign-in', () => {
  it('enrols with the QR code and a code, shows the recovery codes once, then sign-in asks for a code', async () => {
    const { user, password } = await createStaff(suite.t, 'editor', { name: 'Tess Totp' });
    const page = await pool.page();
    await signInThroughPage(page, suite.t, user.email, password);
    await page.getByRole('link', { name: 'Account' }).click();
    expect(await page.locator('#totp-off').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();

    const qr = page.locator('#totp-qr');
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true); // the CSP lets the data: image load
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, 'desk-account-totp-enrol');

    // A wrong code first: the same QR code comes back with the message.
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await expect(page.locator('#code-error').textContent()).resolves.toContain('not right');
    expect(((await page.locator('#totp-secret').textContent()) ?? '').trim()).toBe(secret);

    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    const codes = page.locator('#recovery-codes li');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    expect(await page.locator('#totp-on').textContent()).toContain('now on');
    await screenshot(page, 'desk-account-recovery-codes');
    // Shown once: the account page no longer has them.
    await page.goto(`${suite.t.url}/desk/account`);
    expect(await page.locator('#recovery-codes').count()).toBe(0);
    expect(await page.locator('#totp-on').textContent()).toContain('Two-factor sign-in is on');

    await Promise.all([page.waitForURL(/\/desk\/login/), page.getByRole('button', { name: 'Sign out' }).click()]);
    await page.getByLabel('Email address').fill(user.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const totp = page.getByLabel('Code from your authenticator app');
    await totp.waitFor();
    expect(await page.locator('#form-note').textContent()).toContain('6-digit code');
    expect(await page.locator('#form-error').count()).toBe(0); // the next step, not a mistake
    await screenshot(page, 'desk-login-totp');

    // The code used to enrol cannot be used again: take the next 30-second step's code (the window allows one step ahead).
    await page.getByLabel('Password').fill(password);
    await totp.fill(totpCode(secret, Date.now() + 30_000));
    await Promise.all([page.waitForURL((url) => url.pathname === '/desk'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await signedInAs(page)).toBe('Tess Totp editor');
  });

  it('with REQUIRE_2FA, a person without it is sent to the account page from every desk page', async () => {
    const strict = await startTestApp({ REQUIRE_2FA: 'true' });
    try {
      const { user, password } = await createStaff(strict, 'editor');
      const page = await pool.page(MOBILE);
      await signInThroughPage(page, strict, user.email, password);
      expect(new URL(page.url()).pathname).toBe('/desk/account');
      expect(await page.locator('#enrolment-required').textContent()).toContain('Set up two-factor sign-in first');
      await page.goto(`${strict.url}/desk`);
      expect(new URL(page.url()).pathname).toBe('/desk/account');
      await expectNoHorizontalScroll(page);
      await screenshot(page, 'desk-account-required-mobile');
    } finally {
      await strict.close();
    }
  });
});

describe('on a phone', () => {
  it('the sign-in page fits a 390px screen', async () => {
    const page = await pool.page(MOBILE);
    await page.goto(`${suite.t.url}/desk/login`);
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'desk-login-mobile');
  });
});
